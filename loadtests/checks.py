"""After a run: compare the database with what every client last received.

- **No forked family**: no presented refresh token got two successors (clients record
  every rotation they see), and for every session the row's ``jti_hash`` is the token
  the client holds and ``previous_jti_hash`` the one it replaced last.
- **No lost session**: a session the client still holds is live; one it logged out is
  revoked with ``logout``; every row belongs to a login some client saw (no orphan).
- **No unexpected revocation**: no ``reuse`` (``refresh_token_reused``) or any reason
  other than ``logout``.
- **No half-written row**: ``rotated_at``/``previous_jti_hash`` and
  ``revoked_at``/``revoke_reason`` are set together; times are ordered.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import psycopg

from .clients import Shared

HALF_WRITTEN = {
    "rotated_at without previous_jti_hash (or the reverse)": "(rotated_at IS NULL) <> (previous_jti_hash IS NULL)",
    "revoked_at without revoke_reason (or the reverse)": "(revoked_at IS NULL) <> (revoke_reason = '')",
    "expires_at not after created_at": "expires_at <= created_at",
    "last_used_at before created_at": "last_used_at < created_at",
    "jti_hash not a SHA-256 hex digest": "length(jti_hash) <> 64",
    "previous_jti_hash equal to jti_hash": "previous_jti_hash = jti_hash",
}


def check_database(dsn: str, shared: Shared) -> dict[str, Any]:
    with psycopg.connect(dsn, connect_timeout=5) as conn:
        rows = conn.execute(
            "SELECT s.id::text, u.username, s.jti_hash, s.previous_jti_hash, s.revoked_at IS NOT NULL, s.revoke_reason "
            "FROM jwtauth_refreshsession s JOIN auth_user u ON u.id = s.user_id"
        ).fetchall()
        half_written = {
            name: conn.execute(f"SELECT count(*) FROM jwtauth_refreshsession WHERE {cond}").fetchone()[0]
            for name, cond in HALF_WRITTEN.items()
        }
    db = {r[0]: r for r in rows}
    known = {s.sid: s for s in shared.sessions}
    mismatches: list[str] = []
    states = Counter(s.state for s in shared.sessions)
    for sid, s in known.items():
        row = db.get(sid)
        if s.state == "uncertain":
            continue
        if row is None:
            mismatches.append(f"{sid}: the client logged in but there is no row")
            continue
        _, user, jti_hash, previous, is_revoked, reason = row
        if user != s.user:
            mismatches.append(f"{sid}: row belongs to {user}, client is {s.user}")
        if jti_hash != s.current:
            mismatches.append(f"{sid}: current refresh token differs from the one the client holds")
        if previous != s.previous:
            mismatches.append(f"{sid}: previous_jti_hash differs from the token the client replaced last")
        if s.state == "live" and is_revoked:
            mismatches.append(f"{sid}: held by a client but revoked ({reason})")
        if s.state == "logged_out" and (not is_revoked or reason != "logout"):
            mismatches.append(f"{sid}: logged out (204) but revoked={is_revoked} reason={reason!r}")
    forks = {h: len(n) for h, n in shared.successors.items() if len(n) > 1}
    reasons = Counter(r[5] for r in rows if r[4])
    unexpected_revocations = {k: v for k, v in reasons.items() if k != "logout"}
    orphans = [sid for sid in db if sid not in known]
    result = {
        "rows": len(rows),
        "sessions_seen_by_clients": len(known),
        "client_states": dict(states),
        "revoke_reasons": dict(reasons),
        "forked_families": len(forks),
        "mismatches": len(mismatches),
        "mismatch_examples": mismatches[:10],
        "orphan_rows": len(orphans),
        "unexpected_revocations": unexpected_revocations,
        "half_written": half_written,
        "rotations_seen": sum(len(n) for n in shared.successors.values()),
    }
    result["ok"] = (
        not forks and not mismatches and not orphans and not unexpected_revocations and not any(half_written.values())
    )
    return result
