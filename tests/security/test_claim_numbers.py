"""NaN, Infinity and out-of-range NumericDates in ``exp``/``iat``/``nbf``.

Python's json module reads ``NaN``/``Infinity`` (not JSON, RFC 8259 §6) and ``1e400`` (inf);
a NaN ``exp`` compares false with every time, so it never expires, and ``int(inf)`` raises.
Every path must answer 401 ``token_invalid`` (``refresh_token_invalid`` for the refresh
cookie), never a 500 and never "valid forever".
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from jwtauth.core.errors import JWTAuthError, TokenInvalid
from jwtauth.core.jws import MAX_NUMERIC_DATE
from jwtauth.core.tokens import verify_access_token, verify_refresh_token
from jwtauth.settings import get_settings
from tests.api.helpers import COOKIE, REFRESH, USER, bearer, login
from tests.conftest import FakeClock
from tests.contrib.resource_server.jwks_server import AUDIENCE, ISSUER, JWKSServer, resource_server_settings
from tests.factories import asymmetric_key
from tests.security.helpers import b64, refresh_secret, sign_raw, unverified

pytestmark = pytest.mark.django_db

# Literal JSON text for the number, so the bytes on the wire are exactly these.
BAD_NUMBERS = [
    "NaN",
    "Infinity",
    "-Infinity",
    "1e400",
    "-1e400",
    str(MAX_NUMERIC_DATE + 1),
    "1" + "0" * 40,
    "-1",
    "1e20",
]
CLAIMS = ["exp", "iat", "nbf"]


def with_number(claims: dict[str, Any], name: str, literal: str) -> str:
    """The claims as JSON text with ``name`` set to the raw number ``literal``."""
    marker = "__NUMBER__"
    text = json.dumps({**claims, name: marker})
    return text.replace(f'"{marker}"', literal)


def access_header(kid: str) -> str:
    return json.dumps({"alg": "HS256", "typ": "at+jwt", "kid": kid})


@pytest.fixture
def live(api_client: APIClient, user: Any) -> dict[str, Any]:
    response = login(api_client)
    access = response.json()["access_token"]
    return {"claims": unverified(access), "kid": get_settings().access.keys.signing.kid, "client": api_client}


@pytest.mark.parametrize("name", CLAIMS)
@pytest.mark.parametrize("literal", BAD_NUMBERS)
def test_bearer_path_rejects_bad_numbers(live: dict[str, Any], name: str, literal: str) -> None:
    token = sign_raw(access_header(live["kid"]), with_number(live["claims"], name, literal))
    response = APIClient().get(USER, **bearer(token))
    assert response.status_code == 401, response.content
    assert response.json()["code"] == "token_invalid"
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


@pytest.mark.parametrize("name", CLAIMS)
@pytest.mark.parametrize("literal", BAD_NUMBERS)
def test_core_verifiers_raise_only_jwtauth_errors(
    live: dict[str, Any], clock: FakeClock, name: str, literal: str
) -> None:
    conf = get_settings()
    token = sign_raw(access_header(live["kid"]), with_number(live["claims"], name, literal))
    with pytest.raises(TokenInvalid) as caught:
        verify_access_token(token, conf.access, now=clock.now())
    assert caught.value.code == "token_invalid"
    secret, kid = refresh_secret()
    header = json.dumps({"alg": "HS256", "typ": "refresh+jwt", "kid": kid})
    refresh = sign_raw(header, with_number(live["claims"], name, literal), secret)
    with pytest.raises(JWTAuthError) as caught_refresh:
        verify_refresh_token(refresh, conf.refresh, now=clock.now())
    assert caught_refresh.value.code == "refresh_token_invalid"


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "1e400"])
def test_refresh_cookie_with_bad_exp_is_401(live: dict[str, Any], literal: str) -> None:
    client: APIClient = live["client"]
    secret, kid = refresh_secret()
    header = json.dumps({"alg": "HS256", "typ": "refresh+jwt", "kid": kid})
    claims = unverified(client.cookies[COOKIE].value)
    client.cookies[COOKIE] = sign_raw(header, with_number(claims, "exp", literal), secret)
    response = client.post(REFRESH, HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
    assert response.status_code == 401, response.content
    assert response.json()["code"] == "refresh_token_invalid"


# -- the resource server ------------------------------------------------------------


@pytest.fixture
def jwks_server() -> Iterator[JWKSServer]:
    server = JWKSServer()
    yield server
    server.close()


@pytest.mark.parametrize("name", CLAIMS)
@pytest.mark.parametrize("literal", ["NaN", "Infinity", "1e400", str(MAX_NUMERIC_DATE + 1)])
def test_resource_server_rejects_bad_numbers(
    jwks_server: JWKSServer, clock: FakeClock, name: str, literal: str
) -> None:
    import jwt

    key = asymmetric_key("EdDSA", "rs-numbers")
    jwks_server.publish(key)
    now = int(clock.now().timestamp())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "42", "jti": "j", "sid": "s", "iat": now, "exp": now + 300}
    header = {"alg": "EdDSA", "typ": "at+jwt", "kid": key.kid}
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(with_number(claims, name, literal).encode())}"
    signature = jwt.get_algorithm_by_name("EdDSA").sign(signing_input.encode(), key.signing_key)  # type: ignore[arg-type]
    token = f"{signing_input}.{b64(signature)}"
    with override_settings(JWTAUTH_RESOURCE_SERVER=resource_server_settings(jwks_server, clock)):
        response = APIClient().get("/api/resource/", **bearer(token))
    assert response.status_code == 401, response.content
    assert response.json()["code"] == "token_invalid"


# -- fuzzing: any JSON number, any claim ------------------------------------------

_numbers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(
        lambda f: (
            "NaN" if f != f else ("Infinity" if f == float("inf") else "-Infinity" if f == float("-inf") else repr(f))
        )
    ),
    st.sampled_from(["1e308", "1e309", "-0", "0.0", "1E+400", "253402300799.5"]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(CLAIMS), literal=_numbers, offset=st.integers(min_value=-(10**6), max_value=10**6))
def test_fuzz_numeric_dates_never_escape(
    live: dict[str, Any], clock: FakeClock, name: str, literal: str, offset: int
) -> None:
    """Whatever number a claim holds, verification returns or raises a jwtauth error."""
    conf = get_settings()
    token = sign_raw(access_header(live["kid"]), with_number(live["claims"], name, literal))
    now = clock.now() + timedelta(seconds=offset)
    try:
        claims = verify_access_token(token, conf.access, now=now)
    except JWTAuthError:
        return
    # Accepted: then the number was a real date in range, and the claims are ints.
    assert 0 <= claims.exp <= MAX_NUMERIC_DATE
    assert 0 <= claims.iat <= MAX_NUMERIC_DATE
