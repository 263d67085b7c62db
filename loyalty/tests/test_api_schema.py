"""The OpenAPI schema is valid and describes every integration endpoint well enough to generate a client."""
import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db

WRITES = [
    ("/api/v1/orders", "post", "201"),
    ("/api/v1/orders/{external_id}/return", "post", "201"),
    ("/api/v1/members/{external_id}/redemptions", "post", "201"),
    ("/api/v1/coupons/redeem", "post", "201"),
]
READS = [("/api/v1/members/lookup", "get", "200"), ("/api/v1/coupons/validate", "post", "200")]


@pytest.fixture(scope="module")
def schema(tmp_path_factory, django_db_blocker):
    path = tmp_path_factory.mktemp("schema") / "schema.yml"
    with django_db_blocker.unblock():
        # --validate checks the document against the OpenAPI 3 JSON schema; warnings are errors.
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(path.read_text())


def _resolve(schema, ref):
    return schema["components"]["schemas"][ref.rsplit("/", 1)[1]]


@pytest.mark.parametrize("path, method, success", WRITES + READS)
def test_each_endpoint_has_its_success_and_error_bodies_and_the_api_key_scheme(schema, path, method, success):
    operation = schema["paths"][path][method]
    assert {"ApiKey": []} in operation["security"]
    assert "$ref" in operation["responses"][success]["content"]["application/json"]["schema"]
    for status in ("400", "401", "403", "429"):
        error = operation["responses"][status]["content"]["application/json"]["schema"]
        assert _resolve(schema, error["$ref"])["properties"]["error"]
    assert operation["operationId"] and operation["summary"]


@pytest.mark.parametrize("path, method, success", WRITES)
def test_writes_document_their_body_and_the_idempotency_key_header(schema, path, method, success):
    operation = schema["paths"][path][method]
    headers = {p["name"]: p for p in operation["parameters"] if p["in"] == "header"}
    assert headers["Idempotency-Key"]["schema"]["type"] == "string"
    assert "$ref" in operation["requestBody"]["content"]["application/json"]["schema"]
    assert {"409", "422"} <= set(operation["responses"])


def test_the_api_key_scheme_is_an_authorization_header(schema):
    assert schema["components"]["securitySchemes"]["ApiKey"] == {
        "type": "apiKey", "in": "header", "name": "Authorization",
        "description": "`Api-Key <prefix>.<secret>`, created by staff in the admin.",
    }


def test_money_is_a_decimal_string_in_requests_and_responses(schema):
    components = schema["components"]["schemas"]
    assert components["OrderInputRequest"]["properties"]["total"]["type"] == "string"
    assert components["OrderInputRequest"]["properties"]["total"]["format"] == "decimal"
    assert components["OrderOutput"]["properties"]["total"]["format"] == "decimal"
