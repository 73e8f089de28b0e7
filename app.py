"""`flask --app app ...`: the gateway app for the flask CLI (db upgrade, keys, jobs)."""

from gateway.entry import make_app

app = make_app(cli=True)
