"""/metrics under gunicorn: every worker's counts summed, dead workers' kept, old runs' wiped."""

from __future__ import annotations

import os
import signal
import time
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.mmap_dict import MmapedDict, mmap_key

from tests.conftest import MASTER
from tests.keys.conftest import MODELS
from tests.metrics import parse
from tests.support.live import worker_pids
from tests.support.net import wait_http

LIVELINESS = {"route": "/health/liveliness", "status": "200", "auth_method": "none"}
CHAT = {"route": "/v1/chat/completions", "status": "200", "auth_method": "master_key"}


def get(url: str, headers: dict[str, str] | None = None, data: bytes | None = None) -> tuple[int, str]:
    req = urllib.request.Request(url, data=data, headers=headers or {})
    with urllib.request.urlopen(req, timeout=10) as resp:  # a new connection each time
        return resp.status, resp.read().decode()


def chat(url: str) -> int:
    body = b'{"model":"gpt-4o","messages":[]}'
    headers = {"Authorization": f"Bearer {MASTER}", "Content-Type": "application/json"}
    return get(url + "/v1/chat/completions", headers, body)[0]


def scrape(url: str, labels: dict[str, str]) -> float:
    status, text = get(url + "/metrics")
    assert status == 200
    return parse(text, "gateway_requests_total", labels)


def replace_workers(gw, old: set[int]) -> None:
    """SIGKILL each worker in turn and wait for the arbiter to fork a replacement."""
    for pid in old:
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 20
        while True:
            now = set(worker_pids(gw.proc.pid))
            if pid not in now and len(now) == gw.workers:
                break
            assert time.monotonic() < deadline, "the arbiter did not replace a killed worker"
            time.sleep(0.05)
    wait_http(gw.url + "/health/liveliness")


def test_counts_of_every_worker_survive_the_workers(live_gateway, pg_url, tmp_path):
    gw = live_gateway(MODELS, {"DATABASE_URL": pg_url, "TMPDIR": str(tmp_path)}, workers=2)
    for _ in range(20):
        assert chat(gw.url) == 200
    first = set(worker_pids(gw.proc.pid))
    assert len(first) == 2
    # Whichever workers served the 20, none of them is alive now: only files can remember them.
    replace_workers(gw, first)
    assert not first & set(worker_pids(gw.proc.pid))
    for _ in range(4):  # each scrape may reach either new worker: every one must see all 20
        assert scrape(gw.url, CHAT) == 20


def test_an_own_metrics_dir_is_made_per_arbiter_and_removed_at_exit(live_gateway, pg_url, tmp_path):
    gw = live_gateway(MODELS, {"DATABASE_URL": pg_url, "TMPDIR": str(tmp_path)}, workers=1)
    made = list(tmp_path.glob("gateway-metrics-*"))
    assert len(made) == 1
    assert scrape(gw.url, LIVELINESS) >= 1
    assert list(made[0].glob("counter_*.db"))
    gw.stop()
    assert not made[0].exists()


def test_a_start_that_fails_leaves_no_metrics_dir(live_gateway, pg_url, tmp_path):
    bad = {"model_list": [{"model_name": "x", "litellm_params": {"model": "nosuch/x"}}]}
    with pytest.raises(RuntimeError, match="did not start"):
        live_gateway(bad, {"DATABASE_URL": pg_url, "TMPDIR": str(tmp_path)})
    assert not list(tmp_path.glob("gateway-metrics-*"))


def stale_counter(directory: Path, value: float) -> None:
    """A worker file left by an earlier run, as prometheus-client writes it."""
    d = MmapedDict(str(directory / "counter_999999.db"))
    key = mmap_key(
        "gateway_requests",
        "gateway_requests_total",
        list(LIVELINESS),
        list(LIVELINESS.values()),
        "HTTP requests answered, by route (Flask's rule), status and auth method.",
    )
    d.write_value(key, value, 0.0)
    d.close()


def test_an_operators_metrics_dir_is_wiped_at_start_and_kept_at_exit(live_gateway, pg_url, tmp_path):
    directory = tmp_path / "prom"
    directory.mkdir()
    stale_counter(directory, 1000.0)
    gw = live_gateway(MODELS, {"DATABASE_URL": pg_url, "PROMETHEUS_MULTIPROC_DIR": str(directory)})
    assert scrape(gw.url, LIVELINESS) < 100  # the 1000 of the earlier run is gone
    assert not (directory / "counter_999999.db").exists()
    gw.stop()
    assert directory.is_dir()  # the operator's directory, not ours to remove
