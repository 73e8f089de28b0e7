"""`flask litellm import` on a LiteLLM database of realistic size: rows per second of a first run
and of a rerun that finds everything equal (printed, not written to RESULTS.md).

    python bench/litellm_import.py [--keys 5000] [--users 500] [--teams 50] [--logs 50000]

Needs PostgreSQL and Redis on 127.0.0.1 (as the tests do); creates and drops two databases.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import secrets
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg
from psycopg.types.json import Jsonb

from gateway import create_app
from gateway.compat.litellm_import import run_import
from gateway.extensions import db

PG_ADMIN = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
SCHEMA = Path(__file__).resolve().parent.parent / "tests" / "support" / "litellm_schema.sql"


def fill(url: str, keys: int, users: int, teams: int, logs: int) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(SCHEMA.read_text())
        with conn.cursor() as cur:
            cur.executemany(
                'INSERT INTO "LiteLLM_UserTable" (user_id, user_role, models) VALUES (%s, %s, %s)',
                [(f"u{i}", "internal_user", []) for i in range(users)],
            )
            cur.executemany(
                'INSERT INTO "LiteLLM_TeamTable" (team_id, models, members_with_roles, admins, members)'
                " VALUES (%s, %s, %s, '{}', '{}')",
                [
                    (
                        f"t{i}",
                        ["gpt-4o"],
                        Jsonb([{"role": "user", "user_id": f"u{j}"} for j in range(i, users, teams)]),
                    )
                    for i in range(teams)
                ],
            )
            hashes = [hashlib.sha256(f"sk-bench-{i:08d}".encode()).hexdigest() for i in range(keys)]
            cur.executemany(
                'INSERT INTO "LiteLLM_VerificationToken" (token, key_name, models, user_id, team_id, spend)'
                " VALUES (%s, %s, %s, %s, %s, %s)",
                [
                    (h, "sk-..." + h[-4:], ["gpt-4o"], f"u{i % users}", f"t{i % users % teams}", 0.1)
                    for i, h in enumerate(hashes)
                ],
            )
            cur.executemany(
                'INSERT INTO "LiteLLM_SpendLogs" (request_id, call_type, api_key, spend, "startTime",'
                " \"endTime\", model, model_group, status) VALUES (%s, 'acompletion', %s, 0.001,"
                " now() - (%s || ' days')::interval, now(), 'gpt-4o', 'gpt-4o', 'success')",
                [(f"r{i}", hashes[i % keys], str(i % 30)) for i in range(logs)],
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    for name, default in (("keys", 5000), ("users", 500), ("teams", 50), ("logs", 50000)):
        parser.add_argument(f"--{name}", type=int, default=default)
    args = parser.parse_args()
    names = [f"bench_{kind}_{secrets.token_hex(3)}" for kind in ("litellm", "gateway")]
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        for name in names:
            conn.execute(f'CREATE DATABASE "{name}"')
    source = f"postgresql://postgres@127.0.0.1:5432/{names[0]}"
    try:
        fill(source, args.keys, args.users, args.teams, args.logs)
        app = create_app(
            {
                "GATEWAY_CONFIG": {},
                "GATEWAY_ENV": {
                    "DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:5432/{names[1]}",
                    "REDIS_URL": REDIS_URL,
                    "LITELLM_MASTER_KEY": "sk-bench-master-0001",
                },
                "AUTO_MIGRATE": True,
            }
        )
        rows = args.keys + args.users + args.teams * 2 + args.logs
        with app.app_context():
            for label in ("first run", "rerun (all equal)"):
                start = time.perf_counter()
                report = run_import(source, batch_size=500)
                took = time.perf_counter() - start
                print(report.error or "")
                keys = report.tables["LiteLLM_VerificationToken"]
                print(
                    f"{label}: {took:.1f} s, {rows / took:,.0f} source rows/s; keys imported {keys.imported},"
                    f" unchanged {keys.unchanged}; completed {report.ok}"
                )
            db.session.remove()
            db.engine.dispose()
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            for name in names:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
