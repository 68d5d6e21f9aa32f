"""What is measured: settings profiles, in-process contestants and HTTP contestants.

Pure data, no Django import. Each profile is one Django settings configuration and runs in its own
process (peers install conflicting apps and settings), so one worker process hosts every in-process
scenario of its profile and one gunicorn serves each HTTP contestant.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["HTTP", "INPROC", "PROFILES", "QUICK_PROFILES", "SECTIONS", "Contestant", "HttpContestant", "Profile"]

_SIMPLEJWT_APPS = ("rest_framework_simplejwt", "rest_framework_simplejwt.token_blacklist")


@dataclass(frozen=True, slots=True)
class Profile:
    """One Django settings configuration (see benchmarks/site/settings.py)."""

    apps: tuple[str, ...] = ()
    db: str = "sqlite"  # "sqlite" (file in the run's temp dir) or "postgres"
    cache: str = "locmem"  # "locmem" (Django's default) or "redis"
    jwtauth_mode: str | None = None  # "embedded", "redis", "stateless", "claims" or "dpop"

    @property
    def is_jwtauth(self) -> bool:
        return self.jwtauth_mode is not None


PROFILES: dict[str, Profile] = {
    "peers": Profile(),
    "simplejwt": Profile(apps=_SIMPLEJWT_APPS),
    "simplejwt_pg": Profile(apps=_SIMPLEJWT_APPS, db="postgres"),
    "knox": Profile(apps=("knox",)),
    "drf_token": Profile(apps=("rest_framework.authtoken",)),
    "jwtauth": Profile(apps=("jwtauth",), jwtauth_mode="embedded"),
    "jwtauth_redis": Profile(apps=("jwtauth",), cache="redis", jwtauth_mode="redis"),
    "jwtauth_stateless": Profile(apps=("jwtauth",), jwtauth_mode="stateless"),
    "jwtauth_pg": Profile(apps=("jwtauth",), db="postgres", jwtauth_mode="embedded"),
    "jwtauth_claims": Profile(apps=("jwtauth",), jwtauth_mode="claims"),
    # The recommended production configuration: PostgreSQL plus Redis as the revocation cache.
    "jwtauth_pg_redis": Profile(apps=("jwtauth",), db="postgres", cache="redis", jwtauth_mode="redis"),
    "jwtauth_dpop": Profile(apps=("jwtauth",), jwtauth_mode="dpop"),
    "jwtauth_dpop_redis": Profile(apps=("jwtauth",), cache="redis", jwtauth_mode="dpop"),
}


# The CI smoke run (--quick) only checks that every kind of path runs: the floor, one peer,
# jwtauth embedded and with Redis (2 worker processes' setup instead of 10).
QUICK_PROFILES = frozenset({"peers", "jwtauth", "jwtauth_redis", "simplejwt"})


@dataclass(frozen=True, slots=True)
class Contestant:
    """One in-process measurement: a scenario (benchmarks/scenarios.py) run in a profile's worker.

    ``role`` marks the section's reference rows: "floor" (ratios divide by it) and "simplejwt". A row
    is compared with the reference rows on the same database (SQLite or PostgreSQL).
    """

    section: str
    label: str
    profile: str
    scenario: str
    role: str = ""

    @property
    def key(self) -> str:
        return f"{self.section}/{self.profile}/{self.scenario}"


SECTIONS: dict[str, str] = {
    "request": "Authenticated request, in process (full WSGI handler, default middleware; SQLite unless named)",
    "verify": "Access token verification alone",
    "refresh": "Refresh with rotation (one rotation = one request)",
    "login": "Login (MD5PasswordHasher, so the hasher does not dominate)",
    "http": "Over HTTP: gunicorn, 2 sync workers, 127.0.0.1",
}

INPROC: tuple[Contestant, ...] = (
    # 1. authenticated request through the full handler
    Contestant("request", "no authentication (floor)", "peers", "req_noauth", "floor"),
    Contestant("request", "stdlib HS256 check (reference only)", "peers", "req_stdlib"),
    Contestant("request", "simplejwt JWTAuthentication", "simplejwt", "req_simplejwt", "simplejwt"),
    Contestant("request", "simplejwt JWTStatelessUserAuthentication", "simplejwt", "req_simplejwt_stateless"),
    Contestant("request", "knox TokenAuthentication", "knox", "req_knox"),
    Contestant("request", "DRF TokenAuthentication", "drf_token", "req_drf_token"),
    Contestant("request", "jwtauth (embedded, default cache)", "jwtauth", "req_jwtauth"),
    Contestant("request", "jwtauth (Redis cache)", "jwtauth_redis", "req_jwtauth"),
    Contestant("request", "jwtauth (stateless)", "jwtauth_stateless", "req_jwtauth"),
    Contestant("request", "jwtauth (embedded, five custom claims)", "jwtauth_claims", "req_jwtauth"),
    Contestant("request", "jwtauth (PostgreSQL, no Redis)", "jwtauth_pg", "req_jwtauth"),
    Contestant("request", "jwtauth (PostgreSQL + Redis: production)", "jwtauth_pg_redis", "req_jwtauth"),
    Contestant("request", "jwtauth DPoP (embedded: replay cache in the DB)", "jwtauth_dpop", "req_jwtauth_dpop"),
    Contestant("request", "jwtauth DPoP (Redis cache)", "jwtauth_dpop_redis", "req_jwtauth_dpop"),
    # 2. token verification alone
    Contestant("verify", "PyJWT jwt.decode HS256 (floor)", "peers", "verify_pyjwt", "floor"),
    Contestant("verify", "stdlib HS256 (reference only)", "peers", "verify_stdlib"),
    Contestant("verify", "simplejwt AccessToken(token)", "simplejwt", "verify_simplejwt", "simplejwt"),
    Contestant("verify", "jwtauth verify", "jwtauth", "verify_jwtauth"),
    Contestant("verify", "jwtauth verify, five custom claims", "jwtauth_claims", "verify_jwtauth"),
    Contestant("verify", "jwtauth DPoP proof (ES256, RFC 9449 §4.3)", "jwtauth_dpop", "verify_dpop_proof"),
    # 3. refresh with rotation
    Contestant("refresh", "simplejwt TokenRefreshView, SQLite", "simplejwt", "refresh_simplejwt", "simplejwt"),
    Contestant("refresh", "jwtauth refresh/, SQLite", "jwtauth", "refresh_jwtauth"),
    Contestant("refresh", "jwtauth refresh/, SQLite + Redis cache", "jwtauth_redis", "refresh_jwtauth"),
    Contestant("refresh", "jwtauth refresh/, SQLite, five custom claims", "jwtauth_claims", "refresh_jwtauth"),
    Contestant("refresh", "simplejwt TokenRefreshView, PostgreSQL", "simplejwt_pg", "refresh_simplejwt", "simplejwt"),
    Contestant("refresh", "jwtauth refresh/, PostgreSQL", "jwtauth_pg", "refresh_jwtauth"),
    # 4. login
    Contestant("login", "authenticate() only (floor)", "peers", "login_floor", "floor"),
    Contestant("login", "simplejwt TokenObtainPairView", "simplejwt", "login_simplejwt", "simplejwt"),
    Contestant("login", "jwtauth login/", "jwtauth", "login_jwtauth"),
    Contestant("login", "authenticate() only, PostgreSQL (floor)", "simplejwt_pg", "login_floor", "floor"),
    Contestant("login", "simplejwt TokenObtainPairView, PostgreSQL", "simplejwt_pg", "login_simplejwt", "simplejwt"),
    Contestant("login", "jwtauth login/, PostgreSQL", "jwtauth_pg", "login_jwtauth"),
    Contestant("login", "jwtauth login/, SQLite + Redis cache", "jwtauth_redis", "login_jwtauth"),
    Contestant("login", "jwtauth login/, PostgreSQL + Redis (production)", "jwtauth_pg_redis", "login_jwtauth"),
)


@dataclass(frozen=True, slots=True)
class HttpContestant:
    """One gunicorn server: ``scenario`` names the request scenario whose path and header it uses."""

    label: str
    profile: str
    scenario: str
    role: str = ""


HTTP: tuple[HttpContestant, ...] = (
    HttpContestant("no authentication (floor)", "peers", "req_noauth", "floor"),
    HttpContestant("stdlib HS256 check (reference only)", "peers", "req_stdlib"),
    HttpContestant("simplejwt JWTAuthentication", "simplejwt", "req_simplejwt", "simplejwt"),
    HttpContestant("simplejwt JWTStatelessUserAuthentication", "simplejwt", "req_simplejwt_stateless"),
    HttpContestant("knox TokenAuthentication", "knox", "req_knox"),
    HttpContestant("DRF TokenAuthentication", "drf_token", "req_drf_token"),
    HttpContestant("jwtauth (embedded, default cache)", "jwtauth", "req_jwtauth"),
    HttpContestant("jwtauth (Redis cache)", "jwtauth_redis", "req_jwtauth"),
    HttpContestant("jwtauth (stateless)", "jwtauth_stateless", "req_jwtauth"),
    HttpContestant("jwtauth (PostgreSQL, no Redis)", "jwtauth_pg", "req_jwtauth"),
    HttpContestant("jwtauth (PostgreSQL + Redis: production)", "jwtauth_pg_redis", "req_jwtauth"),
)
