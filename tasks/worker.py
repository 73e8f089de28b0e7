"""Celery's entry: `celery -A tasks.worker worker` / `celery -A tasks.worker beat`."""

from gateway.entry import make_app
from tasks import celery_init_app

flask_app = make_app()
celery = celery_init_app(flask_app)
