"""The proxy benchmark: direct-to-upstream vs through the gateway (vs LiteLLM), JSON and SSE.

    make bench                      # or: .venv/bin/python bench/run.py [--duration 10] [--no-litellm]

Needs PostgreSQL on 127.0.0.1:5432 (user postgres) and redis-server, nginx and wrk on PATH
(nginx-light, libnginx-mod-http-echo and wrk are installed with apt-get when missing).
One run starts everything it measures, on loopback:
  - nginx as the mock OpenAI upstream (bench/upstream.py: why nginx), JSON and 5-event SSE;
  - a Redis of its own and a fresh PostgreSQL database (dropped at the end), reached through a
    wire-protocol counter (bench/pgcount.py) that counts the SQL statements the gateway sends;
  - the gateway under gunicorn with 2 gevent workers (gateway/gunicorn_conf.py), one virtual
    key (with a model list), warmed on both workers;
  - LiteLLM Proxy from PyPI in its own venv, master-key mode, against the same upstream.
then wrk (bench/load.py: why wrk) at each concurrency for each mode and target, one after the
other. It writes the "Proxy benchmark" section of bench/RESULTS.md and bench/results.png.

CPU per request is the utime+stime of the measured process tree (gunicorn arbiter + workers;
LiteLLM's uvicorn + workers) over the run, divided by the requests wrk completed. The machine
is shared with the load tool, the upstream and the other targets: read ratios, not absolutes,
and check the load average printed with the results.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import urllib.request
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import chart, procs
from bench.common import machine, write_section
from bench.litellm import LiteLLMProxy
from bench.litellm import version as litellm_version
from bench.load import Run, settle, wrk
from bench.pgcount import StatementCounter
from bench.services import MASTER, Database, Gateway, RedisServer
from bench.upstream import SSE_EVENTS, NginxUpstream

CHART = Path(__file__).with_name("results.png")
SECTION = "Proxy benchmark (bench/run.py)"
PATH = "/chat/completions"
TARGETS = {"json": 1.0, "sse": 2.0}  # gateway CPU ms per request at c=16
# --hierarchy: the worst realistic key (issue 16) is held to 1 ms whether it streams or not.
WORST_CASE_TARGETS = {"json": 1.0, "sse": 1.0}
ADDED_P50_TARGET = 1.5
RATIO_TARGET = 15.0


def body(mode: str) -> bytes:
    messages = [{"role": "user", "content": "Say hello."}]
    return json.dumps({"model": f"bench-{mode}", "messages": messages, "stream": mode == "sse"}).encode()


def model_list(upstream: NginxUpstream) -> list[dict]:
    return [
        {
            "model_name": f"bench-{mode}",
            "litellm_params": {"model": "openai/bench", "api_base": upstream.base(mode), "api_key": "sk-up"},
        }
        for mode in ("json", "sse")
    ]


def bench_team(gateway: Gateway) -> str:
    """A team whose models a team key's request is held to: the `gw-team` row measures what a team
    costs a key (its snapshot in the key's cached record, the team level of the model check).
    Limits and budgets at every level are `--hierarchy`'s row: they cost the admission's Redis calls."""
    team = gateway.admin("/team/new", {"team_alias": "bench", "models": ["bench-json", "bench-sse"]})
    return team["team_id"]


# Checked on every request, never reached (the columns are 32-bit integers).
HIGH = {"max_budget": 1e9, "rpm_limit": 2_000_000_000, "tpm_limit": 2_000_000_000}


def hierarchy_key(gateway: Gateway) -> str:
    """The worst realistic case (issue 16): a team key whose request is admitted against the key,
    its user, its team, its membership and the organization, each with a budget and limits."""
    models = ["bench-json", "bench-sse"]
    gateway.admin("/organization/new", {"organization_id": "bench-org", "organization_alias": "bench",
                                        "models": models, **HIGH})  # fmt: skip
    gateway.admin("/team/new", {"team_id": "bench-team", "organization_id": "bench-org", "models": models,
                                "max_parallel_requests": 10**6, **HIGH})  # fmt: skip
    gateway.admin("/user/new", {"user_id": "bench-user", "auto_create_key": False, **HIGH})
    gateway.admin("/team/member_add", {"team_id": "bench-team", "member": {"user_id": "bench-user"}})
    gateway.admin("/team/member_update", {"team_id": "bench-team", "user_id": "bench-user",
                                          "max_budget_in_team": 1e9, "rpm_limit": 10**9})  # fmt: skip
    return gateway.generate_key(team_id="bench-team", user_id="bench-user", models=models,
                                key_alias="bench", **HIGH)  # fmt: skip


def key_info_statements(gateway: Gateway, counter: StatementCounter, key: str) -> int:
    """Proof the statement counter sees the gateway's queries: /key/info reads the database."""
    before = counter.statements
    req = urllib.request.Request(
        f"{gateway.url}/key/info?key={key}", headers={"Authorization": f"Bearer {MASTER}"}
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        resp.read()
    return counter.statements - before


def fmt(value: float, digits: int = 2) -> str:
    return f"{value:,.{digits}f}"


def table(rows: list[dict]) -> str:
    out = [
        "| mode | c | target | RPS | p50 ms | p99 ms | added p50 ms | CPU ms/req | errors |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        added = fmt(r["added_p50_ms"]) if r["target"] != "direct" else ""
        out.append(
            f"| {r['mode'].upper()} | {r['concurrency']} | {r['target']} | {fmt(r['rps'], 0)} | "
            f"{fmt(r['p50_ms'])} | {fmt(r['p99_ms'])} | {added} | {fmt(r['cpu_ms'], 3)} | "
            f"{r['errors'] + r['non_2xx']} |"
        )
    return "\n".join(out)


def verdicts(
    rows: list[dict], statements_per_request: float, concurrencies: list[int], hierarchy: bool = False
) -> list[str]:
    def find(target: str, mode: str, c: int) -> dict | None:
        return next(
            (r for r in rows if (r["target"], r["mode"], r["concurrency"]) == (target, mode, c)), None
        )

    lines = []
    mid, low, high = 16, min(concurrencies), max(concurrencies)
    who = "worst-case key (every level limited)" if hierarchy else "gateway"
    for mode, limit in (WORST_CASE_TARGETS if hierarchy else TARGETS).items():
        r = find("gateway", mode, mid)
        if r:
            ok = r["cpu_ms"] <= limit
            lines.append(
                f"- {who} CPU per {mode.upper()} request at c={mid}: {r['cpu_ms']:.3f} ms "
                f"(target ≤ {limit:g} ms): **{'met' if ok else 'not met'}**"
            )
    for mode in ("json", "sse"):
        r = find("gateway", mode, low)
        if r:
            ok = r["added_p50_ms"] <= ADDED_P50_TARGET
            lines.append(
                f"- added p50 at c={low}, {mode.upper()}: {r['added_p50_ms']:.2f} ms "
                f"(target ≤ {ADDED_P50_TARGET:g} ms): **{'met' if ok else 'not met'}**"
            )
    for mode in ("json", "sse"):
        g, ll = find("gateway", mode, high), find("litellm", mode, high)
        if g and ll and ll["rps"] > 0:
            ratio = g["rps"] / ll["rps"]
            verdict = "met" if ratio >= RATIO_TARGET else "not met"
            lines.append(
                f"- RPS at c={high}, {mode.upper()}: gateway {g['rps']:,.0f} / LiteLLM {ll['rps']:,.0f} "
                f"= {ratio:.1f}x (target ≥ {RATIO_TARGET:g}x): **{verdict}**"
            )
    lines.append(
        "- database statements per request on the warm path (virtual and team keys): "
        f"{statements_per_request:.4f} "
        f"(target 0): **{'met' if statements_per_request == 0 else 'not met'}**"
    )
    return lines


def run_one(
    target: str, mode: str, c: int, url: str, key: str | None, pids: list[int], seconds: float
) -> Run:
    run = wrk(url, body(mode), c, seconds, key=key, measure_pids=pids)
    print(
        f"{target:8} {mode:4} c={c:<3} rps={run.rps:9,.0f} p50={run.p50_ms:7.2f} ms "
        f"p99={run.p99_ms:7.2f} ms cpu={run.cpu_ms_per_request:7.3f} ms/req "
        f"errors={run.errors} non2xx={run.non_2xx}",
        flush=True,
    )
    settle()
    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of load before measuring")
    parser.add_argument("--concurrency", default="1,16,64", help="comma-separated connection counts")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn gevent workers")
    parser.add_argument("--no-litellm", action="store_true", help="skip the LiteLLM side-by-side")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    parser.add_argument(
        "--hierarchy",
        action="store_true",
        help="a team key with user, member and organization budgets and limits (admitted in Redis)",
    )
    args = parser.parse_args()
    concurrencies = [int(c) for c in args.concurrency.split(",")]
    load_before = os.getloadavg()
    print(f"load average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}", flush=True)

    workdir = Path(tempfile.mkdtemp(prefix="gwbench-"))
    with contextlib.ExitStack() as stack:
        upstream = NginxUpstream(workdir / "nginx").start()
        stack.callback(upstream.stop)
        redis = RedisServer().start()
        stack.callback(redis.stop)
        database = Database().create()
        stack.callback(database.drop)
        counter = StatementCounter().start()
        stack.callback(counter.stop)
        env = {"DATABASE_URL": database.url(counter.port), "REDIS_URL": redis.url}
        gateway = Gateway(workdir / "gateway", {"model_list": model_list(upstream)}, env, args.workers)
        gateway.start()
        stack.callback(gateway.stop)
        if args.hierarchy:
            key = hierarchy_key(gateway)
        else:
            key = gateway.generate_key(models=["bench-json", "bench-sse"], key_alias="bench")
        team_key = gateway.generate_key(team_id=bench_team(gateway), key_alias="bench-team")
        litellm: LiteLLMProxy | None = None
        litellm_note = "skipped (--no-litellm)"
        if not args.no_litellm:
            try:
                litellm = LiteLLMProxy(workdir / "litellm", model_list(upstream), args.workers).start()
                stack.callback(litellm.stop)
                litellm_note = (
                    f"LiteLLM {litellm_version()} (master-key mode, {args.workers} uvicorn workers)"
                )
            except Exception as exc:
                litellm_note = f"not run: {exc}".splitlines()[0]
                print(litellm_note, file=sys.stderr)

        targets: list[tuple[str, str, str | None, list[int]]] = [
            ("gateway", gateway.url, key, gateway.pids()),
            ("gw-team", gateway.url, team_key, gateway.pids()),
        ]
        if litellm is not None:
            targets.append(("litellm", litellm.url, MASTER, litellm.pids()))
        for mode in ("json", "sse"):  # warm every worker's key cache, pools and code paths
            for _, url, k, pids in targets:
                wrk(url + "/v1" + PATH, body(mode), 16, args.warmup, key=k, measure_pids=pids)
        settle(2)

        rows: list[dict] = []
        statements0, redis0 = counter.statements, redis.commands()
        gateway_requests = 0
        for mode in ("json", "sse"):
            for c in concurrencies:
                direct = run_one(
                    "direct", mode, c, upstream.base(mode) + PATH, None, upstream.pids(), args.duration
                )
                runs = {"direct": direct}
                for name, url, k, pids in targets:
                    runs[name] = run_one(name, mode, c, url + "/v1" + PATH, k, pids, args.duration)
                gateway_requests += runs["gateway"].requests + runs["gw-team"].requests
                for name, run in runs.items():
                    rows.append(
                        {
                            "target": name,
                            "mode": mode,
                            "concurrency": c,
                            **asdict(run),
                            "rps": run.rps,
                            "cpu_ms": run.cpu_ms_per_request,
                            "added_p50_ms": run.p50_ms - direct.p50_ms,
                        }
                    )
        statements = counter.statements - statements0
        redis_commands = redis.commands() - redis0
        memory = procs.memory(gateway.pids())
        proof = key_info_statements(gateway, counter, key)
    load_after = os.getloadavg()

    per_request = statements / gateway_requests
    lines = verdicts(rows, per_request, concurrencies, hierarchy=args.hierarchy)
    if proof < 1:
        lines.append("- **the statement counter saw no query for /key/info: its 0 above proves nothing**")
    failures = sum(r["errors"] + r["non_2xx"] for r in rows)
    summary = "\n".join(
        [
            f"Machine: {machine()}.",
            f"Load average (1/5/15 min) before: {' / '.join(f'{x:.2f}' for x in load_before)}; "
            f"after: {' / '.join(f'{x:.2f}' for x in load_after)}.",
            "",
            f"wrk, 1 thread, {args.duration:g} s per run after {args.warmup:g} s of warm-up; upstream: nginx "
            f"(JSON body, or {SSE_EVENTS} SSE events each flushed as its own chunk, then [DONE]); gateway: "
            f"gunicorn, {args.workers} gevent workers, PostgreSQL + Redis, a virtual key with a model "
            "list and a team key (`gw-team`: a team with models), both warm, metrics on; "
            f"{litellm_note}. CPU = utime+stime of the target's process tree "
            "/ requests; added p50 = target p50 - direct p50 at the same concurrency.",
            "",
            table(rows),
            "",
            f"Gateway process tree after the runs: RSS {memory.rss_mib:.0f} MiB in {memory.processes} "
            f"processes (unique {memory.uss_mib:.0f} MiB; largest {memory.largest_mib:.0f} MiB). "
            f"Warm path: {statements} SQL statements and {redis_commands} Redis commands for "
            f"{gateway_requests:,} proxied requests (counted outside the gateway: PostgreSQL wire "
            f"protocol, Redis INFO commandstats; the counter saw {proof} statement(s) for one "
            "/key/info, so it does see the gateway's queries).",
            "",
            "Targets:",
            *lines,
            f"- errors and non-2xx answers over all runs: {failures}",
            "",
            f"![latency and CPU per request by concurrency]({CHART.name})",
        ]
    )
    print("\n" + summary)
    if not args.no_write:
        chart.draw(rows, CHART, f"bench/run.py — {machine()}")
        write_section(SECTION, summary)
        (Path(__file__).parent / "out").mkdir(exist_ok=True)
        (Path(__file__).parent / "out" / "run.json").write_text(json.dumps(rows, indent=1))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
