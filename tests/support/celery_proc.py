"""Celery worker and beat processes, started by a test the way the Procfile runs them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from .live import clean_env


class CeleryProcs:
    def __init__(self, workdir: Path, config: dict[str, Any], env: dict[str, str]) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.workdir = workdir
        config_path = workdir / "config.yaml"
        config_path.write_text(yaml.safe_dump(config))
        self.env = clean_env({"CONFIG_FILE_PATH": str(config_path), **env})
        self.procs: list[subprocess.Popen] = []

    def _start(self, name: str, args: list[str]) -> subprocess.Popen:
        instance = self.workdir / f"{name}{len(self.procs)}"
        log = open(self.workdir / f"{name}{len(self.procs)}.log", "wb")  # noqa: SIM115 - owned by the process
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "tasks.worker", *args],
            env={**self.env, "GATEWAY_INSTANCE_PATH": str(instance)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.procs.append(proc)
        return proc

    def worker(self, pool: str = "solo", concurrency: int = 1) -> subprocess.Popen:
        return self._start(
            "worker",
            [
                "worker",
                f"--pool={pool}",
                f"--concurrency={concurrency}",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
        )

    def beat(self) -> subprocess.Popen:
        return self._start("beat", ["beat", "--loglevel=INFO", "--max-interval=1"])

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.workdir.glob("*.log")))

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
