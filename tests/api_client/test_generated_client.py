"""A client generated from /api/schema/ by openapi-python-client runs the member and POS flows.

What a POS or app developer would do: fetch the live schema, generate a Python client, and use it. Every
call must answer a documented status and parse into the schema's models with no key the schema lacks.
"""
import importlib
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path

import attrs
import httpx
import pytest
from django.utils import timezone

from core.api_keys import api_key_create
from loyalty.models import ProgrammeSettings
from loyalty.tests.factories import EarningRuleFactory, RewardFactory

PACKAGE = "loyalty_client"
GENERATOR = Path(sys.executable).with_name("openapi-python-client")


@pytest.fixture
def client_package(live_server, tmp_path):
    """Generates the client from the live server's schema into a temporary package and imports it."""
    schema = httpx.get(f"{live_server.url}/api/schema/", params={"format": "json"}, timeout=30)
    assert schema.status_code == 200
    (tmp_path / "schema.json").write_bytes(schema.content)
    (tmp_path / "config.yml").write_text(f"package_name_override: {PACKAGE}\npost_hooks: []\n")
    result = subprocess.run(
        [str(GENERATOR), "generate", "--path", "schema.json", "--config", "config.yml", "--meta", "none",
         "--output-path", PACKAGE, "--fail-on-warning"],
        cwd=tmp_path, capture_output=True, text=True, timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(tmp_path))
    importlib.invalidate_caches()
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def parsed(response, model):
    """The response's parsed body: a `model`, with every nested model free of keys the schema does not list."""
    assert isinstance(response.parsed, model), (response.status_code, response.content)
    _no_undocumented_keys(response.parsed)
    return response.parsed


def _no_undocumented_keys(value, path="body"):
    if isinstance(value, list):
        for index, item in enumerate(value):
            _no_undocumented_keys(item, f"{path}[{index}]")
        return
    if not attrs.has(type(value)):
        return
    declared = [field.name for field in attrs.fields(type(value)) if field.name != "additional_properties"]
    # A model with declared fields is a fixed shape; one without any is a free-form map (attributes, fields).
    if declared:
        assert not value.additional_properties, f"{path} has keys the schema lacks: {value.additional_properties}"
        for name in declared:
            _no_undocumented_keys(getattr(value, name), f"{path}.{name}")


def op(name):
    """The generated module of one operation, e.g. `orders.v1_orders_create`."""
    return importlib.import_module(f"{PACKAGE}.api.{name}")


def m(name):
    """A generated model class by its schema name."""
    return getattr(importlib.import_module(f"{PACKAGE}.models"), name)


@pytest.fixture
def programme(transactional_db):
    ProgrammeSettings.objects.update_or_create(pk=1, defaults={"return_period_days": 0})
    EarningRuleFactory(kind="base", points_per_unit=Decimal("0.1"))
    return RewardFactory(points_cost=50, name="Coffee")


def test_a_generated_client_runs_the_member_and_pos_flows(client_package, live_server, programme):
    pkg = client_package
    _, raw_key = api_key_create(name="till", scopes=["pos"])
    anonymous = pkg.Client(base_url=live_server.url, raise_on_unexpected_status=True)
    pos = pkg.AuthenticatedClient(base_url=live_server.url, token=raw_key, prefix="Api-Key",
                                  raise_on_unexpected_status=True)

    # a member signs up in the app and edits the profile
    signed_up = parsed(op("members_auth.v1_auth_sign_up_create").sync_detailed(
        client=anonymous, body=m("SignUpInputRequest")(login="anna@example.com", password="a-long-pass-phrase",
                                                       personal_data_consent=True, email_consent=True,
                                                       first_name="Anna")), m("MemberTokenOut"))
    app = pkg.AuthenticatedClient(base_url=live_server.url, token=signed_up.token, raise_on_unexpected_status=True)
    me = op("members_profile.v1_me_retrieve")
    profile = parsed(me.sync_detailed(client=app), m("Profile"))
    assert profile.first_name == "Anna"
    patch = op("members_profile.v1_me_partial_update")
    profile = parsed(patch.sync_detailed(client=app, body=m("PatchedMeInputRequest")(last_name="Petrova")),
                     m("Profile"))
    assert profile.last_name == "Petrova"

    # the POS finds her by email
    lookup = op("members.v1_members_lookup_retrieve")
    found = parsed(lookup.sync_detailed(client=pos, email="ANNA@example.com"), m("MemberOutput"))
    member_id = found.external_id

    # the POS sends an order, and sends it again with the same Idempotency-Key
    orders = op("orders.v1_orders_create")
    order_body = m("OrderInputRequest")(
        external_id="T-1", member=member_id, created_at=timezone.now(), total="1000.00", source="pos",
        lines=[m("OrderLineInputRequest")(sku="TEA", quantity="2", unit_price="300.00"),
               m("OrderLineInputRequest")(sku="CUP", quantity="1", unit_price="400.00")])
    key = uuid.uuid4().hex
    first = orders.sync_detailed(client=pos, body=order_body, idempotency_key=key)
    assert first.status_code == 201
    order = parsed(first, m("OrderOutput"))
    assert order.points_earned == 100
    replay = orders.sync_detailed(client=pos, body=order_body, idempotency_key=key)
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert parsed(replay, m("OrderOutput")).to_dict() == order.to_dict()

    # the member returns the cup
    returns = op("orders.v1_orders_return_create")
    returned = parsed(returns.sync_detailed(
        client=pos, external_id="T-1", idempotency_key=uuid.uuid4().hex,
        body=m("ReturnInputRequest")(return_id="R-1", source="pos",
                                     lines=[m("ReturnLineInputRequest")(sku="CUP", quantity="1")])),
        m("ReturnOutput"))
    assert returned.return_id == "R-1" and returned.balance.available == 60

    # the app shows the balance and the ledger
    balance = parsed(op("members_points.v1_me_balance_retrieve").sync_detailed(
        client=app), m("Balance"))
    assert balance.available == 60
    ledger = parsed(op("members_points.v1_me_ledger_list").sync_detailed(
        client=app), m("PaginatedLedgerEntryList"))
    assert ledger.count == 2

    # she buys the reward's coupon with points (a retry spends nothing more) and sees it among her coupons
    rewards_list = op("members_rewards.v1_me_rewards_list")
    rewards = parsed(rewards_list.sync_detailed(client=app), m("PaginatedRewardList"))
    assert [reward.name for reward in rewards.results] == ["Coffee"]
    redeem = op("members_rewards.v1_me_rewards_redeem_create")
    redeem_key = uuid.uuid4().hex
    coupon = parsed(redeem.sync_detailed(rewards.results[0].id, client=app, idempotency_key=redeem_key),
                    m("Coupon"))
    again = parsed(redeem.sync_detailed(rewards.results[0].id, client=app, idempotency_key=redeem_key),
                   m("Coupon"))
    assert again.code == coupon.code
    coupons = parsed(op("members_coupons.v1_me_coupons_list").sync_detailed(
        client=app, state=m("V1MeCouponsListState")("active")), m("PaginatedCouponList"))
    assert [item.code for item in coupons.results] == [coupon.code]

    # the POS checks the coupon against a basket and redeems it on the next order
    validate = op("coupons.v1_coupons_validate_create")
    parsed(validate.sync_detailed(client=pos, body=m("CouponValidateInputRequest")(
        code=coupon.code, member=member_id, order_total="1500.00")), m("CouponOutput"))
    redeem_coupon = op("coupons.v1_coupons_redeem_create")
    parsed(redeem_coupon.sync_detailed(client=pos, idempotency_key=uuid.uuid4().hex,
                                       body=m("CouponRedeemInputRequest")(code=coupon.code, member=member_id,
                                                                          order_total="1500.00",
                                                                          order_external_id="T-2")),
           m("CouponRedemptionOutput"))

    # the POS spends points at checkout
    spend = op("members.v1_members_redemptions_create")
    spent = parsed(spend.sync_detailed(client=pos, external_id=member_id, idempotency_key=uuid.uuid4().hex,
                                       body=m("RedemptionInputRequest")(points=10, transaction_id="TX-1")),
                   m("RedemptionOutput"))
    assert spent is not None
    final = parsed(op("members_points.v1_me_balance_retrieve").sync_detailed(
        client=app), m("Balance"))
    assert final.available == 0  # 60 - 50 for the coffee - 10 at checkout
