"""The client address comes from REMOTE_ADDR and only as many X-Forwarded-For entries as proxies are trusted."""
import pytest
from django.test import RequestFactory

from core.client_ip import client_ip


def _request(remote="10.0.0.9", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_header_is_ignored(settings):
    # given the default: no proxy of ours in front
    settings.TRUSTED_PROXY_COUNT = 0
    # when a client writes any X-Forwarded-For it likes
    # then the address is the one the connection came from
    assert client_ip(_request(forwarded="1.2.3.4")) == "10.0.0.9"


@pytest.mark.parametrize("proxies, expected", [(1, "203.0.113.7"), (2, "198.51.100.2")])
def test_with_n_trusted_proxies_the_nth_entry_from_the_right_is_the_client(settings, proxies, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    # the client forged "6.6.6.6"; the outer proxy saw 198.51.100.2, the inner one 203.0.113.7
    request = _request(forwarded="6.6.6.6, 198.51.100.2, 203.0.113.7")
    assert client_ip(request) == expected


def test_a_header_shorter_than_the_proxy_chain_gives_its_leftmost_entry(settings):
    settings.TRUSTED_PROXY_COUNT = 3
    assert client_ip(_request(forwarded="198.51.100.2")) == "198.51.100.2"


@pytest.mark.parametrize("forwarded", ["", "not-an-address", "1.2.3.4, "])
def test_a_missing_or_malformed_entry_falls_back_to_the_connection(settings, forwarded):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request(forwarded=forwarded)) == "10.0.0.9"
