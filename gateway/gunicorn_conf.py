"""gunicorn settings, loaded by path (-c): gevent workers, since an LLM call holds a request for minutes.

Kept free of gateway imports: this file runs in the arbiter before workers monkey-patch.
"""

import glob
import os
import shutil
import subprocess
import sys
import tempfile


def _seconds(name: str, default: int) -> int:
    """A whole number of seconds, at least 1, from the environment; one clear line otherwise."""
    raw = os.environ.get(name, str(default))
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        sys.exit(
            f"config error in environment: {name}: must be a whole number of seconds, at least 1, not {raw!r}"
        )
    return int(raw)


bind = os.environ.get("GATEWAY_BIND", f"0.0.0.0:{os.environ.get('PORT', '4000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gevent"
# Open requests (mostly streams waiting on an upstream) one worker holds at once.
worker_connections = int(os.environ.get("GATEWAY_WORKER_CONNECTIONS", "1000"))
# With gevent the heartbeat runs beside requests, so this bounds a stuck worker, not a long stream.
timeout = int(os.environ.get("GATEWAY_WORKER_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GATEWAY_GRACEFUL_TIMEOUT", "30"))
# The gevent worker puts one timer around reading a request's head: it bounds both the wait for
# the next request on a kept-alive connection and a client trickling its headers (slowloris),
# each of which holds one of worker_connections. Never 0: gunicorn then reads heads unbounded.
# Behind a load balancer that reuses connections, set it above the balancer's idle timeout.
keepalive = _seconds("GATEWAY_HEADER_TIMEOUT", 10)
# Forwarding headers are trusted from no address unless the operator lists its proxies:
# gunicorn's default trusts 127.0.0.1, so any local process (or a sidecar) could set the scheme.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "")
# Never routing from headers, even a listed proxy's: with gunicorn's default (SCRIPT_NAME,
# PATH_INFO), `SCRIPT_NAME: /foo` made `POST /foo/key/generate` route to /key/generate, past a
# proxy's path rules. The gateway is served at the root.
forwarder_headers = ""
max_requests = int(os.environ.get("GATEWAY_MAX_REQUESTS", "0"))
max_requests_jitter = 100
accesslog = os.environ.get("GATEWAY_ACCESS_LOG") or None
errorlog = "-"
# gunicorn >= 25 opens a control socket at one fixed per-user path ($HOME/.gunicorn/gunicorn.ctl):
# a second instance on the host takes it over, and it is a way to steer the arbiter that the
# operator did not ask for. Off unless GATEWAY_CONTROL_SOCKET names a path for it.
control_socket_disable = not os.environ.get("GATEWAY_CONTROL_SOCKET")
if not control_socket_disable:
    control_socket = os.environ["GATEWAY_CONTROL_SOCKET"]


def _metrics_dir():
    """Prometheus multiprocess mode: each worker writes its metrics to files in this directory,
    /metrics sums them. Set before the first worker imports prometheus-client, once the config
    check has passed (a start that fails leaves nothing behind); a HUP reload keeps it (the env
    var is set by then). A directory of our own is removed at exit; an operator's is wiped of
    an earlier run's values, which must not be summed into this one."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="gateway-metrics-")
        os.environ["GATEWAY_OWN_METRICS_DIR"] = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    for path in glob.glob(os.path.join(os.environ["PROMETHEUS_MULTIPROC_DIR"], "*.db")):
        os.remove(path)


def when_ready(server):
    _metrics_dir()  # after on_starting's config check, before the first worker is forked


def child_exit(server, worker):
    """Drop the dead worker's live gauges. Never raises: an exception here would stop the
    arbiter from reaping and replacing workers."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return
    try:
        # Imported here, in the arbiter: prometheus-client patches nothing, the gateway is not loaded.
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid, directory)
    except Exception as exc:
        server.log.warning("metrics: could not mark worker %s dead: %s", worker.pid, exc)


def on_exit(server):
    own = os.environ.get("GATEWAY_OWN_METRICS_DIR")
    if own and own == os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        shutil.rmtree(own, ignore_errors=True)


def on_starting(server):
    """Check the config once, in a child process, before any worker boots: a bad config is one
    line and exit 2, instead of every worker failing (the arbiter itself must not import the
    gateway before workers monkey-patch)."""
    code = subprocess.run([sys.executable, "-m", "gateway.entry", "--check"], check=False).returncode
    if code != 0:
        sys.exit(code)
    os.environ["GATEWAY_CONFIG_REPORTED"] = "1"  # the check reported the config: workers stay quiet
