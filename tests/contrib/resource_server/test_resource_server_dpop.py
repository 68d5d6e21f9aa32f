"""DPoP-bound access tokens at the resource server (RFC 9449 §7), with its own replay cache."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from jwtauth.core.keys.keyset import KeySet
from jwtauth.core.tokens import TokenPolicy, issue_access_token
from jwtauth.settings import ResourceServerSettings
from tests.conftest import FakeClock
from tests.contrib.resource_server.test_resource_server import (  # noqa: F401  (fixtures)
    AUDIENCE,
    ISSUER,
    RESOURCE,
    JWKSServer,
    jwks_server,
    resource_server,
)
from tests.dpop_helpers import DPoPKey
from tests.factories import asymmetric_key


def bound_token(clock: FakeClock, jkt: str | None) -> str:
    policy = TokenPolicy(
        keys=KeySet((asymmetric_key("EdDSA", "k1"),)), lifetime=timedelta(minutes=5), issuer=ISSUER, audience=AUDIENCE
    )
    return issue_access_token(policy, sub="42", sid="s-1", now=clock.now(), jkt=jkt).token


@pytest.fixture
def published(resource_server: JWKSServer) -> JWKSServer:  # noqa: F811
    resource_server.publish(asymmetric_key("EdDSA", "k1"))
    return resource_server


def assert_401(response: Any, code: str, challenge: str) -> None:
    assert response.status_code == 401, response.content
    assert response.json()["code"] == code
    assert response["WWW-Authenticate"].startswith(challenge)


def test_bound_token_with_proof(published: JWKSServer, clock: FakeClock) -> None:
    key = DPoPKey(clock)
    access = bound_token(clock, key.jkt)
    response = APIClient().get(RESOURCE, **key.headers("GET", RESOURCE, access))
    assert response.status_code == 200, response.content
    assert response.json()["sub"] == "42"


def test_replay_is_refused(published: JWKSServer, clock: FakeClock) -> None:
    key = DPoPKey(clock)
    access = bound_token(clock, key.jkt)
    headers = key.headers("GET", RESOURCE, access)
    assert APIClient().get(RESOURCE, **headers).status_code == 200
    assert_401(APIClient().get(RESOURCE, **headers), "invalid_dpop_proof", 'DPoP error="invalid_dpop_proof"')


@pytest.mark.parametrize(
    "make",
    [
        lambda k, t: k.proof("GET", RESOURCE),  # no ath
        lambda k, t: k.proof("POST", RESOURCE, access_token=t),
        lambda k, t: k.proof("GET", "/api/hello/", access_token=t),
        lambda k, t: k.proof("GET", RESOURCE, access_token=t, iat_offset=-61),
        lambda k, t: DPoPKey(k.clock).proof("GET", RESOURCE, access_token=t),
    ],
)
def test_bad_proof(published: JWKSServer, clock: FakeClock, make: Any) -> None:
    key = DPoPKey(clock)
    access = bound_token(clock, key.jkt)
    response = APIClient().get(RESOURCE, HTTP_AUTHORIZATION=f"DPoP {access}", HTTP_DPOP=make(key, access))
    assert_401(response, "invalid_dpop_proof", 'DPoP error="invalid_dpop_proof", algs="ES256 EdDSA"')


def test_bound_token_as_bearer_and_missing_proof(published: JWKSServer, clock: FakeClock) -> None:
    key = DPoPKey(clock)
    access = bound_token(clock, key.jkt)
    assert_401(
        APIClient().get(RESOURCE, HTTP_AUTHORIZATION=f"Bearer {access}"),
        "token_invalid",
        'Bearer realm="api", error="invalid_token"',
    )
    assert_401(
        APIClient().get(RESOURCE, HTTP_AUTHORIZATION=f"DPoP {access}"),
        "invalid_dpop_proof",
        'DPoP error="invalid_dpop_proof"',
    )
    unbound = bound_token(clock, None)
    assert APIClient().get(RESOURCE, HTTP_AUTHORIZATION=f"Bearer {unbound}").status_code == 200
    assert_401(
        APIClient().get(RESOURCE, **key.headers("GET", RESOURCE, unbound)),
        "token_invalid",
        'DPoP error="invalid_token"',
    )


def test_required_mode_refuses_bearer(published: JWKSServer, clock: FakeClock, settings: Any) -> None:
    conf = {**settings.JWTAUTH_RESOURCE_SERVER, "DPOP": "required"}
    with override_settings(JWTAUTH_RESOURCE_SERVER=conf):
        response = APIClient().get(RESOURCE, HTTP_AUTHORIZATION=f"Bearer {bound_token(clock, None)}")
        assert_401(response, "token_invalid", 'DPoP error="invalid_token"')
        assert "Bearer" not in response["WWW-Authenticate"]


def test_replay_cache_failure_fails_closed(published: JWKSServer, clock: FakeClock, settings: Any) -> None:
    from tests.testapp.caches import SharedDictCache

    conf = {**settings.JWTAUTH_RESOURCE_SERVER, "DPOP_REPLAY_CACHE": "shared"}
    with override_settings(JWTAUTH_RESOURCE_SERVER=conf):
        key = DPoPKey(clock)
        access = bound_token(clock, key.jkt)
        SharedDictCache.failing = {"write"}
        response = APIClient().get(RESOURCE, **key.headers("GET", RESOURCE, access))
        assert_401(response, "invalid_dpop_proof", 'DPoP error="invalid_dpop_proof"')


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DPOP", "sometimes"),
        ("DPOP_ALGORITHMS", ["HS256"]),
        ("DPOP_IAT_WINDOW_SECONDS", 0),
        ("DPOP_REPLAY_CACHE", "nope"),
    ],
)
def test_bad_dpop_settings(name: str, value: Any) -> None:
    conf = {"JWKS_URL": "https://a.test/jwks/", "ISSUER": ISSUER, "AUDIENCE": AUDIENCE, name: value}
    _, problems = ResourceServerSettings.validate(conf)
    assert [p.check_id for p in problems] == ["jwtauth.E201"]
    assert name in problems[0].message
