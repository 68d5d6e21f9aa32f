"""Create the load database (if missing), migrate it and create the load users.

``python -m loadtests.prepare --users 200`` (run by ``loadtests/run``).
"""

from __future__ import annotations

import argparse
import os

import psycopg
from psycopg import sql

from .clients import PASSWORD, username


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=200)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loadtests.site.settings")
    name = os.environ.get("LOAD_PG_NAME", "jwtauth_load")
    with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True, connect_timeout=5) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    user_model = get_user_model()
    hashed = make_password(PASSWORD)
    wanted = {username(i) for i in range(args.users)}
    existing = set(user_model.objects.filter(username__in=wanted).values_list("username", flat=True))
    user_model.objects.bulk_create(user_model(username=u, password=hashed) for u in sorted(wanted - existing))
    user_model.objects.filter(username__in=wanted).update(password=hashed, is_active=True)
    print(f"database {name}: migrated, {len(wanted)} load users")


if __name__ == "__main__":
    main()
