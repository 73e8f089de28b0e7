"""A gateway started as its operators run it: gunicorn with gevent workers, on a free port."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path
from typing import Any

import yaml

from gateway.cli.run import gunicorn_argv

from .net import free_port, wait_http

GATEWAY_VARS = (
    "DATABASE_URL",
    "REDIS_URL",
    "REDIS_HOST",
    "LITELLM_MASTER_KEY",
    "CONFIG_FILE_PATH",
    "JWT_PUBLIC_KEY_URL",
    "JWT_ISSUER",
    "JWT_AUDIENCE",
    "GATEWAY_INSTANCE_PATH",
    "GATEWAY_CONFIG_REPORTED",  # the test process has made apps: a live gateway reports for itself
)


def clean_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in GATEWAY_VARS}
    env.update(extra)
    return env


class LiveGateway:
    def __init__(self, workdir: Path, config: dict[str, Any], env: dict[str, str], workers: int = 1) -> None:
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.config_path = workdir / "config.yaml"
        self.config_path.write_text(yaml.safe_dump(config))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = clean_env(
            {
                "CONFIG_FILE_PATH": str(self.config_path),
                "GATEWAY_INSTANCE_PATH": str(workdir / "instance"),
                **env,
            }
        )
        self.workers = workers
        self.proc: subprocess.Popen | None = None
        self.log_path = workdir / f"gateway-{self.port}.log"

    def start(self) -> LiveGateway:
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            gunicorn_argv(f"127.0.0.1:{self.port}", self.workers),
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=str(self.workdir),
        )
        log.close()
        try:
            wait_http(self.url + "/health/liveliness", proc=self.proc)
        except Exception:
            self.stop()
            raise RuntimeError("gateway did not start:\n" + self.log()) from None
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # quick shutdown: tests need no graceful drain
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def worker_pids(arbiter: int) -> list[int]:
    """The arbiter's children (its workers), read from /proc."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == arbiter:
            pids.append(int(stat.parent.name))
    return pids
