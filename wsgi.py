"""gunicorn's entry: `gunicorn -c gateway/gunicorn_conf.py wsgi:app`."""

from gateway.entry import make_app

app = make_app()
