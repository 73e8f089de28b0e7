"""The Procfile as users run it on one host: a plain `honcho start` on a fresh PostgreSQL database.
Every process migrates under the lock before it starts; none is a one-shot step that would stop
the others when it exits."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import requests
import yaml

from tests.conftest import MASTER, auth, model_entry
from tests.support.live import clean_env
from tests.support.net import free_port, wait_http

ROOT = Path(__file__).resolve().parent.parent
PROCESSES = {"web", "worker", "beat"}


def _usage_rows(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT count(*) FROM usage_logs").fetchone()[0]


def test_honcho_starts_web_worker_and_beat_on_a_fresh_database(tmp_path, fresh_pg, redis_url, upstream):
    config = tmp_path / "config.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "model_list": [model_entry("gpt-4o", upstream.base)],
                "general_settings": {"job_schedule": {"flush_usage": 1}},
            }
        )
    )
    port = free_port()
    env = clean_env(
        {
            "DATABASE_URL": fresh_pg,
            "REDIS_URL": redis_url,
            "LITELLM_MASTER_KEY": MASTER,
            "CONFIG_FILE_PATH": str(config),
            "GATEWAY_INSTANCE_PATH": str(tmp_path / "instance"),
            "WEB_CONCURRENCY": "1",
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        }
    )
    log_path = tmp_path / "honcho.log"
    with open(log_path, "wb") as log:
        honcho = subprocess.Popen(
            [str(Path(sys.executable).with_name("honcho")), "start", "-p", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: the teardown stops exactly what it started
        )
    try:
        base = f"http://127.0.0.1:{port}"
        try:
            wait_http(base + "/health/readiness", timeout=90, proc=honcho)
        except Exception:
            raise AssertionError(log_path.read_text(errors="replace")) from None
        resp = requests.post(
            base + "/v1/chat/completions",
            json={"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]},
            headers=auth(),
            timeout=30,
        )
        assert resp.status_code == 200, resp.text
        deadline = time.monotonic() + 60
        while _usage_rows(fresh_pg) == 0:  # beat schedules flush_usage, the worker runs it
            assert honcho.poll() is None, log_path.read_text(errors="replace")
            assert time.monotonic() < deadline, "no job ran:\n" + log_path.read_text(errors="replace")
            time.sleep(0.5)
        assert honcho.poll() is None, log_path.read_text(errors="replace")
        text = log_path.read_text(errors="replace")
        assert "Traceback" not in text, text
    finally:
        if honcho.poll() is None:
            honcho.send_signal(signal.SIGTERM)  # honcho stops its processes and exits
            try:
                honcho.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(honcho.pid, signal.SIGKILL)
                honcho.wait()


def test_every_procfile_process_is_long_running():
    """honcho and foreman stop every process when one exits: a one-shot step (`release: ...`)
    in the Procfile would take the gateway down right after it starts."""
    procs = dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line)
    assert set(procs) == PROCESSES
