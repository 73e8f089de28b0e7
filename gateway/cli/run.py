"""`gateway run`: check the config, prepare the database once, then exec gunicorn with gevent workers."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from ..settings import ConfigError, load_settings

CONF = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "gunicorn_conf.py")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gateway", description="LLM API gateway")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="start the gateway under gunicorn (gevent workers)")
    run.add_argument("--config", default=os.environ.get("CONFIG_FILE_PATH"), help="LiteLLM config.yaml")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=int(os.environ.get("PORT", "4000")))
    run.add_argument("--workers", type=int, default=None, help="default: 1 embedded, 2 with Redis")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.config:
        os.environ["CONFIG_FILE_PATH"] = os.path.abspath(args.config)
    try:
        settings = load_settings(path=os.environ.get("CONFIG_FILE_PATH") or None)
        from .. import create_app  # imported late: `gateway --help` needs no Flask

        # Migrations and the first-start master key happen here, once, before workers fork.
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
    print(
        f"Gateway on http://{args.host}:{args.port} ({workers} gevent worker(s), {where}, "
        f"{'Redis' if settings.redis_url else 'no Redis'}; config: {settings.source})",
        file=sys.stderr,
        flush=True,
    )
    os.environ["GATEWAY_CONFIG_REPORTED"] = "1"
    argv_exec = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        CONF,
        "--bind",
        f"{args.host}:{args.port}",
        "--workers",
        str(workers),
        "gateway.entry:make_app()",
    ]
    os.execv(sys.executable, argv_exec)  # noqa: S606 - replacing this process with gunicorn
    return 0  # pragma: no cover


if __name__ == "__main__":
    sys.exit(main())
