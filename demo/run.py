#!/usr/bin/env python3
"""Run the jwtauth demo: the API on :8000 and the front end on :3000.

Migrates the SQLite database, creates (or resets) the demo user and prints its
credentials, starts Django's development server for the API and a static file server
for the front end, and prints the URLs. Ctrl-C stops both.

Environment: ``DEMO_API_PORT`` (8000), ``DEMO_FRONTEND_PORT`` (3000), ``DEMO_DB``
(demo/db.sqlite3), ``DEMO_ACCESS_TOKEN_SECONDS`` (30), and for tests only
``DEMO_CLOCK_FILE`` (shift the server's clock, see demo_project/clock.py) and
``DEMO_FAST_PASSWORD_HASHER=1`` (a weak, fast hasher). ``DEMO_DPOP=required`` (or
``optional``) turns on DPoP (RFC 9449): the browser's non-extractable key binds the session.

Accounts (sign-up, e-mail verification, password reset, TOTP, passkeys) go through
django-allauth headless; its e-mails are printed here and listed on the API's ``/dev/mail/``.
"""

from __future__ import annotations

import functools
import os
import signal
import socket
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

DEMO_DIR = Path(__file__).resolve().parent
ROOT = DEMO_DIR.parent
FRONTEND_DIR = DEMO_DIR / "frontend"
CLIENT_DIR = ROOT / "clients" / "js" / "src"
USERNAME = "demo"
PASSWORD = "jwtauth-demo"


class FrontendHandler(SimpleHTTPRequestHandler):
    """Serves demo/frontend at / and the browser client (clients/js/src) at /client/."""

    api_base = "http://localhost:8000"

    def translate_path(self, path: str) -> str:
        clean = path.split("?", 1)[0].split("#", 1)[0]
        if clean.startswith("/client/"):
            base, rest = CLIENT_DIR, clean[len("/client/") :]
        else:
            base, rest = FRONTEND_DIR, clean.lstrip("/")
        target = (base / rest).resolve()
        if not target.is_relative_to(base.resolve()):
            return str(base / "__not_found__")
        return str(target)

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] == "/config.js":
            dpop = "true" if os.environ.get("DEMO_DPOP", "off") in ("optional", "required") else "false"
            body = f"window.JWTAUTH_API = {self.api_base!r};\nwindow.JWTAUTH_DPOP = {dpop};\n".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/javascript; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # quieter console
        if os.environ.get("DEMO_VERBOSE"):
            super().log_message(format, *args)


class FrontendServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A browser that closes a connection early (reload, tab closed) is not an error.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


FrontendHandler.extensions_map = {
    **SimpleHTTPRequestHandler.extensions_map,
    ".js": "text/javascript",
    ".mjs": "text/javascript",
}


def _manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, str(DEMO_DIR / "manage.py"), *args], check=True, env=env)


def _ensure_user(env: dict[str, str]) -> None:
    code = (
        "from django.contrib.auth import get_user_model\n"
        "User = get_user_model()\n"
        f"user, _ = User.objects.get_or_create(username={USERNAME!r}, defaults={{'email': 'demo@example.com'}})\n"
        f"user.set_password({PASSWORD!r}); user.is_active = True; user.save()\n"
        # Its address counts as verified, so it can also log in through allauth (by e-mail).
        "from allauth.account.models import EmailAddress\n"
        "EmailAddress.objects.update_or_create(user=user, email=user.email,"
        " defaults={'verified': True, 'primary': True})\n"
    )
    _manage("shell", "-v", "0", "-c", code, env=env)


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        # As the servers themselves do: a port in TIME_WAIT from a previous run is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def main() -> int:
    api_port = int(os.environ.get("DEMO_API_PORT", "8000"))
    frontend_port = int(os.environ.get("DEMO_FRONTEND_PORT", "3000"))
    busy = [str(port) for port in (api_port, frontend_port) if not _port_free(port)]
    if busy:
        print(
            f"Port {' and '.join(busy)} is already in use. Stop what uses it, or pick other ports:\n"
            "  DEMO_API_PORT=8001 DEMO_FRONTEND_PORT=3001 scripts/demo",
            file=sys.stderr,
        )
        return 1
    env = {**os.environ, "DEMO_FRONTEND_PORT": str(frontend_port), "PYTHONUNBUFFERED": "1"}
    _manage("migrate", "--noinput", "-v", "0", env=env)
    _ensure_user(env)

    FrontendHandler.api_base = f"http://localhost:{api_port}"
    handler = functools.partial(FrontendHandler, directory=str(FRONTEND_DIR))
    frontend = FrontendServer(("127.0.0.1", frontend_port), handler)
    threading.Thread(target=frontend.serve_forever, daemon=True).start()
    api = subprocess.Popen(
        [sys.executable, str(DEMO_DIR / "manage.py"), "runserver", f"127.0.0.1:{api_port}", "--noreload"],
        env=env,
    )
    print(
        f"\n  jwtauth demo is running\n"
        f"  Front end:  http://localhost:{frontend_port}/\n"
        f"  API:        http://localhost:{api_port}/api/auth/  (admin: http://localhost:{api_port}/admin/)\n"
        f"  Demo user:  username {USERNAME!r}  password {PASSWORD!r}  (or demo@example.com)\n"
        f"  Mailbox:    http://localhost:{api_port}/dev/mail/  (every e-mail the demo sent; codes also print here)\n"
        f"  DPoP:       {os.environ.get('DEMO_DPOP', 'off')}  (DEMO_DPOP=required scripts/demo to bind tokens to a key)\n"
        f"  Press Ctrl-C to stop both servers.\n",
        flush=True,
    )

    def stop(*_: object) -> None:
        raise KeyboardInterrupt

    # Explicit handlers: a shell may start us with SIGINT ignored (background jobs).
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        return api.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        frontend.shutdown()
        if api.poll() is None:
            api.terminate()
            try:
                api.wait(timeout=10)
            except subprocess.TimeoutExpired:
                api.kill()
        print("\n  demo stopped", flush=True)


if __name__ == "__main__":
    sys.exit(main())
