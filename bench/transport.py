"""The upstream transport's CPU per proxied request: the gateway's HTTP/1.1 client, geventhttpclient
and urllib3 sending the same requests to the same loopback upstream, all measured in one run.

What is measured is the client side of one upstream call as the gateway makes it (a pooled
keep-alive POST, then the JSON body read whole or the SSE body relayed as it arrives), in one
gevent-patched process: CPU = utime + stime of this process / requests. The upstream is
tests/support/upstream.py's FakeUpstream in a child process, so none of its CPU is counted. The
ratio a transport would change the gateway's CPU per proxied request by is computed against the
gateway's measured total (bench/RESULTS.md, "Proxy benchmark"; `--gateway-ms` to give another).

    .venv/bin/python bench/transport.py [--requests 3000] [--rounds 3] [--write]
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402 - after patch_all, as in the gateway's own workers
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import machine, write_section  # noqa: E402
from bench.net import wait_port  # noqa: E402
from gateway.proxy.upstream import UpstreamClient  # noqa: E402

GATEWAY_MS = 0.69  # the gateway's CPU per proxied request at c=16 (RESULTS.md, JSON and SSE ~0.69-0.70)
HEADERS = {"Content-Type": "application/json", "Authorization": "Bearer sk-bench-upstream"}
UPSTREAM = """
import sys
from tests.support.upstream import FakeUpstream
up = FakeUpstream().start()
print(up.port, flush=True)
sys.stdin.read()
"""

Call = Callable[[str, bytes, bool], int]  # (url, body, stream) -> body bytes received


def body(stream: bool) -> bytes:
    payload = {"model": "bench", "messages": [{"role": "user", "content": "hello"}], "stream": stream}
    return json.dumps(payload).encode()


def ours() -> Call:
    client = UpstreamClient()

    def call(url: str, data: bytes, stream: bool) -> int:
        resp = client.send(url, data, HEADERS, 30.0, stream)
        if not stream:
            return len(resp.body())
        n = sum(len(c) for c in resp.chunks())
        resp.close()
        return n

    return call


def geventhttpclient() -> Call:
    from geventhttpclient import HTTPClient
    from geventhttpclient.url import URL

    clients: dict[tuple[str, int], HTTPClient] = {}

    def call(url: str, data: bytes, stream: bool) -> int:
        u = URL(url)
        client = clients.get((u.host, u.port))
        if client is None:
            client = clients[(u.host, u.port)] = HTTPClient(
                u.host, u.port, concurrency=64, connection_timeout=10, network_timeout=30
            )
        resp = client.post(u.request_uri, data, HEADERS)
        try:
            if not stream:
                return len(resp.read())
            return sum(len(c) for c in resp)
        finally:
            resp.release()

    return call


def urllib3() -> Call:
    import urllib3 as u3

    pool = u3.PoolManager(maxsize=64, timeout=u3.Timeout(connect=10, read=30), retries=False)

    def call(url: str, data: bytes, stream: bool) -> int:
        resp = pool.request("POST", url, body=data, headers=HEADERS, preload_content=False)
        try:
            if not stream:
                return len(resp.read())
            return sum(len(c) for c in resp.read_chunked(decode_content=False))
        finally:
            resp.release_conn()

    return call


TRANSPORTS: dict[str, Callable[[], Call]] = {
    "gateway http1": ours,
    "geventhttpclient": geventhttpclient,
    "urllib3": urllib3,
}


def measure(call: Call, url: str, stream: bool, n: int) -> float:
    """CPU µs per request of this process, after a warm-up on the same pooled connection."""
    data = body(stream)
    for _ in range(min(200, n)):
        call(url, data, stream)
    start = time.process_time()
    for _ in range(n):
        if call(url, data, stream) <= 0:
            raise RuntimeError("empty upstream body")
    return (time.process_time() - start) / n * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--gateway-ms", type=float, default=GATEWAY_MS)
    parser.add_argument("--write", action="store_true", help="record the figures in bench/RESULTS.md")
    args = parser.parse_args()

    up = subprocess.Popen(
        [sys.executable, "-c", UPSTREAM], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        port = int(up.stdout.readline())
        wait_port(port, up)
        url = f"http://127.0.0.1:{port}/v1/chat/completions"
        calls = {name: make() for name, make in TRANSPORTS.items()}
        samples: dict[tuple[str, str], list[float]] = {}
        for _ in range(args.rounds):  # interleaved rounds: a noisy moment hits every transport alike
            for name, call in calls.items():
                for kind in ("JSON", "SSE"):
                    us = measure(call, url, kind == "SSE", args.requests)
                    samples.setdefault((name, kind), []).append(us)
    finally:
        up.stdin.close()
        up.wait(10)

    base = {kind: statistics.median(samples[("gateway http1", kind)]) for kind in ("JSON", "SSE")}
    rows = [
        "| transport | mode | CPU µs/req (median) | ratio to gateway http1 | gateway CPU/req change |",
        "|---|---|---:|---:|---:|",
    ]
    for (name, kind), values in samples.items():
        us = statistics.median(values)
        change = (us - base[kind]) / (args.gateway_ms * 1000)
        rows.append(f"| {name} | {kind} | {us:.0f} | {us / base[kind]:.2f} | {change:+.1%} |")
    table = "\n".join(rows)
    print(table)
    if args.write:
        write_section(
            "Upstream transport (bench/transport.py)",
            f"Machine: {machine()}.\n\n"
            f"{args.requests} sequential pooled POSTs per transport, mode and round, "
            f"{args.rounds} interleaved rounds; upstream: FakeUpstream (tests/support/upstream.py) "
            "in a child process, JSON body or "
            "3 SSE events in HTTP chunks then [DONE]. CPU = this process's utime+stime / requests. "
            f"\"gateway CPU/req change\": the difference to the gateway's own client over the gateway's "
            f"measured {args.gateway_ms} ms of CPU per proxied request.\n\n{table}\n",
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
