"""The OpenAPI schema says what the APIs enforce: JSON only, unknown keys refused, the shared error answers."""
import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def schema(tmp_path_factory, django_db_blocker):
    path = tmp_path_factory.mktemp("schema") / "schema.yml"
    with django_db_blocker.unblock():
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(path.read_text())


def api_operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS and path.startswith("/api/v1/"):
                yield path, method, operation


def test_every_request_body_is_json_only(schema):
    # DRF's default parsers made ~10 operations advertise form and multipart bodies too
    bodies = {(path, method): list(op["requestBody"]["content"]) for path, method, op in api_operations(schema)
              if "requestBody" in op}
    assert len(bodies) >= 15
    assert {tuple(types) for types in bodies.values()} == {("application/json",)}


def test_every_operation_documents_the_shared_error_answers(schema):
    for path, method, operation in api_operations(schema):
        assert {"400", "413", "414", "429", "500"} <= set(operation["responses"]), (path, method)
        if "requestBody" in operation:
            assert "415" in operation["responses"], (path, method)


def test_the_staff_api_documents_its_credential_and_not_found_answers(schema):
    for path in ("/api/v1/segments/", "/api/v1/segments/{slug}/members"):
        assert {"401", "403", "404"} <= set(schema["paths"][path]["get"]["responses"])


def test_request_bodies_refuse_unknown_keys(schema):
    components = schema["components"]["schemas"]
    for name in ("OrderInputRequest", "OrderLineInputRequest", "ReturnInputRequest", "ReturnLineInputRequest",
                 "CouponRedeemInputRequest", "CouponValidateInputRequest", "RedemptionInputRequest",
                 "SignUpInputRequest", "PatchedMeInputRequest"):
        assert components[name]["additionalProperties"] is False, name


def test_order_lines_are_bounded_and_texts_refuse_control_characters(schema, settings):
    import re

    order = schema["components"]["schemas"]["OrderInputRequest"]
    assert order["properties"]["lines"]["maxItems"] == settings.API_MAX_ORDER_LINES
    external_id = re.compile(order["properties"]["external_id"]["pattern"])
    assert external_id.match("O-1") and not external_id.match("O\x00") and not external_id.match("  ")
    total = re.compile(order["properties"]["total"]["pattern"])
    assert total.match("1500.00") and not total.match("") and not total.match("-1")


def test_the_error_body_names_the_request_id_of_a_500(schema):
    detail = schema["components"]["schemas"]["ErrorDetail"]
    assert "request_id" in detail["properties"] and "request_id" not in detail["required"]


def test_page_parameters_are_positive_integers(schema):
    parameters = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/segments/"]["get"]["parameters"]}
    assert parameters["page"]["type"] == "integer" and parameters["page"]["minimum"] == 1
