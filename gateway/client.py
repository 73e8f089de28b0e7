"""The client endpoints (OpenAI's API): the request path, read top to bottom.

guard (credential → Principal → may it call this route) runs before every view; then a call
reads its intent, finds its deployments, checks the model, is admitted against its limits, and
is forwarded under a meter whose end queues the usage and releases the admission.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, g, request

from .authz import authorize_model, model_allowed
from .errors import GatewayError
from .guard import guard
from .proxy import OPS, read_intent
from .stages import stages
from .usage import new_request_id

bp = Blueprint("proxy", __name__)


@bp.before_request
def _guard() -> None:
    # Deny by default: nothing in this blueprint runs for a caller the guard did not accept, and
    # no body is read for a caller that may not call the route at all.
    guard(request)


def call() -> Response:
    s, principal = stages(), g.principal
    intent = read_intent(request)  # 400: the body
    targets = s.proxy.targets(intent)  # 400: an unknown model, a refused client-side param
    authorize_model(principal, intent.model)  # 403
    request_id = new_request_id()
    admission = s.limits.admit(principal, intent, request_id)  # 429 (refused requests are not metered)
    meter = s.usage.meter(principal, intent.model, request_id, on_end=admission.release)
    try:
        resp = s.proxy.forward(intent, targets, meter)  # the meter ends when the response does
    except BaseException as exc:  # metered (and the admission released) however it failed
        meter.finish(exc.status if isinstance(exc, GatewayError) else 500)
        raise
    resp.headers["X-Request-Id"] = request_id
    return resp


def models() -> Response:
    principal = g.principal
    names = [n for n in stages().proxy.model_names() if model_allowed(principal, n)]
    data = [{"id": n, "object": "model", "created": 1677610602, "owned_by": "openai"} for n in names]
    return current_app.json.response({"object": "list", "data": data})


for _path in OPS:
    for _prefix in ("", "/v1"):
        bp.add_url_rule(_prefix + _path, f"op{_prefix}{_path}", call, methods=["POST"])
bp.add_url_rule("/models", "models", models, methods=["GET"])
bp.add_url_rule("/v1/models", "v1_models", models, methods=["GET"])


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
