"""Driving load with wrk: one run at one concurrency, with the target's CPU time measured around it.

Why wrk: written in C on an event loop, so at 64 connections it costs a fraction of a core and
the client is not what is measured; a Lua hook sends POST bodies with a key and reports exact
latency percentiles (HdrHistogram-like, in µs). Debian packages it (`apt-get install wrk`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass

from bench import procs

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "wrk", "post.lua")


def ensure_wrk() -> str:
    exe = shutil.which("wrk")
    if exe is None:
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, stdout=subprocess.DEVNULL)
        exe = shutil.which("wrk")
    if exe is None:
        raise RuntimeError("wrk is not installed and apt-get could not install it")
    return exe


@dataclass(frozen=True)
class Run:
    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    errors: int  # socket errors and timeouts
    non_2xx: int
    cpu_s: float  # CPU seconds the measured process trees spent during the run

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_request(self) -> float:
        return self.cpu_s * 1000 / self.requests if self.requests else float("nan")


def wrk(
    url: str,
    body: bytes,
    concurrency: int,
    seconds: float,
    key: str | None = None,
    measure_pids: list[int] | None = None,
    timeout_s: int = 10,
) -> Run:
    """One wrk run; `measure_pids` are the process trees whose CPU time is charged to it."""
    env = {**os.environ, "WRK_BODY": body.decode(), "WRK_KEY": key or ""}
    cmd = [
        ensure_wrk(),
        *("-t", "1", "-c", str(concurrency), "-d", f"{seconds:g}s"),
        *("--timeout", f"{timeout_s}s", "-s", SCRIPT, url),
    ]
    cpu0 = procs.cpu_seconds(measure_pids or [])
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    cpu1 = procs.cpu_seconds(measure_pids or [])
    line = next((ln for ln in out.splitlines() if ln.startswith("WRK_RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{out}")
    r = json.loads(line.removeprefix("WRK_RESULT "))
    return Run(
        requests=r["requests"],
        seconds=r["duration_us"] / 1e6,
        p50_ms=r["p50_us"] / 1000,
        p90_ms=r["p90_us"] / 1000,
        p99_ms=r["p99_us"] / 1000,
        errors=r["errors"],
        non_2xx=r["non_2xx"],
        cpu_s=cpu1 - cpu0,
    )


def settle(seconds: float = 1.0) -> None:
    """A pause between runs: connections of the last run close, timers fire, the CPU cools."""
    time.sleep(seconds)
