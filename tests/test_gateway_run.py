"""`gateway run` on a fresh PostgreSQL database: it migrates it, listens where GATEWAY_BIND says,
and reports ignored LiteLLM settings once for all its workers; the flask CLI does not repeat it."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import requests
import yaml

from gateway.cli.run import bind
from tests.conftest import MASTER, auth, public_tables
from tests.support.live import clean_env
from tests.support.net import free_port, wait_http

ROOT = Path(__file__).resolve().parent.parent
# `drop_params` is a LiteLLM setting the gateway does not implement: reported as ignored.
CONFIG = {
    "model_list": [{"model_name": "m", "litellm_params": {"model": "openai/m", "mock_response": "hi"}}],
    "litellm_settings": {"drop_params": True},
}


def test_bind_defaults_to_loopback_and_follows_gateway_bind():
    assert bind(None, None, {}) == "127.0.0.1:4000"
    assert bind(None, None, {"PORT": "5000"}) == "127.0.0.1:5000"
    assert bind(None, None, {"GATEWAY_BIND": "0.0.0.0:8080", "PORT": "5000"}) == "0.0.0.0:8080"
    assert bind("10.0.0.1", 9000, {"GATEWAY_BIND": "0.0.0.0:8080"}) == "10.0.0.1:9000"


def test_gateway_run_migrates_a_fresh_database_and_reports_once(tmp_path, fresh_pg, redis_url):
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(CONFIG))
    port = free_port()
    env = clean_env(
        {
            "DATABASE_URL": fresh_pg,
            "REDIS_URL": redis_url,
            "LITELLM_MASTER_KEY": MASTER,
            "GATEWAY_INSTANCE_PATH": str(tmp_path / "instance"),
            "GATEWAY_BIND": f"127.0.0.1:{port}",
        }
    )
    log = tmp_path / "run.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gateway")),
                "run",
                "--config",
                str(config),
                "--workers",
                "2",
            ],
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
        )
    try:
        wait_http(f"http://127.0.0.1:{port}/health/readiness", proc=proc, timeout=60)
        resp = requests.post(
            f"http://127.0.0.1:{port}/v1/chat/completions",
            json={"model": "m", "messages": []},
            headers=auth(),
            timeout=10,
        )
        assert resp.status_code == 200
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(15)
    assert {"gateway_meta", "verification_tokens", "usage_logs"} <= public_tables(fresh_pg)
    text = log.read_text()
    assert text.count("ignoring LiteLLM settings") == 1, text
    assert f"Gateway on http://127.0.0.1:{port}" in text
    assert f"admin UI: http://127.0.0.1:{port}/ui/" in text

    cli = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "jobs", "status"],
        env={**env, "CONFIG_FILE_PATH": str(config)},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert cli.returncode == 0 and "flush_usage" in cli.stdout
    assert "ignoring" not in cli.stderr  # a command is not a start


def test_gunicorn_workers_leave_the_report_to_the_config_check(live_gateway, pg_url, redis_url):
    """The Procfile's web process (gunicorn directly): one report, not one per worker."""
    gw = live_gateway(CONFIG, {"DATABASE_URL": pg_url, "REDIS_URL": redis_url}, workers=2)
    assert requests.get(gw.url + "/health/readiness", timeout=10).status_code == 200
    time.sleep(3)  # both workers have loaded the app (the arbiter logs each boot before it loads)
    text = gw.log()
    assert text.count("Booting worker") == 2 and text.count("ignoring LiteLLM settings") == 1, text
