"""``GET jwks/`` and asymmetric access tokens end to end."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from jwtauth.core.keys.jwks import PRIVATE_MEMBERS, private_pem, public_jwk, public_pem
from tests.api.helpers import HELLO, USER, bearer, login
from tests.factories import asymmetric_key

JWKS = "/api/auth/jwks/"


def keys_setting(*entries: tuple[str, str, bool]) -> list[dict[str, Any]]:
    """(alg, kid, is_private) -> ACCESS_TOKEN_KEYS entries with PEM material."""
    out = []
    for alg, kid, is_private in entries:
        key = asymmetric_key(alg, kid)
        field = "private_key" if is_private else "public_key"
        out.append({"kid": kid, "alg": alg, field: private_pem(key) if is_private else public_pem(key)})
    return out


ROTATING = keys_setting(("EdDSA", "new", True), ("ES256", "old", False), ("RS256", "older", False))


@pytest.mark.jwtauth_settings(ACCESS_TOKEN_KEYS=ROTATING, JWKS_MAX_AGE=120)
@pytest.mark.parametrize("path", [JWKS, JWKS.rstrip("/")])
def test_jwks_publishes_public_keys_in_order(api_client: APIClient, path: str) -> None:
    response = api_client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "public, max-age=120"
    keys = response.json()["keys"]
    assert [k["kid"] for k in keys] == ["new", "old", "older"]
    assert keys[0] == public_jwk(asymmetric_key("EdDSA", "new"))
    for jwk in keys:
        assert jwk["use"] == "sig"
        assert not PRIVATE_MEMBERS & set(jwk)
    assert b"PRIVATE" not in response.content
    assert "set-cookie" not in {h.lower() for h in response.headers}


def test_hmac_only_config_publishes_an_empty_set(api_client: APIClient) -> None:
    response = api_client.get(JWKS)
    assert response.status_code == 200
    assert response.json() == {"keys": []}
    assert response["Cache-Control"] == "public, max-age=300"


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_other_methods_are_a_json_405(api_client: APIClient, method: str) -> None:
    response = getattr(api_client, method)(JWKS)
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert response["Allow"] == "GET, HEAD"


def test_head(api_client: APIClient) -> None:
    assert api_client.head(JWKS).status_code == 200


@pytest.mark.jwtauth_settings(ACCESS_TOKEN_KEYS=ROTATING)
def test_login_issues_eddsa_access_token_that_authenticates(api_client: APIClient, user: Any) -> None:
    import jwt

    access = login(api_client).json()["access_token"]
    header = jwt.get_unverified_header(access)
    assert header["alg"] == "EdDSA"
    assert header["kid"] == "new"
    assert header["typ"] == "at+jwt"
    response = api_client.get(USER, **bearer(access))
    assert response.status_code == 200
    assert api_client.get(HELLO, **bearer(access)).status_code == 200


@pytest.mark.parametrize(("alg", "kid"), [("ES256", "old"), ("RS256", "older")])
def test_tokens_from_a_previous_signer_still_verify(
    api_client: APIClient, user: Any, alg: str, kid: str, settings: Any
) -> None:
    from django.test import override_settings

    with override_settings(JWTAUTH={**settings.JWTAUTH, "ACCESS_TOKEN_KEYS": keys_setting((alg, kid, True))}):
        access = login(api_client).json()["access_token"]
    with override_settings(JWTAUTH={**settings.JWTAUTH, "ACCESS_TOKEN_KEYS": ROTATING}):
        assert api_client.get(USER, **bearer(access)).status_code == 200
    retired = keys_setting(("EdDSA", "new", True))
    with override_settings(JWTAUTH={**settings.JWTAUTH, "ACCESS_TOKEN_KEYS": retired}):
        response = api_client.get(USER, **bearer(access))
    assert response.status_code == 401
    assert response.json()["code"] == "key_unknown"
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_any_accept_gets_json(api_client: APIClient) -> None:
    for accept in ("application/jwk-set+json", "text/html", "*/*"):
        response = api_client.get(JWKS, HTTP_ACCEPT=accept)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"keys": []}


def test_options_is_a_405_too(api_client: APIClient) -> None:
    response = api_client.options(JWKS)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert "no-store" not in response.get("Cache-Control", "")
