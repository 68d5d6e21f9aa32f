"""``jwtauth.contrib.resource_server.authentication`` against a JWKS served on 127.0.0.1 (no external network)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from jwtauth.checks import check_resource_server_settings
from jwtauth.contrib.resource_server.authentication import get_resource_server_settings
from jwtauth.core.errors import ConfigInvalid
from jwtauth.core.keys.jwks import public_jwk
from jwtauth.core.keys.keyset import KeySet
from jwtauth.core.tokens import TokenPolicy, issue_access_token, issue_refresh_token
from tests.conftest import FakeClock
from tests.contrib.resource_server.jwks_server import (
    AUDIENCE,
    ISSUER,
    JWKSServer,
    resource_server_settings,
)
from tests.contrib.resource_server.jwks_server import access_token as token
from tests.factories import SECRET, asymmetric_key, forge

RESOURCE = "/api/resource/"


@pytest.fixture
def jwks_server() -> Iterator[JWKSServer]:
    server = JWKSServer()
    yield server
    server.close()


@pytest.fixture
def resource_server(jwks_server: JWKSServer, clock: FakeClock) -> Iterator[JWKSServer]:
    with override_settings(JWTAUTH_RESOURCE_SERVER=resource_server_settings(jwks_server, clock)):
        yield jwks_server


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


@pytest.mark.parametrize(
    "garbage",
    [
        "abc",
        "e30.e30",
        "e30.e30.e30.e30",
        "bm90IGpzb24.e30.c2ln",  # header "not json"
        "W10.e30.c2ln",  # header [] (JSON, not an object)
        "e30.e30.c2ln",  # header {} (no alg)
        "eyJhbGciOjF9.e30.c2ln",  # header {"alg": 1}
        "-.e30.c2ln",
    ],
)
def test_malformed_token_is_401_without_fetching_keys(
    resource_server: JWKSServer, api_client: APIClient, garbage: str
) -> None:
    response = get(api_client, garbage)
    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"
    assert 'error="invalid_token"' in response["WWW-Authenticate"]
    assert resource_server.hits == 0


# The concurrency of JWKS fetches (one fetch shared by waiters, no lock held during I/O,
# a failure counted from its end) is tested with seams in tests/security/test_remote_jwks.py.


def test_jwks_unavailable_carries_retry_after(
    resource_server: JWKSServer, api_client: APIClient, clock: FakeClock
) -> None:
    resource_server.status = 500
    access = token(asymmetric_key("EdDSA"), clock)
    response = get(api_client, access)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    clock.advance(10)
    response = get(api_client, access)
    assert response.status_code == 503
    assert response["Retry-After"] == "20"
    assert resource_server.hits == 1


@pytest.mark.parametrize(
    "conf",
    [
        None,
        {"JWKS_URL": "file:///etc/passwd", "ISSUER": ISSUER, "AUDIENCE": AUDIENCE},
        {"JWKS_URL": "http://127.0.0.1/", "ISSUER": ISSUER, "AUDIENCE": AUDIENCE, "TIMEOUT_SECONDS": 0},
        {"JWKS_URL": "http://127.0.0.1/", "ISSUER": ISSUER, "AUDIENCE": AUDIENCE, "AUTH_HEADER_TYPES": 7},
        {"JWKS_URL": "http://127.0.0.1/", "ISSUER": ISSUER, "AUDIENCE": AUDIENCE, "AUTH_HEADER_TYPES": ["Bear er"]},
        {"JWKS_URL": "http://127.0.0.1/", "ISSUER": ISSUER, "AUDIENCE": AUDIENCE, "CLOCK": "no.such.Clock"},
        {"JWKS_URL": "http://127.0.0.1/", "ISSUER": ISSUER, "AUDIENCE": AUDIENCE, "CLOCK": object()},
    ],
)
def test_bad_settings_are_system_check_e201(conf: Any) -> None:
    from django.core.checks import run_checks

    with override_settings(JWTAUTH_RESOURCE_SERVER=conf):
        messages = check_resource_server_settings()
        assert [m.id for m in messages] == ["jwtauth.E201"]
        assert "JWTAUTH_RESOURCE_SERVER" in messages[0].msg
        assert "jwtauth.E201" in {m.id for m in run_checks()}
        with pytest.raises(ConfigInvalid):
            get_resource_server_settings()


def test_e201_is_silent_for_good_or_absent_settings(resource_server: JWKSServer, settings: Any) -> None:
    assert check_resource_server_settings() == []
    del settings.JWTAUTH_RESOURCE_SERVER
    assert check_resource_server_settings() == []
    assert resource_server.hits == 0


def test_custom_claims_and_scope_permission_as_on_the_issuer(
    resource_server: JWKSServer, api_client: APIClient, clock: FakeClock
) -> None:
    key = asymmetric_key("EdDSA", "k1")
    resource_server.publish(key)
    p = TokenPolicy(keys=KeySet((key,)), issuer=ISSUER, audience=AUDIENCE, lifetime=timedelta(minutes=5))

    def with_claims(**claims: Any) -> str:
        return issue_access_token(p, sub="42", sid="s-1", now=clock.now(), claims=claims).token

    denied = api_client.get("/api/resource/orders/", HTTP_AUTHORIZATION=f"Bearer {with_claims(scope='orders:read')}")
    assert (denied.status_code, denied.json()["code"]) == (403, "insufficient_scope")
    assert denied["WWW-Authenticate"] == 'Bearer realm="api", error="insufficient_scope", scope="orders:write"'
    allowed = api_client.get(
        "/api/resource/orders/",
        HTTP_AUTHORIZATION=f"Bearer {with_claims(scope='orders:read orders:write', role='admin')}",
    )
    assert allowed.status_code == 200, allowed.content
    # request.auth.claims holds the custom claims alone, as request.auth.claims does on the issuer.
    assert allowed.json() == {"sub": "42", "claims": {"scope": "orders:read orders:write", "role": "admin"}}


def test_resource_server_claims_are_read_only() -> None:
    from jwtauth.contrib.resource_server import ResourceServerClaims

    claims = ResourceServerClaims({"sub": "42", "exp": 1, "role": "x", "perms": ["a"], "scope": "a b"})
    assert claims["sub"] == "42" and claims.get("sid") is None
    assert dict(claims.claims) == {"role": "x", "perms": ("a",), "scope": "a b"}
    assert claims.scopes == {"a", "b"}
    assert len(claims) == 5 and set(claims) == {"sub", "exp", "role", "perms", "scope"}
    assert isinstance(claims["perms"], tuple)
    with pytest.raises(TypeError):
        claims["role"] = "y"  # type: ignore[index]
    assert "role" in repr(claims)
