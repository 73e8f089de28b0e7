"""The soak: 1,000 concurrent streaming requests against one gateway instance, each stream taking
5 s upstream, while a second client keeps making small requests. Errors, peak RSS, and whether
the small requests were served meanwhile.

    .venv/bin/python bench/soak.py [--streams 1000] [--duration 20]

The same parts as bench/run.py: nginx's /slow/ location sends 5 SSE events one second apart
(echo_sleep: no thread held per stream), the gateway runs under gunicorn with 2 gevent workers
on PostgreSQL + Redis and a warm virtual key. Limits that matter at this scale, and what this
script does about them:
  - gevent worker_connections (gateway/gunicorn_conf.py, GATEWAY_WORKER_CONNECTIONS, default
    1000 per worker): 2 workers hold 2,000 open requests; 1,000 streams fit with room.
  - file descriptors: each open stream costs a worker 2 (client and upstream socket), wrk 1;
    the soft RLIMIT_NOFILE is raised to the hard limit here and needs to be >= 4,096.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import procs
from bench.common import machine, write_section
from bench.load import SCRIPT, ensure_wrk, wrk
from bench.services import Database, Gateway, RedisServer
from bench.upstream import NginxUpstream

SECTION = "Soak (bench/soak.py)"
MIN_FILES = 4096


def raise_file_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # inherited by wrk and gunicorn
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if soft < MIN_FILES:
        raise SystemExit(f"RLIMIT_NOFILE is {soft}; the soak needs {MIN_FILES} (raise the hard limit)")
    return soft


class RssSampler(threading.Thread):
    """The gateway tree's RSS every half second; the peak is what the soak reports."""

    def __init__(self, pids: list[int]) -> None:
        super().__init__(daemon=True)
        self.pids, self.peak, self.samples = pids, 0.0, 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.wait(0.5):
            with contextlib.suppress(Exception):
                self.peak = max(self.peak, procs.memory(self.pids).rss_mib)
                self.samples += 1

    def stop(self) -> float:
        self._halt.set()
        self.join(5)
        return self.peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--streams", type=int, default=1000, help="concurrent streaming requests")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    files = raise_file_limit()
    load_before = os.getloadavg()
    workdir = Path(tempfile.mkdtemp(prefix="gwsoak-"))
    with contextlib.ExitStack() as stack:
        upstream = NginxUpstream(workdir / "nginx").start()
        stack.callback(upstream.stop)
        redis = RedisServer().start()
        stack.callback(redis.stop)
        database = Database().create()
        stack.callback(database.drop)
        models = [
            {
                "model_name": name,
                "litellm_params": {"model": "openai/bench", "api_base": upstream.base(kind), "api_key": "k"},
            }
            for name, kind in (("slow", "slow"), ("small", "json"))
        ]
        env = {"DATABASE_URL": database.url(), "REDIS_URL": redis.url}
        gateway = Gateway(workdir / "gateway", {"model_list": models}, env, args.workers).start()
        stack.callback(gateway.stop)
        key = gateway.generate_key(models=["slow", "small"])
        small = json.dumps({"model": "small", "messages": [{"role": "user", "content": "hi"}]}).encode()
        url = gateway.url + "/v1/chat/completions"
        wrk(url, small, 16, 2, key=key)  # warm both workers' key caches and pools
        rss_idle = procs.memory(gateway.pids()).rss_mib

        stream = json.dumps(
            {"model": "slow", "messages": [{"role": "user", "content": "hi"}], "stream": True}
        ).encode()
        sampler = RssSampler(gateway.pids())
        sampler.start()
        env_wrk = {**os.environ, "WRK_BODY": stream.decode(), "WRK_KEY": key}
        # Two wrk threads share the 1,000 connections; a stream lasts 5 s, the timeout is 30 s.
        soak = subprocess.Popen(
            [
                ensure_wrk(),
                *("-t", "2", "-c", str(args.streams), "-d", f"{args.duration:g}s"),
                *("--timeout", "30s", "-s", SCRIPT, url),
            ],
            env=env_wrk,
            stdout=subprocess.PIPE,
            text=True,
        )
        time.sleep(3)  # every stream open before the small requests start
        cpu0 = procs.cpu_seconds(gateway.pids())
        beside = wrk(url, small, 2, max(args.duration - 6, 5), key=key)
        out, _ = soak.communicate(timeout=args.duration + 60)
        cpu1 = procs.cpu_seconds(gateway.pids())
        peak = sampler.stop()
        rss_after = procs.memory(gateway.pids()).rss_mib
    load_after = os.getloadavg()

    line = next(ln for ln in out.splitlines() if ln.startswith("WRK_RESULT "))
    r = json.loads(line.removeprefix("WRK_RESULT "))
    errors = r["errors"] + r["non_2xx"] + beside.errors + beside.non_2xx
    body = "\n".join(
        [
            f"Machine: {machine()}. Load average before: {' / '.join(f'{x:.2f}' for x in load_before)}; "
            f"after: {' / '.join(f'{x:.2f}' for x in load_after)}. RLIMIT_NOFILE {files}.",
            "",
            f"{args.streams:,} concurrent streams for {args.duration:g} s (wrk, 2 threads), each 5 SSE "
            f"events 1 s apart from nginx, through one gateway (gunicorn, {args.workers} gevent "
            "workers, worker_connections 1000 each, PostgreSQL + Redis, a virtual key); beside them "
            "2 connections of small JSON requests (fast upstream).",
            "",
            "| | value |",
            "|---|---:|",
            f"| streams completed | {r['requests']:,} |",
            f"| stream duration p50 / p99 / max | {r['p50_us'] / 1e6:.2f} / {r['p99_us'] / 1e6:.2f} / "
            f"{r['max_us'] / 1e6:.2f} s |",
            f"| stream errors (socket, timeout) / non-2xx | {r['errors']} / {r['non_2xx']} |",
            f"| small requests served meanwhile | {beside.requests:,} ({beside.rps:,.0f}/s) |",
            f"| small requests p50 / p99 | {beside.p50_ms:.1f} / {beside.p99_ms:.1f} ms |",
            f"| small request errors / non-2xx | {beside.errors} / {beside.non_2xx} |",
            f"| gateway RSS idle / peak / after | {rss_idle:.0f} / {peak:.0f} / {rss_after:.0f} MiB |",
            f"| gateway CPU during the small-request window | {cpu1 - cpu0:.1f} s |",
            "",
            f"Targets: 0 errors — **{'met' if errors == 0 else f'not met ({errors})'}**; "
            f"RSS < 1 GiB — **{'met' if peak < 1024 else 'not met'}** (peak {peak:.0f} MiB); small "
            f"requests served — **{'met' if beside.requests > 0 and beside.errors == 0 else 'not met'}**.",
        ]
    )
    print(body)
    if not args.no_write:
        write_section(SECTION, body)
    return 1 if errors or peak >= 1024 else 0


if __name__ == "__main__":
    sys.exit(main())
