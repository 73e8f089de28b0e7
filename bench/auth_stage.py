"""Auth-stage cost per request (credential → chain → key cache → Principal), in process.

    python bench/auth_stage.py [--n 100000]

Needs PostgreSQL and Redis on 127.0.0.1 (as the tests do). Measures, for the master key and
for a virtual key: the warm path (L1 hit), an L2 hit (L1 dropped before each call) and a
database read (no Redis, L1 dropped), with SQL statements and Redis commands per request.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg
import redis
from sqlalchemy import event
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from bench.common import MASTER, machine, write_section
from gateway import create_app
from gateway.authz import authorize
from gateway.extensions import db
from gateway.stages import stages

PG_ADMIN = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


def redis_commands() -> int:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        stats = client.info("commandstats")
    finally:
        client.close()
    return sum(
        v["calls"]
        for k, v in stats.items()
        if k.removeprefix("cmdstat_") not in ("ping", "info", "hello", "subscribe")
    )


def measure(app, key: str, n: int, drop_l1: bool) -> tuple[float, float, float]:
    """(µs per call, SQL statements per call, Redis commands per call)."""
    s = stages(app)
    cache = s.keycache

    def guard(request: Request) -> None:  # what gateway/guard.py does, without Flask's `g`
        principal = s.auth.authenticate(s.credentials.read(request.environ), request)
        authorize(principal, request.path)

    request = Request(
        EnvironBuilder(
            path="/v1/chat/completions", method="POST", headers={"Authorization": f"Bearer {key}"}
        ).get_environ()
    )
    statements = []
    with app.app_context():
        listener = lambda *a: statements.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        for _ in range(min(n, 1000)):  # warm up
            guard(request)
        statements.clear()
        r0 = redis_commands() if cache.shared else 0
        t0 = time.perf_counter()
        for _ in range(n):
            if drop_l1:
                cache.memory.clear()
            guard(request)
        elapsed = time.perf_counter() - t0
        r1 = redis_commands() if cache.shared else 0
        event.remove(db.engine, "before_cursor_execute", listener)
    return elapsed / n * 1e6, len(statements) / n, (r1 - r0) / n


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    args = parser.parse_args()
    name = f"gwbench_{secrets.token_hex(3)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    redis.Redis.from_url(REDIS_URL).flushdb()
    instance = tempfile.mkdtemp()
    try:
        env = {"DATABASE_URL": url, "LITELLM_MASTER_KEY": MASTER, "REDIS_URL": REDIS_URL}
        with_redis = create_app(
            {"INSTANCE_PATH": instance, "GATEWAY_CONFIG": {}, "GATEWAY_ENV": env, "AUTO_MIGRATE": True}
        )
        env_no_redis = {k: v for k, v in env.items() if k != "REDIS_URL"}
        no_redis = create_app({"INSTANCE_PATH": instance, "GATEWAY_CONFIG": {}, "GATEWAY_ENV": env_no_redis})
        client = with_redis.test_client()
        key = client.post("/key/generate", json={}, headers={"Authorization": f"Bearer {MASTER}"}).get_json()[
            "key"
        ]
        with with_redis.app_context():
            stages(with_redis).keycache.bus.ensure_started()
        time.sleep(0.5)  # let the subscriber connect so L1 is fully trusted
        n = args.n
        rows = [
            ("master key", *measure(with_redis, MASTER, n, drop_l1=False)),
            ("virtual key, warm (L1 hit)", *measure(with_redis, key, n, drop_l1=False)),
            (
                "virtual key, L2 hit (L1 dropped each call)",
                *measure(with_redis, key, max(n // 20, 1000), drop_l1=True),
            ),
            (
                "virtual key, database read (no Redis, L1 dropped)",
                *measure(no_redis, key, max(n // 50, 500), drop_l1=True),
            ),
        ]
        stages(with_redis).keycache.close()
    finally:
        for app in ("with_redis", "no_redis"):
            if app in locals():
                with locals()[app].app_context():
                    db.engine.dispose()
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    table = [
        "| path | µs per request | SQL statements per request | Redis commands per request |",
        "|---|---:|---:|---:|",
    ]
    table += [f"| {label} | {us:.2f} | {sql:.2f} | {rc:.2f} |" for label, us, sql, rc in rows]
    text = "\n".join(table)
    print(text)
    write_section(
        "Auth stage (bench/auth_stage.py)",
        f"Machine: {machine()}.\n\nCredential read + auth chain + key cache → Principal + standing and "
        f"route (the guard), in process, {args.n:,} calls for the warm rows.\n\n{text}",
    )


if __name__ == "__main__":
    main()
