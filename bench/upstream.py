"""The benchmarks' mock OpenAI upstream: nginx (C, one event loop) serving canned JSON and SSE.

Why nginx and not the tests' FakeUpstream: the reference must be far faster than the gateway
or "added latency" measures the mock. One nginx worker answers ~30k requests/s on this kind of
machine, an order of magnitude above the gateway. The echo module (Debian's
libnginx-mod-http-echo) flushes each SSE event as its own HTTP chunk, as a real provider does,
and `echo_sleep` makes a slow stream without holding a thread (the soak's 5 s upstream).

Paths (the model's `api_base` picks the behaviour; the body is read and ignored):
    /json/v1/...   a chat.completion JSON body
    /sse/v1/...    5 chat.completion.chunk events, each flushed, then `data: [DONE]`
    /slow/v1/...   the same 5 events one second apart (a 5 s stream)
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from bench.net import free_port, wait_port

MODULE = "/usr/lib/nginx/modules/ngx_http_echo_module.so"
PACKAGES = ("nginx-light", "libnginx-mod-http-echo")

JSON_BODY = (
    '{"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"model":"bench",'
    '"choices":[{"index":0,"message":{"role":"assistant","content":"Hello from the bench upstream."},'
    '"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":7,"total_tokens":16}}'
)
SSE_EVENTS = 5


def _event(i: int) -> str:
    finish = '"stop"' if i == SSE_EVENTS - 1 else "null"
    delta = "{}" if i == SSE_EVENTS - 1 else f'{{"content":"token{i} "}}'
    return (
        'data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,'
        f'"model":"bench","choices":[{{"index":0,"delta":{delta},"finish_reason":{finish}}}]}}'
    )


def _stream(pause: float) -> str:
    lines = ["default_type text/event-stream;", "echo_read_request_body;"]
    for i in range(SSE_EVENTS):
        # `echo` adds one newline; the one inside the quotes makes the SSE blank line.
        lines += [f"echo '{_event(i)}\n';", "echo_flush;"]
        if pause:
            lines.append(f"echo_sleep {pause};")
    lines.append("echo 'data: [DONE]\n';")
    return "\n      ".join(lines)


def config(workdir: Path, port: int, workers: int) -> str:
    return f"""load_module {MODULE};
worker_processes {workers};
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
daemon off;
worker_rlimit_nofile 65536;
events {{ worker_connections 16384; }}
http {{
  access_log off;
  keepalive_requests 10000000;
  keepalive_timeout 75s;
  client_body_buffer_size 64k;
  client_body_temp_path {workdir}/body;
  proxy_temp_path {workdir}/proxy;
  fastcgi_temp_path {workdir}/fastcgi;
  uwsgi_temp_path {workdir}/uwsgi;
  scgi_temp_path {workdir}/scgi;
  server {{
    listen 127.0.0.1:{port} backlog=4096;
    location /json/ {{
      default_type application/json;
      return 200 '{JSON_BODY}';
    }}
    location /sse/ {{
      {_stream(0)}
    }}
    location /slow/ {{
      {_stream(1)}
    }}
  }}
}}
"""


def ensure_installed() -> None:
    """nginx and its echo module from Debian's packages (installed once, if apt-get can)."""
    if shutil.which("nginx") and Path(MODULE).exists():
        return
    subprocess.run(["apt-get", "install", "-y", "-q", *PACKAGES], check=True, stdout=subprocess.DEVNULL)


class NginxUpstream:
    def __init__(self, workdir: Path, workers: int = 1) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.workers = workers
        self.proc: subprocess.Popen | None = None

    def base(self, kind: str) -> str:
        """The OpenAI `api_base` of one behaviour: json, sse or slow."""
        return f"http://127.0.0.1:{self.port}/{kind}/v1"

    def start(self) -> NginxUpstream:
        ensure_installed()
        self.workdir.mkdir(parents=True, exist_ok=True)
        conf = self.workdir / "nginx.conf"
        conf.write_text(config(self.workdir, self.port, self.workers))
        self.proc = subprocess.Popen(
            [shutil.which("nginx") or "/usr/sbin/nginx", "-c", str(conf), "-p", str(self.workdir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_port(self.port, self.proc)
        time.sleep(0.1)
        return self

    def pids(self) -> list[int]:
        return [self.proc.pid] if self.proc else []

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
