"""Codes and reset links are never readable at rest, and every link is built from PUBLIC_BASE_URL."""
import re

import pytest

from campaigns.models import OutboxMessage
from core.testing.database_search import text_columns_containing

pytestmark = pytest.mark.django_db


def test_a_sign_in_code_is_in_no_table_in_clear_before_or_after_it_is_sent(anon, member, sent):
    # given a code requested by the app
    assert anon.post("/api/v1/auth/code", {"login": member.email}, format="json").status_code == 202
    row = OutboxMessage.objects.get(member=member)
    # when the worker sends it
    code = re.search(r"\b(\d{6})\b", sent()[0]["body"]).group(1)
    # then the member got it and it works
    assert anon.post("/api/v1/auth/code/verify", {"login": member.email, "code": code},
                     format="json").status_code == 200
    # and no text column of any table holds it, and the row keeps no secret once delivered
    assert text_columns_containing(code) == []
    row.refresh_from_db()
    assert (row.status, row.encrypted_secret) == ("delivered", "")


def test_a_queued_sign_in_code_is_stored_only_encrypted(member, monkeypatch):
    from portal.services import sign_in_code_request

    # given a code queued and not yet sent (a known code, to search for)
    monkeypatch.setattr("portal.services.auth.secrets.randbelow", lambda _n: 481_516)
    sign_in_code_request(login=member.email)
    message = OutboxMessage.objects.get(member=member)
    # then the body holds a placeholder and the row an encrypted value; no column holds the code
    assert "[[secret]]" in message.body and message.encrypted_secret
    assert text_columns_containing("481516") == []


def test_a_reset_link_is_in_no_table_in_clear_and_is_built_from_the_public_base_url(
        anon, member, sent, settings, monkeypatch):
    from django.contrib.auth.tokens import default_token_generator

    # given a server that accepts any Host (a proxy passing it through) and a public address
    settings.ALLOWED_HOSTS = ["*"]
    settings.PUBLIC_BASE_URL = "https://club.example/"
    make_token, tokens = default_token_generator.make_token, []
    monkeypatch.setattr(default_token_generator, "make_token", lambda user: tokens.append(make_token(user)) or tokens[-1])
    # when a reset is requested with a forged Host
    response = anon.post("/api/v1/auth/password-reset", {"login": member.email}, format="json",
                         HTTP_HOST="evil.example")
    # then, queued, the token is in no table in clear
    assert response.status_code == 202
    [token] = tokens
    assert text_columns_containing(token) == []
    # when the worker sends it
    body = sent()[0]["body"]
    # then the link points at the public address, not the forged host, and carries the token
    link = re.search(r"(\S+/password-reset/\?uid=\S+)", body).group(1)
    assert link.startswith("https://club.example/password-reset/?uid=") and "evil.example" not in body
    assert link.endswith(f"&token={token}")
    # and, sent, the token is still in no table in clear
    assert text_columns_containing(token) == []
    # and the link still works
    uid = re.search(r"uid=([^&]+)", link).group(1)
    confirmed = anon.post("/api/v1/auth/password-reset/confirm",
                          {"uid": uid, "token": token, "password": "brand-new-secret-9"}, format="json")
    assert confirmed.status_code == 200


def test_the_portal_reset_page_builds_its_link_from_the_public_base_url(client, member, sent, settings):
    settings.ALLOWED_HOSTS = ["*"]
    settings.PUBLIC_BASE_URL = "https://club.example"
    client.post("/password-reset/request/", {"login": member.email}, HTTP_HOST="evil.example")
    assert re.search(r"https://club\.example/password-reset/\?uid=\S+&token=\S+", sent()[0]["body"])
    assert "evil.example" not in sent()[0]["body"]
