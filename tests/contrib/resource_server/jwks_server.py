"""A JWKS endpoint on 127.0.0.1 for the resource server tests (no external network)."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from jwtauth.core.keys.jwks import public_jwks
from jwtauth.core.keys.keyset import Key, KeySet
from jwtauth.core.tokens import TokenPolicy, issue_access_token
from tests.conftest import FakeClock

ISSUER, AUDIENCE = "https://auth.example.test", "https://api.example.test"


class JWKSServer:
    """A JWKS endpoint on 127.0.0.1 whose answer and delay a test controls."""

    def __init__(self) -> None:
        self.body: bytes = b'{"keys": []}'
        self.status = 200
        self.headers: dict[str, str] = {}
        self.delay_seconds = 0.0
        self.hits = 0
        self.on_hit: Any = None  # called in the server thread on each request
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.hits += 1
                if server.on_hit is not None:
                    server.on_hit()
                time.sleep(server.delay_seconds)
                try:
                    self.send_response(server.status)
                    self.send_header("Content-Type", "application/json")
                    for name, value in server.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(server.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out first, as some tests intend

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/api/auth/jwks/"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    def publish(self, *keys: Key) -> None:
        self.body = json.dumps(public_jwks(KeySet(keys))).encode()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def resource_server_settings(server: JWKSServer, clock: FakeClock, **overrides: Any) -> dict[str, Any]:
    """``JWTAUTH_RESOURCE_SERVER`` pointing at ``server``."""
    return {
        "JWKS_URL": server.url,
        "ISSUER": ISSUER,
        "AUDIENCE": AUDIENCE,
        "CACHE_SECONDS": 300,
        "MIN_REFETCH_SECONDS": 30,
        "TIMEOUT_SECONDS": 0.5,
        "LEEWAY_SECONDS": 0,
        "CLOCK": clock,
        **overrides,
    }


def access_token(key: Key, clock: FakeClock, **policy: Any) -> str:
    """An access token as the issuer would mint it, signed with ``key``."""
    options = {"issuer": ISSUER, "audience": AUDIENCE, "lifetime": timedelta(minutes=5), **policy}
    issued = issue_access_token(TokenPolicy(keys=KeySet((key,)), **options), sub="42", sid="s-1", now=clock.now())
    return issued.token
