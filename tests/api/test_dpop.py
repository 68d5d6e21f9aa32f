"""DPoP (RFC 9449) through the test client: binding at login, bound refresh, DPoP-bound API
calls, every §4.3 failure as a 401 with its challenge, replay, nonces and proxies."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import jwt
import pytest
from rest_framework.test import APIClient

from jwtauth.core.dpop import dpop_nonce
from jwtauth.sessions.dpop_replay import UsedDPoPProof
from jwtauth.sessions.models import RefreshSession
from jwtauth.settings import get_settings
from tests.api.helpers import COOKIE, HELLO, LOGIN, LOGOUT, REFRESH, USER, bearer, csrf_headers, login
from tests.conftest import PASSWORD, FakeClock
from tests.dpop_helpers import DPoPKey

pytestmark = [pytest.mark.django_db, pytest.mark.jwtauth_settings(DPOP="optional")]

CREDENTIALS = {"username": "alice", "password": PASSWORD}


@pytest.fixture
def key(clock: FakeClock) -> DPoPKey:
    return DPoPKey(clock)


def dpop_login(client: APIClient, key: DPoPKey, htm: str = "POST", **proof: Any) -> Any:
    return client.post(LOGIN, CREDENTIALS, format="json", HTTP_DPOP=key.proof(htm, LOGIN, **proof))


def bound_session(client: APIClient, key: DPoPKey) -> tuple[str, Any]:
    response = dpop_login(client, key)
    assert response.status_code == 200, response.content
    return response.json()["access_token"], response


def assert_dpop_401(response: Any, code: str = "invalid_dpop_proof") -> None:
    assert response.status_code == 401, response.content
    assert response.json()["code"] == code
    assert set(response.json()) == {"detail", "code"}
    challenge = response["WWW-Authenticate"]
    assert challenge.startswith(f'DPoP error="{code}"')
    assert 'algs="ES256 EdDSA"' in challenge


# Login and token shape


def test_login_with_proof_binds_the_session(api_client: APIClient, user: Any, key: DPoPKey) -> None:
    access, response = bound_session(api_client, key)
    assert response.json()["token_type"] == "DPoP"
    assert RefreshSession.objects.get().dpop_jkt == key.jkt
    claims = jwt.decode(access, options={"verify_signature": False})
    assert claims["cnf"] == {"jkt": key.jkt}
    hello = APIClient().get(HELLO, **key.headers("GET", HELLO, access))
    assert hello.status_code == 200, hello.content
    assert hello.json()["user"] == "alice"


def test_login_without_proof_stays_bearer_in_optional_mode(api_client: APIClient, user: Any) -> None:
    response = api_client.post(LOGIN, CREDENTIALS, format="json")
    assert response.json()["token_type"] == "Bearer"
    assert RefreshSession.objects.get().dpop_jkt is None
    assert "cnf" not in jwt.decode(response.json()["access_token"], options={"verify_signature": False})
    assert APIClient().get(HELLO, **bearer(response.json()["access_token"])).status_code == 200


@pytest.mark.jwtauth_settings(DPOP="off")
def test_off_mode_ignores_dpop(api_client: APIClient, user: Any, key: DPoPKey) -> None:
    response = dpop_login(api_client, key, htm="PUT")  # even a bad proof is not looked at
    assert response.json()["token_type"] == "Bearer"
    access = response.json()["access_token"]
    assert APIClient().get(HELLO, **bearer(access)).status_code == 200
    r = APIClient().get(HELLO, **key.headers("GET", HELLO, access))
    assert r.status_code == 401  # the DPoP scheme is not ours when DPoP is off
    assert r["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize(
    ("proof", "reason"),
    [
        ({"htm": "GET"}, "wrong htm"),
        ({"htu": "http://testserver/api/auth/refresh/"}, "a proof for another URL"),
        ({"iat_offset": -61}, "stale iat"),
        ({"iat_offset": 61}, "future iat"),
        ({"header": {"typ": None}}, "missing typ"),
        ({"header": {"typ": "JWT"}}, "wrong typ"),
        ({"jti": "\ud800"}, "a jti that is no Unicode text (it was a 500 when hashed for the replay cache)"),
    ],
)
def test_login_with_bad_proof(
    api_client: APIClient, user: Any, key: DPoPKey, proof: dict[str, Any], reason: str
) -> None:
    header = proof.pop("header", None)
    if header == {"typ": None}:
        token = key.proof("POST", LOGIN)
        response = api_client.post(LOGIN, CREDENTIALS, format="json", HTTP_DPOP=_without_typ(key, token))
    else:
        response = dpop_login(api_client, key, header=header, **proof)
    assert_dpop_401(response)
    assert not RefreshSession.objects.exists(), reason
    assert COOKIE not in response.cookies


def _without_typ(key: DPoPKey, token: str) -> str:
    claims = jwt.decode(token, options={"verify_signature": False})
    return jwt.encode(claims, key.private, algorithm="ES256", headers={"jwk": key.public_jwk, "typ": None})


def test_login_with_garbage_proof_is_401_not_500(api_client: APIClient, user: Any) -> None:
    for garbage in ("x", "a.b.c", "é", "e30." * 3, "." * 9000):
        response = api_client.post(LOGIN, CREDENTIALS, format="json", HTTP_DPOP=garbage)
        assert_dpop_401(response)


@pytest.mark.jwtauth_settings(DPOP="required")
def test_required_mode_refuses_login_without_proof(api_client: APIClient, user: Any, key: DPoPKey) -> None:
    assert_dpop_401(api_client.post(LOGIN, CREDENTIALS, format="json"))
    access, _ = bound_session(api_client, key)
    r = APIClient().get(HELLO, **bearer(access))
    assert r.status_code == 401
    assert r.json()["code"] == "token_invalid"
    assert r["WWW-Authenticate"].startswith('DPoP error="invalid_token"')
    assert "Bearer" not in r["WWW-Authenticate"]


def test_login_proof_replay(api_client: APIClient, user: Any, key: DPoPKey) -> None:
    proof = key.proof("POST", LOGIN)
    assert api_client.post(LOGIN, CREDENTIALS, format="json", HTTP_DPOP=proof).status_code == 200
    assert_dpop_401(APIClient().post(LOGIN, CREDENTIALS, format="json", HTTP_DPOP=proof))


# API calls with a DPoP-bound access token


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda k, t: k.proof("POST", HELLO, access_token=t), "wrong htm"),
        (lambda k, t: k.proof("GET", USER, access_token=t), "a proof for another URL"),
        (lambda k, t: k.proof("GET", "https://testserver/api/hello/", access_token=t), "another scheme"),
        (lambda k, t: k.proof("GET", HELLO, access_token=t, iat_offset=-61), "stale iat"),
        (lambda k, t: k.proof("GET", HELLO, access_token=t, iat_offset=61), "future iat"),
        (lambda k, t: k.proof("GET", HELLO, access_token=t + "x"), "wrong ath"),
        (lambda k, t: k.proof("GET", HELLO), "no ath"),
        (lambda k, t: DPoPKey(k.clock).proof("GET", HELLO, access_token=t), "another key"),
        (lambda k, t: _alg_none(k, t), "alg none"),
        (lambda k, t: _hs256(k, t), "alg HS256"),
        (lambda k, t: k.proof("GET", HELLO, access_token=t, header={"jwk": _private_jwk(k)}), "private jwk"),
        (lambda k, t: k.proof("GET", HELLO, access_token=t, header={"typ": "jwt"}), "wrong typ"),
        (lambda k, t: "not-a-proof", "garbage"),
    ],
)
def test_api_call_with_bad_proof(api_client: APIClient, user: Any, key: DPoPKey, make: Any, reason: str) -> None:
    access, _ = bound_session(api_client, key)
    response = APIClient().get(HELLO, HTTP_AUTHORIZATION=f"DPoP {access}", HTTP_DPOP=make(key, access))
    assert_dpop_401(response)


def _alg_none(key: DPoPKey, access: str) -> str:
    claims = jwt.decode(key.proof("GET", HELLO, access_token=access), options={"verify_signature": False})
    return jwt.encode(claims, None, algorithm="none", headers={"typ": "dpop+jwt", "jwk": key.public_jwk})


def _hs256(key: DPoPKey, access: str) -> str:
    claims = jwt.decode(key.proof("GET", HELLO, access_token=access), options={"verify_signature": False})
    jwk = {"kty": "oct", "k": "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI"}
    return jwt.encode(
        claims, b"secretsecretsecretsecretsecret12", algorithm="HS256", headers={"typ": "dpop+jwt", "jwk": jwk}
    )


def _private_jwk(key: DPoPKey) -> dict[str, Any]:
    return dict(jwt.algorithms.ECAlgorithm.to_jwk(key.private, as_dict=True))


def test_api_call_without_proof(api_client: APIClient, user: Any, key: DPoPKey) -> None:
    access, _ = bound_session(api_client, key)
    assert_dpop_401(APIClient().get(HELLO, HTTP_AUTHORIZATION=f"DPoP {access}"))


def test_replayed_proof_is_refused(revocation_mode: str, api_client: APIClient, user: Any, key: DPoPKey) -> None:
    access, _ = bound_session(api_client, key)
    headers = key.headers("GET", HELLO, access)
    assert APIClient().get(HELLO, **headers).status_code == 200
    assert_dpop_401(APIClient().get(HELLO, **headers))
    if revocation_mode == "database":
        assert UsedDPoPProof.objects.count() == 2  # the login proof and this one


def test_replay_entry_expires_after_the_window(
    api_client: APIClient, user: Any, key: DPoPKey, clock: FakeClock
) -> None:
    proof = key.proof("POST", LOGIN)
    assert api_client.post(LOGIN, CREDENTIALS, format="json", HTTP_DPOP=proof).status_code == 200
    digest = UsedDPoPProof.objects.get().jti_hash
    conf = get_settings()
    clock.advance((2 * conf.dpop_iat_window + conf.access.leeway).total_seconds() + 5)
    # A stored entry that has run out is reclaimed by the next proof with that hash.
    from jwtauth.sessions.dpop_replay import record_proof

    claims = jwt.decode(proof, options={"verify_signature": False})
    record_proof(key.jkt, claims["jti"], now=clock.now())
    assert UsedDPoPProof.objects.get(jti_hash=digest).expires_at > clock.now()


def test_bound_token_sent_as_bearer_is_refused(api_client: APIClient, user: Any, key: DPoPKey) -> None:
    access, _ = bound_session(api_client, key)
    response = APIClient().get(HELLO, **bearer(access))
    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"
    challenge = response["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="api", error="invalid_token"')
    assert 'DPoP algs="ES256 EdDSA"' in challenge


def test_shared_bearer_step_refuses_bound_tokens(api_client: APIClient, user: Any, key: DPoPKey) -> None:
    # Every Bearer-only integration (django-ninja's JWTAuth) goes through this step.
    from jwtauth.api.bearer import verify_bearer_token
    from jwtauth.core.errors import TokenInvalid

    access, _ = bound_session(api_client, key)
    with pytest.raises(TokenInvalid, match="DPoP-bound"):
        verify_bearer_token(access)
    assert verify_bearer_token(access, allow_dpop_bound=True).jkt == key.jkt


def test_bearer_token_sent_as_dpop_is_refused(api_client: APIClient, user: Any, key: DPoPKey) -> None:
    access = api_client.post(LOGIN, CREDENTIALS, format="json").json()["access_token"]
    response = APIClient().get(HELLO, **key.headers("GET", HELLO, access))
    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"
    assert response["WWW-Authenticate"].startswith('DPoP error="invalid_token"')


def test_expired_bound_token_says_token_expired(
    api_client: APIClient, user: Any, key: DPoPKey, clock: FakeClock
) -> None:
    access, _ = bound_session(api_client, key)
    clock.advance(300 + get_settings().access.leeway.total_seconds())
    response = APIClient().get(HELLO, **key.headers("GET", HELLO, access))
    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"


def test_malformed_dpop_authorization(api_client: APIClient, user: Any) -> None:
    for value in ("DPoP", "DPoP a b", "DPoP " + "a" * 9000, "dpop ***"):
        response = APIClient().get(HELLO, HTTP_AUTHORIZATION=value)
        assert response.status_code == 401
        assert response.json()["code"] == "token_invalid"


def test_memo_still_used_and_proof_checked_each_time(api_client: APIClient, user: Any, key: DPoPKey) -> None:
    access, _ = bound_session(api_client, key)
    for _ in range(3):
        assert APIClient().get(HELLO, **key.headers("GET", HELLO, access)).status_code == 200
    memo = get_settings().verified_tokens
    assert memo is not None and memo.get(access) is not None
    assert_dpop_401(APIClient().get(HELLO, **key.headers("GET", HELLO, access, iat_offset=-3600)))


@pytest.mark.jwtauth_settings(DPOP="optional")
def test_proxy_scheme_and_host(api_client: APIClient, user: Any, key: DPoPKey, settings: Any) -> None:
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.USE_X_FORWARDED_HOST = True
    settings.ALLOWED_HOSTS = ["testserver", "api.example.com"]
    access, _ = bound_session(api_client, key)
    proxied = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_X_FORWARDED_HOST": "api.example.com"}
    url = "https://api.example.com/api/hello/"
    ok = APIClient().get(HELLO, **key.headers("GET", url, access), **proxied)
    assert ok.status_code == 200, ok.content
    assert_dpop_401(APIClient().get(HELLO, **key.headers("GET", HELLO, access), **proxied))


# Refresh: the token family is bound to the key


def _refresh(client: APIClient, response: Any, key: DPoPKey | None) -> Any:
    extra = {"HTTP_DPOP": key.proof("POST", REFRESH)} if key is not None else {}
    return client.post(REFRESH, **csrf_headers(client, response), **extra)


def test_refresh_with_the_same_key(api_client: APIClient, user: Any, key: DPoPKey, clock: FakeClock) -> None:
    _, login_response = bound_session(api_client, key)
    clock.advance(60)
    response = _refresh(api_client, login_response, key)
    assert response.status_code == 200, response.content
    assert response.json()["token_type"] == "DPoP"
    access = response.json()["access_token"]
    assert jwt.decode(access, options={"verify_signature": False})["cnf"] == {"jkt": key.jkt}
    assert APIClient().get(HELLO, **key.headers("GET", HELLO, access)).status_code == 200


@pytest.mark.parametrize("mode", ["optional", "required"])
@pytest.mark.parametrize("other", ["another key", "no proof"])
def test_refresh_without_the_key_revokes_the_family(
    api_client: APIClient, user: Any, key: DPoPKey, other: str, mode: str, settings: Any
) -> None:
    access, login_response = bound_session(api_client, key)
    settings.JWTAUTH = {**settings.JWTAUTH, "DPOP": mode}
    thief = DPoPKey(key.clock) if other == "another key" else None
    response = _refresh(api_client, login_response, thief)
    assert response.status_code == 401
    assert response.json()["code"] == "refresh_token_reused"
    assert response.cookies[COOKIE].value == ""
    assert RefreshSession.objects.get().revoke_reason == "reuse"
    assert APIClient().get(HELLO, **key.headers("GET", HELLO, access)).json()["code"] == "token_revoked"


def test_refresh_with_bad_proof_changes_nothing(api_client: APIClient, user: Any, key: DPoPKey) -> None:
    _, login_response = bound_session(api_client, key)
    response = api_client.post(REFRESH, **csrf_headers(api_client, login_response), HTTP_DPOP=key.proof("POST", LOGIN))
    assert_dpop_401(response)
    assert COOKIE not in response.cookies  # the cookie is kept: the client may retry
    assert RefreshSession.objects.get().revoked_at is None
    assert _refresh(api_client, login_response, key).status_code == 200


def test_bearer_session_stays_bearer_on_refresh(api_client: APIClient, user: Any, key: DPoPKey) -> None:
    login_response = api_client.post(LOGIN, CREDENTIALS, format="json")
    response = _refresh(api_client, login_response, key)
    assert response.status_code == 200
    assert response.json()["token_type"] == "Bearer"
    assert RefreshSession.objects.get().dpop_jkt is None


def test_bearer_session_refused_once_dpop_is_required(
    api_client: APIClient, user: Any, key: DPoPKey, settings: Any
) -> None:
    login_response = api_client.post(LOGIN, CREDENTIALS, format="json")
    settings.JWTAUTH = {**settings.JWTAUTH, "DPOP": "required"}
    response = _refresh(api_client, login_response, key)  # a proof cannot bind a bearer family
    assert_dpop_401(response)
    assert response.cookies[COOKIE].value == ""


def test_bearer_session_without_proof_refused_once_dpop_is_required(
    api_client: APIClient, user: Any, settings: Any
) -> None:
    login_response = api_client.post(LOGIN, CREDENTIALS, format="json")
    settings.JWTAUTH = {**settings.JWTAUTH, "DPOP": "required"}
    response = _refresh(api_client, login_response, None)
    assert_dpop_401(response)
    assert response.cookies[COOKIE].value == ""


def test_logout_of_a_bound_session(api_client: APIClient, user: Any, key: DPoPKey) -> None:
    _, login_response = bound_session(api_client, key)
    response = api_client.post(LOGOUT, **csrf_headers(api_client, login_response))
    assert response.status_code == 204
    assert RefreshSession.objects.get().revoked_at is not None


# Server nonces (RFC 9449 §8)


@pytest.mark.jwtauth_settings(DPOP="required", DPOP_NONCE=True, ACCESS_TOKEN_LIFETIME=900)
def test_nonce_flow(api_client: APIClient, user: Any, key: DPoPKey, clock: FakeClock) -> None:
    first = dpop_login(api_client, key)
    assert_dpop_401(first, "use_dpop_nonce")
    nonce = first["DPoP-Nonce"]
    ok = dpop_login(api_client, key, nonce=nonce)
    assert ok.status_code == 200, ok.content
    assert ok["DPoP-Nonce"] == nonce
    access = ok.json()["access_token"]
    no_nonce = APIClient().get(HELLO, **key.headers("GET", HELLO, access))
    assert_dpop_401(no_nonce, "use_dpop_nonce")
    assert no_nonce["DPoP-Nonce"] == nonce
    assert APIClient().get(HELLO, **key.headers("GET", HELLO, access, nonce=nonce)).status_code == 200
    # After one change the previous nonce still works; after two it does not.
    clock.advance(300)
    assert APIClient().get(HELLO, **key.headers("GET", HELLO, access, nonce=nonce)).status_code == 200
    clock.advance(300)
    stale = APIClient().get(HELLO, **key.headers("GET", HELLO, access, nonce=nonce))
    assert_dpop_401(stale, "use_dpop_nonce")
    current = dpop_nonce(get_settings().dpop_nonce_key or b"", clock.now(), timedelta(minutes=5))
    assert stale["DPoP-Nonce"] == current != nonce


@pytest.mark.jwtauth_settings(DPOP="required", DPOP_NONCE=True)
def test_stale_nonce_at_refresh(api_client: APIClient, user: Any, key: DPoPKey, clock: FakeClock) -> None:
    nonce = dpop_login(api_client, key)["DPoP-Nonce"]
    login_response = dpop_login(api_client, key, nonce=nonce)
    clock.advance(600)
    response = api_client.post(
        REFRESH, **csrf_headers(api_client, login_response), HTTP_DPOP=key.proof("POST", REFRESH, nonce=nonce)
    )
    assert_dpop_401(response, "use_dpop_nonce")
    fresh = response["DPoP-Nonce"]
    assert fresh != nonce
    assert COOKIE not in response.cookies
    response = api_client.post(
        REFRESH, **csrf_headers(api_client, login_response), HTTP_DPOP=key.proof("POST", REFRESH, nonce=fresh)
    )
    assert response.status_code == 200, response.content


@pytest.mark.jwtauth_settings(DPOP="optional")
def test_eddsa_key_works(api_client: APIClient, user: Any, clock: FakeClock) -> None:
    from cryptography.hazmat.primitives.asymmetric import ed25519

    private = ed25519.Ed25519PrivateKey.generate()
    public = dict(jwt.algorithms.OKPAlgorithm.to_jwk(private.public_key(), as_dict=True))
    iat = int(clock.now().timestamp())
    proof = jwt.encode(
        {"jti": "ed-1", "htm": "POST", "htu": "http://testserver/api/auth/login/", "iat": iat},
        private,
        algorithm="EdDSA",
        headers={"typ": "dpop+jwt", "jwk": public},
    )
    response = api_client.post(LOGIN, CREDENTIALS, format="json", HTTP_DPOP=proof)
    assert response.json()["token_type"] == "DPoP"


@pytest.mark.jwtauth_settings(DPOP="optional", DPOP_ALGORITHMS=["EdDSA"])
def test_algorithm_allow_list_is_a_setting(api_client: APIClient, user: Any, key: DPoPKey) -> None:
    response = dpop_login(api_client, key)  # ES256 is no longer accepted
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith('DPoP error="invalid_dpop_proof"')
    assert 'algs="EdDSA"' in response["WWW-Authenticate"]


def test_public_verify_refuses_a_bound_token_without_its_proof(api_client: APIClient, user: Any, key: DPoPKey) -> None:
    import jwtauth

    access, _ = bound_session(api_client, key)
    with pytest.raises(jwtauth.TokenInvalid):
        jwtauth.verify_access_token(access)
    bearer_access = login(APIClient())
    assert jwtauth.verify_access_token(bearer_access.json()["access_token"]).jkt is None


def test_reauthenticate_keeps_the_binding(api_client: APIClient, user: Any, key: DPoPKey) -> None:
    # Step-up in a bound session must not hand out an unbound (plain Bearer) access token.
    reauth = "/api/auth/reauthenticate/"
    access, _ = bound_session(api_client, key)
    response = APIClient().post(reauth, {"password": PASSWORD}, format="json", **key.headers("POST", reauth, access))
    assert response.status_code == 200, response.content
    assert response.json()["token_type"] == "DPoP"
    stepped_up = response.json()["access_token"]
    assert jwt.decode(stepped_up, options={"verify_signature": False})["cnf"] == {"jkt": key.jkt}
    assert APIClient().get(HELLO, **bearer(stepped_up)).status_code == 401  # useless without the key
    assert APIClient().get(HELLO, **key.headers("GET", HELLO, stepped_up)).status_code == 200
