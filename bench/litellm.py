"""LiteLLM Proxy for the side-by-side run: installed from PyPI into a venv of its own, master-key mode.

Its own venv, because LiteLLM pins dozens of packages the gateway must not inherit. Master-key
mode (no database): the cheapest auth LiteLLM has, so the ratio flatters it if anything.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import yaml

from bench.net import free_port, wait_http
from bench.services import MASTER

VENV = Path(os.environ.get("BENCH_LITELLM_VENV", Path(__file__).resolve().parent / "out" / "venv-litellm"))
# LiteLLM 1.108 is the version API.md was checked against; pip picks the newest 1.108.x whose
# pinned companion packages the index has.
REQUIREMENT = os.environ.get("BENCH_LITELLM_REQUIREMENT", "litellm[proxy]>=1.108,<1.109")


def ensure_installed(log: Path) -> Path:
    """The `litellm` executable; installs it on first use. RuntimeError with pip's last lines if not."""
    exe = VENV / "bin" / "litellm"
    if exe.exists():
        return exe
    python = sys.executable if sys.version_info >= (3, 11) else "python3"
    with open(log, "ab") as out:
        subprocess.run([python, "-m", "venv", str(VENV)], check=True, stdout=out, stderr=subprocess.STDOUT)
        done = subprocess.run(
            [str(VENV / "bin" / "pip"), "install", "-q", REQUIREMENT], stdout=out, stderr=subprocess.STDOUT
        )
    if done.returncode != 0 or not exe.exists():
        tail = log.read_text(errors="replace").strip().splitlines()[-3:]
        raise RuntimeError(f"pip install {REQUIREMENT!r} failed: " + " / ".join(tail))
    return exe


def version() -> str:
    out = subprocess.run(
        [str(VENV / "bin" / "python"), "-c", "import importlib.metadata as m; print(m.version('litellm'))"],
        capture_output=True,
        text=True,
        check=False,
    )
    return out.stdout.strip() or "?"


class LiteLLMProxy:
    def __init__(self, workdir: Path, model_list: list[dict], workers: int = 2) -> None:
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.config_path = workdir / "litellm.yaml"
        config = {"model_list": model_list, "general_settings": {"master_key": MASTER}}
        self.config_path.write_text(yaml.safe_dump(config))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.proc: subprocess.Popen | None = None
        self.log_path = workdir / "litellm.log"

    def start(self) -> LiteLLMProxy:
        exe = ensure_installed(self.workdir / "pip.log")
        env = {
            **os.environ,
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",  # no fetch from GitHub at start (no internet here)
            "LITELLM_LOG": "ERROR",
            "DISABLE_ADMIN_UI": "True",
        }
        env.pop("DATABASE_URL", None)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [
                    str(exe),
                    *("--config", str(self.config_path), "--host", "127.0.0.1"),
                    *("--port", str(self.port), "--num_workers", str(self.workers)),
                ],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=str(self.workdir),
                start_new_session=True,
            )
        try:
            wait_http(self.url + "/health/liveliness", proc=self.proc, timeout=180)
        except Exception:
            self.stop()
            raise RuntimeError(
                "LiteLLM did not start:\n" + self.log_path.read_text(errors="replace")[-2000:]
            ) from None
        return self

    def pids(self) -> list[int]:
        return [self.proc.pid] if self.proc else []

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # its own session: uvicorn's workers too
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
