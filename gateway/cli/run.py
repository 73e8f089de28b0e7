"""`gateway run`: check the config, migrate the database, then exec gunicorn with gevent workers;
`gateway migrate`: the release step alone."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Mapping

from ..settings import ConfigError, load_settings

CONF = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "gunicorn_conf.py")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gateway", description="LLM API gateway")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="start the gateway under gunicorn (gevent workers)")
    run.add_argument("--config", default=os.environ.get("CONFIG_FILE_PATH"), help="LiteLLM config.yaml")
    run.add_argument("--host", default=None, help="default 127.0.0.1 (or GATEWAY_BIND's host)")
    run.add_argument("--port", type=int, default=None, help="default $PORT, else 4000 (or GATEWAY_BIND's)")
    run.add_argument("--workers", type=int, default=None, help="default: 1 embedded, 2 with Redis")
    sub.add_parser("migrate", help="bring DATABASE_URL's database to the current schema (release step)")
    return parser


def bind(host: str | None, port: int | None, environ: Mapping[str, str]) -> str:
    """--host/--port, else GATEWAY_BIND (host:port), else 127.0.0.1 and $PORT or 4000."""
    default_host, default_port = "127.0.0.1", environ.get("PORT", "4000")
    configured = environ.get("GATEWAY_BIND")
    if configured:
        default_host, _, default_port = configured.rpartition(":")
    return f"{host or default_host}:{port or default_port}"


def gunicorn_argv(address: str, workers: int) -> list[str]:
    """The one gunicorn command line (gevent workers via gunicorn_conf.py), for `gateway run` and
    the tests' live gateways alike."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        CONF,
        "--bind",
        address,
        "--workers",
        str(workers),
        "gateway.entry:make_app()",
    ]


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "migrate":
        from ..migrate import main as migrate_main

        return migrate_main()
    if args.config:
        os.environ["CONFIG_FILE_PATH"] = os.path.abspath(args.config)
    try:
        settings = load_settings(path=os.environ.get("CONFIG_FILE_PATH") or None)
        from .. import create_app  # imported late: `gateway --help` needs no Flask

        # Migrations (under the lock) and the first-start master key happen here, once, before
        # workers fork; each worker then finds the schema current.
        create_app()
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    workers = args.workers or (2 if settings.redis_url else 1)
    if not settings.redis_url and workers > 1:
        logging.getLogger(__name__).warning(
            "no Redis configured: running 1 worker (key revocation between processes needs Redis)"
        )
        workers = 1
    where = "SQLite under instance/" if settings.embedded else "the configured database"
    address = bind(args.host, args.port, os.environ)
    print(
        f"Gateway on http://{address} ({workers} gevent worker(s), {where}, "
        f"{'Redis' if settings.redis_url else 'no Redis'}; config: {settings.source}); "
        f"admin UI: http://{address}/ui/",
        file=sys.stderr,
        flush=True,
    )
    os.environ["GATEWAY_CONFIG_REPORTED"] = "1"
    os.execv(sys.executable, gunicorn_argv(address, workers))  # noqa: S606 - replacing this process with gunicorn
    return 0  # pragma: no cover


if __name__ == "__main__":
    sys.exit(main())
