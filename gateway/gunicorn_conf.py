"""gunicorn settings, loaded by path (-c): gevent workers, since an LLM call holds a request for minutes.

Kept free of gateway imports: this file runs in the arbiter before workers monkey-patch.
"""

import os
import subprocess
import sys

bind = os.environ.get("GATEWAY_BIND", f"0.0.0.0:{os.environ.get('PORT', '4000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gevent"
# Open requests (mostly streams waiting on an upstream) one worker holds at once.
worker_connections = int(os.environ.get("GATEWAY_WORKER_CONNECTIONS", "1000"))
# With gevent the heartbeat runs beside requests, so this bounds a stuck worker, not a long stream.
timeout = int(os.environ.get("GATEWAY_WORKER_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GATEWAY_GRACEFUL_TIMEOUT", "30"))
keepalive = 75
max_requests = int(os.environ.get("GATEWAY_MAX_REQUESTS", "0"))
max_requests_jitter = 100
accesslog = os.environ.get("GATEWAY_ACCESS_LOG") or None
errorlog = "-"


def on_starting(server):
    """Check the config once, in a child process, before any worker boots: a bad config is one
    line and exit 2, instead of every worker failing (the arbiter itself must not import the
    gateway before workers monkey-patch)."""
    code = subprocess.run([sys.executable, "-m", "gateway.entry", "--check"], check=False).returncode
    if code != 0:
        sys.exit(code)
