"""The Messages API's cost in the gateway: CPU per request of /v1/messages passed through to an
anthropic/ deployment and translated to an OpenAI-compatible one, and of /chat/completions
translated to anthropic/, against plain /chat/completions to OpenAI, JSON and SSE.

The gateway runs in this process (create_app on the embedded default, the master key, Flask's
test client: no HTTP server in front, the same for every row), the two upstreams
(tests/support/upstream.py's FakeUpstream and tests/support/anthropic_upstream.py's
FakeAnthropic) in a child process, so none of their CPU is counted: CPU = utime + stime of this
process (process_time) / requests, median of interleaved rounds. Read the ratios; the absolute figures include
the test client's own work and the machine is shared.

    .venv/bin/python bench/messages.py [--requests 1000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import MASTER  # noqa: E402  (a random master key per run)
from gateway import create_app  # noqa: E402

UPSTREAMS = """
import sys
from tests.support.anthropic_upstream import FakeAnthropic
from tests.support.upstream import FakeUpstream
a, o = FakeAnthropic().start(), FakeUpstream().start()
print(a.port, o.port, flush=True)
sys.stdin.read()
"""
ASK = [{"role": "user", "content": "Say hello."}]
ROWS = {  # name: (path, model, body)
    "chat → openai (baseline)": ("/v1/chat/completions", "gpt", {"messages": ASK}),
    "messages → anthropic (pass-through)": ("/v1/messages", "claude", {"messages": ASK, "max_tokens": 64}),
    "messages → openai (translated)": ("/v1/messages", "gpt", {"messages": ASK, "max_tokens": 64}),
    "chat → anthropic (translated)": ("/v1/chat/completions", "claude", {"messages": ASK}),
}


def app_for(anthropic_port: int, openai_port: int, instance: str):
    models = [
        {
            "model_name": "gpt",
            "litellm_params": {
                "model": "openai/gpt",
                "api_base": f"http://127.0.0.1:{openai_port}/v1",
                "api_key": "sk-up-0001",
            },
        },
        {
            "model_name": "claude",
            "litellm_params": {
                "model": "anthropic/claude",
                "api_base": f"http://127.0.0.1:{anthropic_port}",
                "api_key": "sk-ant-0001",
            },
        },
    ]
    return create_app(
        {
            "INSTANCE_PATH": instance,
            "GATEWAY_CONFIG": {"model_list": models},
            "GATEWAY_ENV": {"LITELLM_MASTER_KEY": MASTER, "DATABASE_URL": f"sqlite:///{instance}/b.db"},
            "AUTO_MIGRATE": True,
        }
    )


def measure(client, path: str, body: dict, n: int) -> float:
    """CPU µs per request of `n` requests (each body read to its end)."""
    headers = {"Authorization": f"Bearer {MASTER}"}
    start = time.process_time()
    for _ in range(n):
        resp = client.post(path, json=body, headers=headers)
        data = resp.get_data()
        assert resp.status_code == 200 and data, (path, resp.status_code, data[:200])
    return (time.process_time() - start) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    child = subprocess.Popen(
        [sys.executable, "-c", UPSTREAMS], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        a_port, o_port = map(int, child.stdout.readline().split())
        time.sleep(0.2)
        with tempfile.TemporaryDirectory() as instance:
            client = app_for(a_port, o_port, instance).test_client()
            samples: dict[tuple[str, str], list[float]] = {}
            for _ in range(args.rounds):
                for name, (path, model, body) in ROWS.items():
                    for kind in ("JSON", "SSE"):
                        full = {**body, "model": model, "stream": kind == "SSE"}
                        measure(client, path, full, 20)  # warm: pools, caches
                        samples.setdefault((name, kind), []).append(
                            measure(client, path, full, args.requests)
                        )
    finally:
        child.stdin.close()
        child.wait(10)
    load = os.getloadavg()[0]
    print(f"{args.requests} requests x {args.rounds} rounds, median CPU µs per request (load {load:.1f})")
    for kind in ("JSON", "SSE"):
        base = statistics.median(samples[(next(iter(ROWS)), kind)])
        for name in ROWS:
            us = statistics.median(samples[(name, kind)])
            print(f"| {kind} | {name} | {us:.0f} | {us / base:.2f}x |")


if __name__ == "__main__":
    main()
