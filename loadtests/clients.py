"""The load generator: N client threads, each a browser SPA talking to jwtauth over loopback.

Each client loops: log in, make authenticated calls (``GET user/`` and a protected view
that reads only ``pk``), refresh with the cookie + ``X-CSRFToken`` (sometimes two
refreshes at once with the same cookie, as two tabs do: the grace path), and sometimes
log out (retrying a 503, as docs/revocation.md tells clients to). It records every
request and what it believes each session's current refresh token is, so the database
can be checked afterwards.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

COOKIE = "jwtauth_refresh"
PASSWORD = "load-password-0123"
TIMEOUT_SECONDS = 15


def username(i: int) -> str:
    return f"load{i:04d}"


def jti_hash_of(token: str) -> tuple[str, str]:
    """(sid, sha256(jti)) of a refresh token, read without verifying (the server did)."""
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims["sid"], hashlib.sha256(claims["jti"].encode()).hexdigest()


@dataclass
class Session:
    """What a client believes about one token family."""

    sid: str
    user: str
    current: str  # jti hash of the refresh token the client holds
    previous: str | None = None  # jti hash it replaced at the last rotation seen
    state: str = "live"  # live | logged_out | uncertain (a transport error hid the outcome)


@dataclass
class Record:
    t: float  # seconds since the run started
    endpoint: str
    status: int  # 0: transport error (reset, refused, timeout)
    code: str
    latency: float


@dataclass
class Shared:
    started: float
    deadline: float
    port: int
    lock: threading.Lock = field(default_factory=threading.Lock)
    records: list[Record] = field(default_factory=list)
    sessions: list[Session] = field(default_factory=list)
    successors: dict[str, set[str]] = field(default_factory=dict)  # presented hash -> successor hashes
    anomalies: list[str] = field(default_factory=list)


class Client:
    def __init__(self, shared: Shared, index: int, n_users: int, seed: int) -> None:
        self.shared = shared
        self.rng = random.Random(seed * 1000 + index)
        self.user = username(self.rng.randrange(n_users))
        self.conn: http.client.HTTPConnection | None = None
        self.refresh_token = ""
        self.csrf = ""
        self.access = ""
        self.records: list[Record] = []

    # -- HTTP ---------------------------------------------------------------------------
    def _request(
        self, endpoint: str, method: str, path: str, headers: dict[str, str], body: bytes | None = None, *, own=True
    ) -> tuple[int, str, dict[str, Any], list[str]]:
        t0 = time.monotonic()
        conn = self.conn if own else None
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", self.shared.port, timeout=TIMEOUT_SECONDS)
                if own:
                    self.conn = conn
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            raw = response.read()
            cookies = response.msg.get_all("Set-Cookie") or []
            if response.will_close or not own:
                conn.close()
                if own:
                    self.conn = None
            status = response.status
            data = (
                json.loads(raw) if raw and response.getheader("Content-Type", "").startswith("application/json") else {}
            )
        except (OSError, http.client.HTTPException, ValueError):
            if conn is not None:
                conn.close()
            if own:
                self.conn = None
            status, data, cookies = 0, {}, []
        code = str(data.get("code", "")) if isinstance(data, dict) else ""
        self.records.append(Record(t0 - self.shared.started, endpoint, status, code, time.monotonic() - t0))
        return status, code, data if isinstance(data, dict) else {}, cookies

    @staticmethod
    def _cookie(cookies: list[str], name: str) -> str | None:
        for line in cookies:
            first = line.split(";", 1)[0]
            key, _, value = first.partition("=")
            if key.strip() == name:
                return value.strip().strip('"')
        return None

    def _cookie_headers(self) -> dict[str, str]:
        return {
            "Cookie": f"{COOKIE}={self.refresh_token}; csrftoken={self.csrf}",
            "X-CSRFToken": self.csrf,
            "Content-Length": "0",
        }

    # -- steps --------------------------------------------------------------------------
    def _running(self) -> bool:
        return time.monotonic() < self.shared.deadline

    def _backoff(self) -> None:
        time.sleep(self.rng.uniform(0.2, 0.5))

    def login(self) -> Session | None:
        body = json.dumps({"username": self.user, "password": PASSWORD}).encode()
        status, code, data, cookies = self._request(
            "login", "POST", "/api/auth/login/", {"Content-Type": "application/json"}, body
        )
        if status != 200:
            if status in (401, 403):
                self._anomaly(f"login answered {status} {code}")
            self._backoff()
            return None
        token, csrf = self._cookie(cookies, COOKIE), self._cookie(cookies, "csrftoken")
        if not token or not csrf:
            self._anomaly("login 200 without refresh or csrftoken cookie")
            return None
        self.refresh_token, self.csrf, self.access = token, csrf, data["access_token"]
        sid, current = jti_hash_of(token)
        session = Session(sid=sid, user=self.user, current=current)
        with self.shared.lock:
            self.shared.sessions.append(session)
        return session

    def call(self) -> bool:
        endpoint, path = self.rng.choice([("user", "/api/auth/user/"), ("hello", "/api/hello/")])
        status, code, _, _ = self._request(endpoint, "GET", path, {"Authorization": f"Bearer {self.access}"})
        if status == 401:
            self._anomaly(f"{endpoint} answered 401 {code} for a live session")
            return False
        if status != 200:
            self._backoff()
        return True

    def _apply_refresh(self, session: Session, status: int, code: str, data: dict[str, Any], cookies: list[str]) -> str:
        """Update the client's view from one refresh answer; returns rotated|grace|retry|dead."""
        if status == 200:
            self.access = data["access_token"]
            token = self._cookie(cookies, COOKIE)
            if token:
                return token
            return "grace"
        if status == 0:
            session.state = "uncertain"
            return "dead"
        if status == 401:
            self._anomaly(f"refresh answered 401 {code}")
            session.state = "uncertain"
            return "dead"
        return "retry"

    def _rotated(self, session: Session, presented: str, token: str) -> None:
        _, new = jti_hash_of(token)
        with self.shared.lock:
            self.shared.successors.setdefault(presented, set()).add(new)
        session.previous, session.current, self.refresh_token = presented, new, token

    def refresh(self, session: Session) -> bool:
        presented = session.current
        status, code, data, cookies = self._request("refresh", "POST", "/api/auth/refresh/", self._cookie_headers())
        outcome = self._apply_refresh(session, status, code, data, cookies)
        if outcome == "dead":
            return False
        if outcome == "grace":
            self._anomaly("a lone refresh was answered as a grace refresh (no new cookie)")
        elif outcome == "retry":
            self._backoff()
        else:
            self._rotated(session, presented, outcome)
        return True

    def refresh_pair(self, session: Session) -> bool:
        """Two refreshes at once with the same cookie: one rotates, the other is in grace."""
        presented, headers = session.current, self._cookie_headers()
        barrier = threading.Barrier(2)
        answers: list[Any] = [None, None]

        def one(slot: int) -> None:
            barrier.wait()
            answers[slot] = self._request("refresh_pair", "POST", "/api/auth/refresh/", headers, own=False)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        outcomes = [self._apply_refresh(session, *answer) for answer in answers]
        rotated = [o for o in outcomes if o not in ("grace", "retry", "dead")]
        if len(rotated) > 1:
            self._anomaly("FORK: two concurrent refreshes both got a new refresh token")
        if "dead" in outcomes:
            return False
        if rotated:
            self._rotated(session, presented, rotated[0])
        elif "grace" in outcomes and "retry" not in outcomes:
            self._anomaly("two concurrent refreshes, neither rotated")
        else:
            self._backoff()
        return True

    def logout(self, session: Session) -> None:
        while True:
            status, code, _, _ = self._request("logout", "POST", "/api/auth/logout/", self._cookie_headers())
            if status == 204:
                session.state = "logged_out"
                return
            if status == 0:
                session.state = "uncertain"
                return
            if status < 500:
                self._anomaly(f"logout answered {status} {code}")
                return
            # 503 revocation_unavailable / service_unavailable: nothing changed; retry,
            # a little past the deadline if need be, so that the session's fate is known.
            if time.monotonic() > self.shared.deadline + 20:
                return
            self._backoff()

    def _anomaly(self, text: str) -> None:
        with self.shared.lock:
            self.shared.anomalies.append(f"{time.monotonic() - self.shared.started:6.1f}s {self.user}: {text}")

    # -- the loop -----------------------------------------------------------------------
    def run(self) -> None:
        try:
            while self._running():
                session = self.login()
                if session is None:
                    continue
                alive = True
                for _cycle in range(self.rng.randint(2, 5)):
                    for _ in range(self.rng.randint(2, 5)):
                        alive = alive and self.call()
                    if not alive or not self._running():
                        break
                    pair = self.rng.random() < 0.15
                    alive = self.refresh_pair(session) if pair else self.refresh(session)
                    if not alive:
                        break
                if alive and session.state == "live" and self.rng.random() < 0.4:
                    self.logout(session)
        finally:
            if self.conn is not None:
                self.conn.close()
            with self.shared.lock:
                self.shared.records.extend(self.records)


def run_clients(port: int, n_clients: int, seconds: float, n_users: int, seed: int, started: float) -> Shared:
    """Run the clients until ``seconds`` after ``started`` (a monotonic time); bounded."""
    shared = Shared(started=started, deadline=started + seconds, port=port)
    threads = [
        threading.Thread(target=Client(shared, i, n_users, seed).run, name=f"client-{i}", daemon=True)
        for i in range(n_clients)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(1.0, shared.deadline - time.monotonic()) + 60)
    return shared
