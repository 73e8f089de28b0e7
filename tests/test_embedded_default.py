"""The embedded default: from an empty folder, SQLite + migrations + a master key printed once."""

from __future__ import annotations

import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import requests

from gateway import create_app
from gateway.headers import hash_secret
from tests.support.live import clean_env
from tests.support.net import free_port, wait_http

ROOT = Path(__file__).resolve().parent.parent
KEY_LINE = re.compile(r"Master key: (sk-[A-Za-z0-9_\-]+)")


def test_first_start_in_an_empty_folder_generates_a_master_key_once(tmp_path, capfd):
    instance = tmp_path / "empty"
    app = create_app({"INSTANCE_PATH": str(instance), "GATEWAY_CONFIG": {}, "GATEWAY_ENV": {}})
    printed = KEY_LINE.findall(capfd.readouterr().err)
    assert len(printed) == 1
    master = printed[0]
    assert (instance / "gateway.db").exists()
    client = app.test_client()
    assert client.get("/v1/models", headers={"Authorization": f"Bearer {master}"}).status_code == 200
    assert (
        client.get("/v1/models", headers={"Authorization": "Bearer sk-not-the-master-key"}).status_code == 401
    )

    again = create_app({"INSTANCE_PATH": str(instance), "GATEWAY_CONFIG": {}, "GATEWAY_ENV": {}})
    assert KEY_LINE.findall(capfd.readouterr().err) == []
    assert again.test_client().get("/v1/models", headers={"x-api-key": master}).status_code == 200

    with sqlite3.connect(instance / "gateway.db") as conn:
        (stored,) = conn.execute("SELECT value FROM gateway_meta WHERE name='master_key_hash'").fetchone()
    assert stored == hash_secret(master)
    assert master.encode() not in (instance / "gateway.db").read_bytes()


def test_readme_run_command_serves_the_example_config_offline(tmp_path):
    """`gateway run --config config.example.yaml` (what `make run` calls) from an empty folder."""
    port = free_port()
    err = tmp_path / "stderr.log"
    env = clean_env({"GATEWAY_INSTANCE_PATH": str(tmp_path / "instance")})
    with open(err, "wb") as fh:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gateway.cli.run",
                "run",
                "--config",
                str(ROOT / "config.example.yaml"),
                "--port",
                str(port),
            ],
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
        )
    try:
        wait_http(f"http://127.0.0.1:{port}/health/liveliness", proc=proc, timeout=30)
        master = KEY_LINE.findall(err.read_text())[0]
        resp = requests.post(
            f"http://127.0.0.1:{port}/v1/chat/completions",
            json={"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]},
            headers={"Authorization": f"Bearer {master}"},
            timeout=10,
        )
        assert resp.status_code == 200
        assert "mock_response" in resp.json()["choices"][0]["message"]["content"]
        assert (
            requests.get(f"http://127.0.0.1:{port}/health/readiness", timeout=5).json()["status"] == "ready"
        )
    finally:
        proc.send_signal(signal.SIGINT)  # what Ctrl-C sends after `make run`
        proc.wait(15)


def test_config_error_stops_start_up_with_one_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("general_settings:\n  master_kee: x\n")
    env = clean_env({"GATEWAY_INSTANCE_PATH": str(tmp_path / "instance")})
    run = subprocess.run(
        [sys.executable, "-m", "gateway.cli.run", "run", "--config", str(bad)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert run.stderr.strip() == f"config error in {bad}: general_settings.master_kee: unknown setting"

    env["CONFIG_FILE_PATH"] = str(bad)
    start = time.monotonic()
    wsgi = subprocess.run(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            str(ROOT / "gateway/gunicorn_conf.py"),
            "--bind",
            f"127.0.0.1:{free_port()}",
            "wsgi:app",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert wsgi.returncode != 0 and time.monotonic() - start < 30
    assert f"config error in {bad}: general_settings.master_kee: unknown setting" in wsgi.stderr
    assert "Traceback" not in wsgi.stderr
