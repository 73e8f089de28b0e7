"""What a benchmark runs against: its own Redis, a fresh PostgreSQL database, the gateway under gunicorn."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import psycopg
import yaml

from bench.common import MASTER
from bench.net import free_port, wait_http
from gateway.cli.run import CONF
from tests.support.redis_server import RedisServer  # the tests' own: one copy

__all__ = ["MASTER", "Database", "Gateway", "RedisServer"]

PG_ADMIN = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
ROOT = Path(__file__).resolve().parent.parent


class Database:
    """A fresh PostgreSQL database, migrated, dropped at the end."""

    def __init__(self) -> None:
        self.name = f"gwbench_{secrets.token_hex(3)}"

    def url(self, port: int = 5432) -> str:
        # sslmode=disable: the statement counter reads the protocol in clear.
        return f"postgresql+psycopg://postgres@127.0.0.1:{port}/{self.name}?sslmode=disable"

    def create(self) -> Database:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        # AUTO_MIGRATE rather than `flask db upgrade`: the flask CLI builds the app first, and the
        # app refuses a database with no schema (reported in the hand-back).
        subprocess.run(
            [sys.executable, "-c", "from gateway import create_app; create_app({'AUTO_MIGRATE': True})"],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": self.url(), "LITELLM_MASTER_KEY": MASTER},
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return self

    def drop(self) -> None:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


class Gateway:
    """The gateway as operators run it: gunicorn with gevent workers (gateway/gunicorn_conf.py)."""

    def __init__(self, workdir: Path, config: dict[str, Any], env: dict[str, str], workers: int = 2) -> None:
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.config_path = workdir / "config.yaml"
        self.config_path.write_text(yaml.safe_dump(config))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "CONFIG_FILE_PATH": str(self.config_path),
            "GATEWAY_INSTANCE_PATH": str(workdir / "instance"),
            "LITELLM_MASTER_KEY": MASTER,
            **env,
        }
        self.workers = workers
        self.proc: subprocess.Popen | None = None
        self.log_path = workdir / "gateway.log"

    def start(self) -> Gateway:
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [
                    *(sys.executable, "-m", "gunicorn", "-c", CONF),
                    *("--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers)),
                    "gateway.entry:make_app()",
                ],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=str(self.workdir),
            )
        try:
            wait_http(self.url + "/health/liveliness", proc=self.proc, timeout=60)
        except Exception:
            self.stop()
            raise RuntimeError(
                "gateway did not start:\n" + self.log_path.read_text(errors="replace")
            ) from None
        return self

    def pids(self) -> list[int]:
        return [self.proc.pid] if self.proc else []

    def admin(self, path: str, **fields: Any) -> dict[str, Any]:
        """POST `fields` to a management route with the master key; the JSON answer."""
        req = urllib.request.Request(
            self.url + path,
            data=json.dumps(fields).encode(),
            headers={"Authorization": f"Bearer {MASTER}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.load(resp)

    def generate_key(self, **fields: Any) -> str:
        return self.admin("/key/generate", **fields)["key"]

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
