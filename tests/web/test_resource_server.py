"""``jwtauth.contrib.resource_server`` against a JWKS served on 127.0.0.1 (no external network)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from jwtauth.contrib.resource_server import get_resource_server_settings
from jwtauth.core.errors import ConfigInvalid
from jwtauth.core.jwks import public_jwk, public_jwks
from jwtauth.core.keys import Key, KeySet
from jwtauth.core.tokens import TokenPolicy, issue_access_token, issue_refresh_token
from tests.conftest import FakeClock
from tests.factories import SECRET, asymmetric_key, forge

RESOURCE = "/api/resource/"
ISSUER, AUDIENCE = "https://auth.example.test", "https://api.example.test"


class JWKSServer:
    """A JWKS endpoint on 127.0.0.1 whose answer and delay a test controls."""

    def __init__(self) -> None:
        self.body: bytes = b'{"keys": []}'
        self.status = 200
        self.delay_seconds = 0.0
        self.hits = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.hits += 1
                time.sleep(server.delay_seconds)
                self.send_response(server.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(server.body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/api/auth/jwks/"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    def publish(self, *keys: Key) -> None:
        self.body = json.dumps(public_jwks(KeySet(keys))).encode()


@pytest.fixture
def jwks_server() -> Iterator[JWKSServer]:
    server = JWKSServer()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture
def resource_server(jwks_server: JWKSServer, clock: FakeClock) -> Iterator[JWKSServer]:
    conf = {
        "JWKS_URL": jwks_server.url,
        "ISSUER": ISSUER,
        "AUDIENCE": AUDIENCE,
        "CACHE_SECONDS": 300,
        "MIN_REFETCH_SECONDS": 30,
        "TIMEOUT_SECONDS": 0.5,
        "LEEWAY_SECONDS": 0,
        "CLOCK": clock,
    }
    with override_settings(JWTAUTH_RESOURCE_SERVER=conf):
        yield jwks_server


def token(key: Key, clock: FakeClock, **policy: Any) -> str:
    options = {"issuer": ISSUER, "audience": AUDIENCE, "lifetime": timedelta(minutes=5), **policy}
    issued = issue_access_token(TokenPolicy(keys=KeySet((key,)), **options), sub="42", sid="s-1", now=clock.now())
    return issued.token


def get(client: APIClient, access: str) -> Any:
    return client.get(RESOURCE, HTTP_AUTHORIZATION=f"Bearer {access}")


def test_valid_token_and_cache(resource_server: JWKSServer, api_client: APIClient, clock: FakeClock) -> None:
    key = asymmetric_key("EdDSA", "k1")
    resource_server.publish(key, asymmetric_key("RS256", "k0"))
    for _ in range(3):
        response = get(api_client, token(key, clock))
        assert response.status_code == 200, response.content
        assert response.json() == {"sub": "42", "scope": "s-1"}
    assert resource_server.hits == 1
    clock.advance(299)
    assert get(api_client, token(key, clock)).status_code == 200
    assert resource_server.hits == 1
    clock.advance(1)
    assert get(api_client, token(key, clock)).status_code == 200
    assert resource_server.hits == 2


@pytest.mark.parametrize("alg", ["ES256", "RS256", "PS256"])
def test_each_asymmetric_algorithm(
    resource_server: JWKSServer, api_client: APIClient, clock: FakeClock, alg: str
) -> None:
    key = asymmetric_key(alg)
    resource_server.publish(key)
    assert get(api_client, token(key, clock)).status_code == 200


def test_unknown_kid_refetches_once_with_rate_limit(
    resource_server: JWKSServer, api_client: APIClient, clock: FakeClock
) -> None:
    old, new = asymmetric_key("EdDSA", "old"), asymmetric_key("EdDSA", "new")
    resource_server.publish(old)
    assert get(api_client, token(old, clock)).status_code == 200
    assert resource_server.hits == 1
    # The issuer rotates: the new key appears; the first token with it triggers a refetch.
    clock.advance(31)
    resource_server.publish(new, old)
    assert get(api_client, token(new, clock)).status_code == 200
    assert resource_server.hits == 2
    # A flood of unknown kids within MIN_REFETCH_SECONDS costs no further fetches.
    stranger = asymmetric_key("EdDSA", "stranger")
    for _ in range(5):
        response = get(api_client, token(stranger, clock))
        assert response.status_code == 401
        assert response.json()["code"] == "key_unknown"
        assert 'error="invalid_token"' in response["WWW-Authenticate"]
    assert resource_server.hits == 2
    clock.advance(30)
    assert get(api_client, token(stranger, clock)).status_code == 401
    assert resource_server.hits == 3


@pytest.mark.parametrize(
    "breakage",
    [
        {"status": 500},
        {"status": 404},
        {"body": b"<html>not json"},
        {"body": b"[]"},
        {"body": b'{"keys": []}'},
        {"body": b'{"keys": [{"kty": "oct", "alg": "HS256", "k": "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0cw"}]}'},
        {"delay_seconds": 2.0},
    ],
)
def test_jwks_failure_is_503_never_500(
    resource_server: JWKSServer, api_client: APIClient, clock: FakeClock, breakage: dict[str, Any]
) -> None:
    key = asymmetric_key("EdDSA")
    resource_server.publish(key)
    for name, value in breakage.items():
        setattr(resource_server, name, value)
    response = get(api_client, token(key, clock))
    assert response.status_code == 503
    assert response.json() == {
        "detail": "The keys to verify the access token are temporarily unavailable.",
        "code": "jwks_unavailable",
    }


def test_unreachable_server_is_503(jwks_server: JWKSServer, api_client: APIClient, clock: FakeClock) -> None:
    url = jwks_server.url
    jwks_server.httpd.shutdown()
    jwks_server.httpd.server_close()
    conf = {"JWKS_URL": url, "ISSUER": ISSUER, "AUDIENCE": AUDIENCE, "CLOCK": clock, "TIMEOUT_SECONDS": 0.5}
    with override_settings(JWTAUTH_RESOURCE_SERVER=conf):
        response = get(api_client, token(asymmetric_key(), clock))
    assert response.status_code == 503
    assert response.json()["code"] == "jwks_unavailable"


def test_stale_keys_survive_a_failed_refetch(
    resource_server: JWKSServer, api_client: APIClient, clock: FakeClock
) -> None:
    key = asymmetric_key("EdDSA")
    resource_server.publish(key)
    assert get(api_client, token(key, clock)).status_code == 200
    resource_server.status = 500
    clock.advance(301)
    assert get(api_client, token(key, clock)).status_code == 200
    assert resource_server.hits == 2


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda key, clock: token(key, clock, issuer="https://evil.example.test"), "token_invalid"),
        (lambda key, clock: token(key, clock, issuer=None), "token_invalid"),
        (lambda key, clock: token(key, clock, audience="https://other.example.test"), "token_invalid"),
        (lambda key, clock: token(key, clock, audience=None), "token_invalid"),
        (lambda key, clock: token(key, clock, lifetime=timedelta(seconds=0)), "token_expired"),
        (
            lambda key, clock: (
                issue_refresh_token(
                    TokenPolicy(keys=KeySet((key,)), lifetime=timedelta(days=1), issuer=ISSUER, audience=AUDIENCE),
                    sub="42",
                    sid="s",
                    now=clock.now(),
                ).token
            ),
            "token_invalid",
        ),
        (lambda key, clock: forge({"sub": "42"}, secret=SECRET, kid=key.kid), "token_invalid"),
        (lambda key, clock: "not-a-jwt", "token_invalid"),
    ],
)
def test_claims_and_type_enforced(
    resource_server: JWKSServer, api_client: APIClient, clock: FakeClock, make: Any, code: str
) -> None:
    key = asymmetric_key("EdDSA")
    resource_server.publish(key)
    response = get(api_client, make(key, clock))
    assert response.status_code == 401
    assert response.json()["code"] == code


def test_no_header_or_other_scheme_is_anonymous(resource_server: JWKSServer, api_client: APIClient) -> None:
    assert api_client.get(RESOURCE).status_code in (401, 403)
    assert api_client.get(RESOURCE, HTTP_AUTHORIZATION="Basic dTpw").status_code in (401, 403)
    assert resource_server.hits == 0


def test_disallowed_algorithm_keys_are_ignored(
    resource_server: JWKSServer, api_client: APIClient, clock: FakeClock
) -> None:
    rsa, eddsa = asymmetric_key("RS256", "rsa"), asymmetric_key("EdDSA", "ed")
    resource_server.publish(rsa, eddsa)
    conf = {**get_settings_dict(), "ALGORITHMS": ["EdDSA"]}
    with override_settings(JWTAUTH_RESOURCE_SERVER=conf):
        assert get(api_client, token(eddsa, clock)).status_code == 200
        assert get(api_client, token(rsa, clock)).json()["code"] == "key_unknown"


def get_settings_dict() -> dict[str, Any]:
    from django.conf import settings

    return dict(settings.JWTAUTH_RESOURCE_SERVER)


@pytest.mark.parametrize(
    "conf",
    [
        None,
        {"JWKS_URL": "file:///etc/passwd", "ISSUER": ISSUER, "AUDIENCE": AUDIENCE},
        {"JWKS_URL": "http://127.0.0.1/", "ISSUER": ISSUER},
        {"JWKS_URL": "http://127.0.0.1/", "ISSUER": ISSUER, "AUDIENCE": AUDIENCE, "ALGORITHMS": ["HS256"]},
        {"JWKS_URL": "http://127.0.0.1/", "ISSUER": ISSUER, "AUDIENCE": AUDIENCE, "ALGORITHMS": "EdDSA"},
        {"JWKS_URL": "http://127.0.0.1/", "ISSUER": ISSUER, "AUDIENCE": AUDIENCE, "CACHE_SECONDS": "5"},
        {"JWKS_URL": "http://127.0.0.1/", "ISSUER": ISSUER, "AUDIENCE": AUDIENCE, "TYPO": 1},
    ],
)
def test_bad_settings(conf: Any) -> None:
    with override_settings(JWTAUTH_RESOURCE_SERVER=conf), pytest.raises(ConfigInvalid):
        get_resource_server_settings()


def test_published_shape_matches_what_we_load() -> None:
    key = asymmetric_key("ES256")
    assert set(public_jwk(key)) == {"kty", "kid", "use", "alg", "crv", "x", "y"}
