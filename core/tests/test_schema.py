from django.core.management import call_command


def test_openapi_schema_generates_without_warnings(tmp_path, db):
    # --fail-on-warn makes an endpoint the generator cannot describe fully an error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    text = (tmp_path / "schema.yml").read_text()
    assert "/api/v1/segments/{slug}/members" in text and "ApiKey" in text
