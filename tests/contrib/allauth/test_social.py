"""Social login through allauth's app client ends in jwtauth tokens.

The identity provider is a local OpenID Connect provider on 127.0.0.1 (an ephemeral
port): it serves its discovery document and its JWKS, and the test signs the
``id_token`` with an ES256 key it generated. The SPA hands the ``id_token`` to allauth's
``POST auth/provider/token``; allauth fetches the discovery document and the JWKS over
HTTP and verifies the signature, issuer, audience, expiry and ``jti`` replay. No network
beyond loopback.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from jwtauth.sessions.models import RefreshSession

from .conftest import AppClient

pytest.importorskip("allauth", reason="django-allauth is not installed (pip install 'jwtauth[allauth]')")
pytest.importorskip(
    "requests", reason="allauth's socialaccount needs requests (pip install 'django-allauth[socialaccount]')"
)

pytestmark = pytest.mark.django_db

PROVIDER_ID = "local-idp"
CLIENT_ID = "spa-client"
KID = "idp-key-1"


class IdentityProvider:
    """An OpenID Connect provider's public side: discovery document and JWKS."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.key.public_key()))
        self.jwks = {"keys": [{**jwk, "kid": KID, "alg": "ES256", "use": "sig"}]}
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                documents = {
                    "/.well-known/openid-configuration": provider.discovery(),
                    "/jwks.json": provider.jwks,
                }
                document = documents.get(self.path)
                body = json.dumps(document).encode()
                self.send_response(200 if document is not None else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def discovery(self) -> dict[str, str]:
        return {
            "issuer": self.issuer,
            "jwks_uri": f"{self.issuer}/jwks.json",
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
        }

    def id_token(self, key: Any = None, **overrides: Any) -> str:
        # allauth checks exp against the real clock (PyJWT), not jwtauth's CLOCK: the
        # token is valid for ten minutes of real time around this call.
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "sub": "idp-user-1",
            "email": "frank@example.com",
            "email_verified": True,
            "iat": now,
            "exp": now + 600,
            "jti": str(uuid.uuid4()),
            **overrides,
        }
        return jwt.encode(claims, key or self.key, algorithm="ES256", headers={"kid": KID})


@pytest.fixture(scope="module")
def idp_server() -> Iterator[IdentityProvider]:
    provider = IdentityProvider()
    provider.thread.start()
    try:
        yield provider
    finally:
        provider.server.shutdown()
        provider.server.server_close()


@pytest.fixture
def idp(idp_server: IdentityProvider, settings: Any, monkeypatch: pytest.MonkeyPatch) -> IdentityProvider:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # a proxy in the environment must not see loopback
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": PROVIDER_ID,
                    "name": "Local IdP",
                    "client_id": CLIENT_ID,
                    "secret": "",
                    "settings": {"server_url": idp_server.issuer},
                }
            ]
        }
    }
    return idp_server


def token_login(app: AppClient, id_token: str) -> Any:
    return app.call(
        "POST",
        "/auth/provider/token",
        {"provider": PROVIDER_ID, "process": "login", "token": {"client_id": CLIENT_ID, "id_token": id_token}},
    )


def test_social_login_by_id_token_ends_in_jwtauth_tokens(idp: IdentityProvider, clock: Any) -> None:
    from django.contrib.auth import get_user_model

    app = AppClient()
    response = token_login(app, idp.id_token())
    assert response.status_code == 200, response.body
    meta = response.body["meta"]
    assert meta["is_authenticated"] is True
    assert meta["access_token"] and meta["csrf_token"] and meta["token_type"] == "Bearer"
    assert "refresh_token" not in meta
    assert response.cookies["jwtauth_refresh"]["httponly"] is True
    assert [m["method"] for m in response.body["data"]["methods"]] == ["socialaccount"]
    user = get_user_model().objects.get(email="frank@example.com")  # signed up on first login
    session = RefreshSession.objects.get(user=user)

    # How the provider authenticated the user is the provider's to say: no amr; the
    # login's time as auth_time.
    claims = jwt.decode(app.access_token or "", options={"verify_signature": False})
    assert "amr" not in claims
    assert claims["auth_time"] == int(clock.now().timestamp())
    assert app.user().status_code == 200
    assert app.refresh().status_code == 200

    # The same coupling as any allauth login: allauth's logout revokes the session.
    assert app.call("DELETE", "/auth/session").status_code == 401
    session.refresh_from_db()
    assert session.revoke_reason == "logout"


def test_the_second_login_finds_the_same_user(idp: IdentityProvider) -> None:
    first, second = AppClient(), AppClient()
    assert token_login(first, idp.id_token()).status_code == 200
    assert token_login(second, idp.id_token()).status_code == 200
    sessions = RefreshSession.objects.filter(revoked_at__isnull=True)
    assert sessions.count() == 2
    assert len({s.user_id for s in sessions}) == 1


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda idp: idp.id_token(key=ec.generate_private_key(ec.SECP256R1())), id="another-key"),
        pytest.param(lambda idp: idp.id_token(aud="someone-else"), id="wrong-audience"),
        pytest.param(lambda idp: idp.id_token(iss="http://127.0.0.1:1"), id="wrong-issuer"),
        pytest.param(lambda idp: idp.id_token(exp=int(time.time()) - 3600), id="expired"),
    ],
)
def test_a_bad_id_token_gets_no_tokens(idp: IdentityProvider, forge: Any) -> None:
    app = AppClient()
    response = token_login(app, forge(idp))
    assert response.status_code == 400, response.body
    assert response.body["errors"][0]["code"] == "invalid_token"  # allauth's error shape
    assert "access_token" not in response.body.get("meta", {})
    assert "jwtauth_refresh" not in response.cookies
    assert RefreshSession.objects.count() == 0


def test_a_replayed_id_token_is_refused(idp: IdentityProvider) -> None:
    id_token = idp.id_token()
    assert token_login(AppClient(), id_token).status_code == 200
    replay = token_login(AppClient(), id_token)
    assert replay.status_code == 400
    assert "access_token" not in replay.body.get("meta", {})
    assert RefreshSession.objects.count() == 1
