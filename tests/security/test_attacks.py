"""One test per attack class, each asserting the status and the stable ``code``.

Tokens are forged with the real keys (``tests/security/helpers.py``) so that each
test breaks exactly one thing.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

import jwt
import jwt.api_jws
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from jwt.algorithms import RSAAlgorithm
from rest_framework.test import APIClient

from tests.api.helpers import COOKIE, LOGIN, LOGOUT, REFRESH, USER, bearer, csrf_headers, login
from tests.conftest import PASSWORD, FakeClock
from tests.security.helpers import (
    access_secret,
    b64,
    header_json,
    resign,
    sign_raw,
    unverified,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(api_client: APIClient, user: Any) -> dict[str, Any]:
    """A live login: its access token, its claims and the refresh cookie."""
    response = login(api_client)
    access = response.json()["access_token"]
    return {"access": access, "claims": unverified(access), "refresh": response.cookies[COOKIE].value}


def rejected(token: str, code: str = "token_invalid", max_queries: int | None = 0) -> None:
    """``token`` as a Bearer credential is a 401 with ``code`` and an RFC 6750 challenge."""
    with CaptureQueriesContext(connection) as queries:
        response = APIClient().get(USER, **bearer(token))
    assert response.status_code == 401, response.content
    assert response.json()["code"] == code
    assert set(response.json()) == {"detail", "code"}
    assert 'error="invalid_token"' in response["WWW-Authenticate"]
    if max_queries is not None:
        assert len(queries) <= max_queries  # core rejections never reach the database


def refresh_with(cookie: str) -> Any:
    """A thief replaying ``cookie`` from a client of its own: it gets a CSRF token from
    ``csrf/`` (bound to the cookie's session when the cookie verifies) and refreshes."""
    client = APIClient(enforce_csrf_checks=True)
    client.cookies[COOKIE] = cookie
    csrf = client.get("/api/auth/csrf/").json()["csrf_token"]
    return client.post(REFRESH, HTTP_X_CSRFTOKEN=csrf)


def test_baseline_forged_token_is_accepted(session: dict[str, Any]) -> None:
    """The forging helpers themselves produce a valid token: each attack is one change."""
    assert APIClient().get(USER, **bearer(resign(session["claims"]))).status_code == 200


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE", "NoNe", "none "])
def test_alg_none_in_every_casing(session: dict[str, Any], alg: str) -> None:
    _secret, kid = access_secret()
    header, payload = header_json(alg, kid), json.dumps(session["claims"])
    rejected(f"{b64(header.encode())}.{b64(payload.encode())}.")
    rejected(f"{b64(header.encode())}.{b64(payload.encode())}")


def test_stripped_signature(session: dict[str, Any]) -> None:
    header, payload, _signature = session["access"].split(".")
    rejected(f"{header}.{payload}.")


@pytest.mark.filterwarnings("ignore::UserWarning")  # PyJWT >= 2.11 warns about short HMAC keys
def test_other_hmac_algorithm_with_the_right_key(session: dict[str, Any]) -> None:
    secret, kid = access_secret()
    rejected(jwt.encode(session["claims"], secret, algorithm="HS512", headers={"typ": "at+jwt", "kid": kid}))


@pytest.mark.parametrize(
    "kid",
    ["../../../../dev/null", "/etc/passwd", "' OR '1'='1", "x; rm -rf /", "kid\x00", "\u202e", "k" * 4000],
)
def test_kid_traversal_and_injection(session: dict[str, Any], kid: str) -> None:
    rejected(resign(session["claims"], kid=kid), code="key_unknown")
    # and signed with what the kid would point at on disk or in SQL: an empty key
    rejected(sign_raw(header_json("HS256", kid), json.dumps(session["claims"]), secret=b""), code="key_unknown")


@pytest.mark.parametrize("kid", [1, None, ["a"], {"a": 1}, True])
def test_kid_of_the_wrong_type(session: dict[str, Any], kid: Any) -> None:
    header = json.dumps({"alg": "HS256", "typ": "at+jwt", "kid": kid})
    token = sign_raw(header, json.dumps(session["claims"]))
    rejected(token)  # an explicit null is not an absent kid


@pytest.mark.parametrize("field", ["jwk", "jku", "x5u", "x5c"])
def test_key_header_injection(session: dict[str, Any], field: str) -> None:
    """The header never chooses the key: embedded keys and key URLs are ignored."""
    attacker = b"a" * 32
    _secret, kid = access_secret()
    values = {
        "jwk": {"kty": "oct", "k": b64(attacker)},
        "jku": "https://evil.example/jwks.json",
        "x5u": "https://evil.example/cert.pem",
        "x5c": ["MIIB"],
    }
    headers = {"typ": "at+jwt", field: values[field]}
    rejected(jwt.encode(session["claims"], attacker, algorithm="HS256", headers={**headers, "kid": kid}))
    rejected(jwt.encode(session["claims"], attacker, algorithm="HS256", headers=headers))


def test_embedded_rsa_jwk_cve_2018_0114(session: dict[str, Any]) -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(RSAAlgorithm.to_jwk(private.public_key()))
    _secret, kid = access_secret()
    token = jwt.encode(session["claims"], private, algorithm="RS256", headers={"typ": "at+jwt", "kid": kid, "jwk": jwk})
    rejected(token)


# HS256 signed with the public key of a configured asymmetric key (for every algorithm
# and key encoding): tests/core/test_security.py::test_hs256_signed_with_the_public_key_fails.


@pytest.mark.jwtauth_settings(LEEWAY=0)
def test_expired(session: dict[str, Any], clock: FakeClock) -> None:
    clock.advance(300)
    rejected(session["access"], code="token_expired")
    rejected(resign({**session["claims"], "exp": int(clock.now().timestamp()) - 1}), code="token_expired")


@pytest.mark.parametrize("claim", ["nbf", "iat"])
def test_nbf_and_iat_in_the_future_beyond_leeway(session: dict[str, Any], clock: FakeClock, claim: str) -> None:
    now = int(clock.now().timestamp())  # the default LEEWAY, 30 s
    assert APIClient().get(USER, **bearer(resign({**session["claims"], claim: now + 29}))).status_code == 200
    assert APIClient().get(USER, **bearer(resign({**session["claims"], claim: now + 30}))).status_code == 200
    rejected(resign({**session["claims"], claim: now + 31}))


@pytest.mark.parametrize("claim", ["exp", "iat", "sub", "jti", "sid"])
def test_missing_claims(session: dict[str, Any], claim: str) -> None:
    claims = {k: v for k, v in session["claims"].items() if k != claim}
    rejected(resign(claims))
    rejected(resign({**session["claims"], claim: None}))


@pytest.mark.parametrize(
    ("claim", "value"),
    [("exp", "tomorrow"), ("exp", True), ("iat", [1]), ("sub", 1), ("sid", {"a": 1}), ("jti", 7)],
)
def test_claims_of_the_wrong_type(session: dict[str, Any], claim: str, value: Any) -> None:
    rejected(resign({**session["claims"], claim: value}))


@pytest.mark.jwtauth_settings(ISSUER="https://auth.example", AUDIENCE="api")
@pytest.mark.parametrize(
    "change",
    [
        {"iss": "https://evil.example"},
        {"iss": None},
        {"aud": "other-api"},
        {"aud": ["other-api"]},
        {"aud": None},
        {"aud": 1},
    ],
)
def test_wrong_issuer_or_audience(session: dict[str, Any], change: dict[str, Any]) -> None:
    assert session["claims"]["iss"] == "https://auth.example"
    claims = {k: v for k, v in {**session["claims"], **change}.items() if v is not None}
    rejected(resign(claims))


def test_audience_when_none_is_configured(session: dict[str, Any]) -> None:
    rejected(resign({**session["claims"], "aud": "api"}))


def test_access_refresh_confusion(session: dict[str, Any]) -> None:
    # The refresh token as a Bearer credential: typ refresh+jwt is refused first.
    rejected(session["refresh"])
    # Refresh claims signed with the access key but typed as a refresh token.
    rejected(resign(session["claims"], typ="refresh+jwt"))
    rejected(resign(session["claims"], typ="JWT"))
    # The access token in the refresh cookie, and access-typed tokens signed with the refresh key.
    for cookie in (session["access"], resign(unverified(session["refresh"]), typ="at+jwt", refresh=True)):
        response = refresh_with(cookie)
        assert response.status_code == 401
        assert response.json()["code"] == "refresh_token_invalid"


def test_tampered_payload_and_header(session: dict[str, Any]) -> None:
    header, payload, signature = session["access"].split(".")
    evil = b64(json.dumps({**session["claims"], "sub": "2"}).encode())
    rejected(f"{header}.{evil}.{signature}")
    evil_header = b64(header_json("HS256", access_secret()[1], extra="x").encode())
    rejected(f"{evil_header}.{payload}.{signature}")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    rejected(f"{header}.{payload}.{flipped}")


@pytest.mark.parametrize("shape", ["{t}.x", "{t}..", "x.{t}", "{h}.{p}", "{h}", "{t}.{s}", "{h}.{p}.{s}.{s}.{s}"])
def test_extra_or_missing_segments(session: dict[str, Any], shape: str) -> None:
    header, payload, signature = session["access"].split(".")
    token = shape.format(t=session["access"], h=header, p=payload, s=signature)
    rejected(token)


@pytest.mark.parametrize("mangle", ["pad", "std-alphabet", "bad-char", "odd-length"])
def test_bad_base64url(session: dict[str, Any], mangle: str) -> None:
    header, payload, signature = session["access"].split(".")
    if mangle == "pad":
        token = f"{header}==.{payload}.{signature}"
    elif mangle == "std-alphabet":
        token = f"{header}.{payload}.{signature.replace('-', '+').replace('_', '/')}+/"
    elif mangle == "bad-char":
        token = f"{header}.{payload[:-1]}~.{signature}"
    else:
        token = f"{header}.{payload}a.{signature}"
    rejected(token)


def test_duplicate_json_keys(session: dict[str, Any]) -> None:
    body = json.dumps(session["claims"])
    rejected(sign_raw(header_json("HS256", access_secret()[1]), body[:-1] + ', "sub": "2"}'))
    # A duplicate alg in the header resolves to one value, which must still be ours.
    header = '{"alg":"HS256","typ":"at+jwt","kid":"%s","alg":"none"}' % access_secret()[1]  # noqa: UP031
    rejected(sign_raw(header, body))


@pytest.mark.parametrize("where", ["payload", "header"])
def test_deep_json_nesting(session: dict[str, Any], where: str) -> None:
    deep = "[" * 2500 + "]" * 2500
    if where == "payload":
        token = sign_raw(header_json("HS256", access_secret()[1]), '{"a": %s}' % deep)  # noqa: UP031
    else:
        token = sign_raw('{"alg":"HS256","x":%s}' % deep[:3000], json.dumps(session["claims"]))  # noqa: UP031
    rejected(token)


@pytest.mark.parametrize("where", ["payload", "header"])
def test_non_utf8(session: dict[str, Any], where: str) -> None:
    kid = access_secret()[1]
    if where == "payload":
        token = sign_raw(header_json("HS256", kid), b'{"sub": "\xff\xfe"}')
    else:
        token = sign_raw(b'{"alg":"HS256","kid":"\xff"}', json.dumps(session["claims"]))
    rejected(token)


@pytest.mark.parametrize(
    "change",
    [
        {"sub": "\u30e6\u30fc\u30b6\u30fc"},
        {"sub": str(uuid.uuid4())},
        {"sub": "1\x00"},
        {"sid": "\u30e6\u30fc\u30b6\u30fc"},
        {"sid": str(uuid.uuid4())},
        {"sid": "1 OR 1=1"},
    ],
)
def test_unicode_and_uuid_subjects(session: dict[str, Any], change: dict[str, Any]) -> None:
    """Validly signed but naming no live session of that user: revoked, never a 500."""
    rejected(resign({**session["claims"], **change}), code="token_revoked", max_queries=1)


def test_user_deleted_or_deactivated_after_issue(session: dict[str, Any], user: Any, api_client: APIClient) -> None:
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    rejected(session["access"], code="user_inactive", max_queries=1)
    user.delete()
    rejected(session["access"], code="token_revoked", max_queries=1)
    response = api_client.post(REFRESH, **csrf_headers(api_client))
    assert response.status_code == 401
    assert response.json()["code"] == "refresh_token_revoked"


def test_password_changed_after_issue(session: dict[str, Any], user: Any) -> None:
    user.set_password("a brand new password")
    user.save()
    rejected(session["access"], code="token_revoked", max_queries=None)


def test_logout_then_reuse(session: dict[str, Any], api_client: APIClient) -> None:
    assert api_client.post(LOGOUT, **csrf_headers(api_client)).status_code == 204
    rejected(session["access"], code="token_revoked", max_queries=1)
    response = refresh_with(session["refresh"])
    assert response.status_code == 401
    assert response.json()["code"] == "refresh_token_revoked"


def test_replay_after_rotation(session: dict[str, Any], api_client: APIClient, clock: FakeClock) -> None:
    rotated = api_client.post(REFRESH, **csrf_headers(api_client))
    assert rotated.status_code == 200
    clock.advance(11)  # past the reuse grace period
    response = refresh_with(session["refresh"])
    assert response.status_code == 401
    assert response.json()["code"] == "refresh_token_reused"
    assert response.cookies[COOKIE].value == ""
    rejected(rotated.json()["access_token"], code="token_revoked", max_queries=1)


@pytest.mark.parametrize("endpoint", [REFRESH, LOGOUT])
@pytest.mark.parametrize(
    "attack",
    ["missing", "mismatched", "foreign-origin", "null-origin", "https-no-referer", "https-foreign-referer"],
)
def test_csrf(session: dict[str, Any], api_client: APIClient, endpoint: str, attack: str) -> None:
    token = api_client.cookies["csrftoken"].value
    extra: dict[str, Any] = {"HTTP_X_CSRFTOKEN": token}
    if attack == "missing":
        extra = {}
    elif attack == "mismatched":
        extra = {"HTTP_X_CSRFTOKEN": "m" * 32}
    elif attack == "foreign-origin":
        extra["HTTP_ORIGIN"] = "https://evil.example"
    elif attack == "null-origin":
        extra["HTTP_ORIGIN"] = "null"
    elif attack == "https-no-referer":
        extra["secure"] = True
    else:
        extra.update(secure=True, HTTP_REFERER="https://evil.example/page")
    response = api_client.post(endpoint, **extra)
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert COOKIE not in response.cookies
    # nothing was revoked or rotated
    assert APIClient().get(USER, **bearer(session["access"])).status_code == 200


@pytest.fixture
def cors(settings: Any) -> None:
    settings.MIDDLEWARE = ["corsheaders.middleware.CorsMiddleware", *settings.MIDDLEWARE]
    settings.CORS_ALLOWED_ORIGINS = ["http://localhost:3000"]
    settings.CORS_ALLOW_CREDENTIALS = True


def test_cors_from_a_disallowed_origin(cors: None, session: dict[str, Any], api_client: APIClient) -> None:
    csrf = csrf_headers(api_client)
    preflight = api_client.options(
        REFRESH, HTTP_ORIGIN="https://evil.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )
    assert "access-control-allow-origin" not in preflight.headers
    response = api_client.post(REFRESH, HTTP_ORIGIN="https://evil.example", **csrf)
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert "access-control-allow-origin" not in response.headers
    good = api_client.post(REFRESH, HTTP_ORIGIN="http://localhost:3000", **csrf)
    assert good.status_code == 200
    assert good["Access-Control-Allow-Origin"] == "http://localhost:3000"
    assert good["Access-Control-Allow-Credentials"] == "true"


def test_cookie_attributes_with_production_settings(api_client: APIClient, user: Any, settings: Any) -> None:
    settings.DEBUG = False
    for response in (login(api_client), api_client.post(REFRESH, **csrf_headers(api_client))):
        cookie = response.cookies[COOKIE]
        assert cookie["secure"] is True
        assert cookie["httponly"] is True
        assert cookie["samesite"] == "Lax"
        assert cookie["path"] == "/api/auth/"
        assert cookie["domain"] == ""
        assert 0 < int(cookie["max-age"]) <= 7 * 24 * 3600


@pytest.mark.jwtauth_settings(LOGIN_THROTTLE_RATES={"ip": "1/min"})
def test_cache_control_no_store_everywhere(api_client: APIClient, user: Any) -> None:
    responses = [login(api_client)]
    responses.append(api_client.post(REFRESH, **csrf_headers(api_client)))
    responses.append(APIClient().get(USER, **bearer(responses[0].json()["access_token"])))
    responses.append(APIClient().get(USER, HTTP_AUTHORIZATION="Bearer x.y.z"))
    responses.append(refresh_with("garbage"))
    responses.append(api_client.post(LOGIN, {"username": "alice", "password": "no"}, format="json"))
    responses.append(api_client.post(LOGIN, {"username": "alice", "password": "no"}, format="json"))
    responses.append(api_client.post(LOGOUT, **csrf_headers(api_client)))
    assert [r.status_code for r in responses] == [200, 200, 200, 401, 401, 401, 429, 204]
    for response in responses:
        assert response["Cache-Control"] == "no-store"
        assert response["Pragma"] == "no-cache"


@pytest.mark.jwtauth_settings(LOGIN_THROTTLE_RATES={"ip": "2/min"})
def test_no_token_or_password_in_any_log_record(
    api_client: APIClient, user: Any, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    first = login(api_client)
    secrets = [PASSWORD, first.json()["access_token"], first.cookies[COOKIE].value, first.json()["csrf_token"]]
    rotated = api_client.post(REFRESH, **csrf_headers(api_client))
    secrets += [rotated.json()["access_token"], rotated.cookies[COOKIE].value]
    clock.advance(11)
    assert refresh_with(secrets[2]).json()["code"] == "refresh_token_reused"
    APIClient().get(USER, **bearer(secrets[1]))
    APIClient().get(USER, HTTP_AUTHORIZATION="Bearer " + secrets[4][:-3] + "abc")
    for wrong in ("guess-one-secret", "guess-two-secret", "guess-three-secret"):
        api_client.post(LOGIN, {"username": "alice", "password": wrong}, format="json")
    secrets += ["guess-one-secret", "guess-two-secret", "guess-three-secret"]
    api_client.post(LOGOUT, **csrf_headers(api_client))
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s %(args)s")
    text = "\n".join(formatter.format(record) + str(record.__dict__) for record in caplog.records)
    assert "reuse detected" in text
    assert "throttled" in text
    for secret in secrets:
        assert secret not in text
        assert secret[:40] not in text


def test_rejections_are_cheap(session: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """No attack path is expensive: 200 tokens naming an unknown kid are rejected without
    a signature check (no crypto work) and without a database query."""
    verified: list[int] = []
    original = jwt.api_jws.PyJWS._verify_signature

    def counting(self: Any, *args: Any, **kwargs: Any) -> Any:
        verified.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(jwt.api_jws.PyJWS, "_verify_signature", counting)
    with CaptureQueriesContext(connection) as queries:
        for i in range(200):
            response = APIClient().get(USER, **bearer(resign({**session["claims"], "jti": str(i)}, kid="nope")))
            assert response.json()["code"] == "key_unknown"
    assert verified == []
    assert len(queries) == 0


def test_login_password_is_not_echoed(api_client: APIClient, user: Any) -> None:
    response = api_client.post(LOGIN, {"username": "alice", "password": ["secret-list"]}, format="json")
    assert response.status_code == 400
    assert "secret-list" not in response.content.decode()
    response = api_client.post(LOGIN, {"username": "alice", "password": "wrong-pw-xyz"}, format="json")
    assert "wrong-pw-xyz" not in response.content.decode()
