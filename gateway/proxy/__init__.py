"""The OpenAI-compatible client endpoints: auth in before_request, then body → authz → upstream."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, g, request

from .. import usage
from ..auth import authenticate
from ..authz import admit, authorize_model, authorize_route, model_allowed
from ..errors import GatewayError
from .address import AddressPolicy
from .clientside import refuse_forbidden
from .egress import Egress, tls_context
from .forward import forward
from .intent import op_for, read_intent
from .multipart import OPS as MULTIPART_OPS
from .multipart import read_multipart_intent
from .redact import Redactor
from .router import Router
from .upstream import UpstreamClient

bp = Blueprint("proxy", __name__)

# Every op forwards the same way (auth, limits, metering); LLM_API_ROUTES in authz/routes.py lists them.
OPS = (
    "/chat/completions",
    "/completions",
    "/embeddings",
    "/images/generations",
    "/audio/speech",
    "/audio/transcriptions",
    "/moderations",
    "/responses",
)


@bp.before_request
def _authenticate() -> None:
    # Deny by default: nothing in this blueprint runs for a caller the chain did not accept,
    # and no body is read for a caller that may not call the route at all.
    principal = authenticate(request)
    authorize_route(principal, request.path)
    g.principal = principal


def _completion() -> Response:
    ext = current_app.extensions
    multipart = op_for(request.path) in MULTIPART_OPS
    intent = read_multipart_intent(request) if multipart else read_intent(request)
    refuse_forbidden(intent.body)
    targets = ext["gateway.router"].candidates(intent.model)
    authorize_model(g.principal, intent.model)
    meter = usage.start(g.principal, intent.model)
    # Refused requests are not metered. A form's bytes are mostly a file: not tokens to estimate.
    admit(g.principal, b"" if multipart else intent.raw, intent.body, meter)
    try:
        resp = forward(intent, targets, ext["gateway.upstream"], meter)
    except BaseException as exc:  # metered (and its limits settled) however it failed
        meter.finish(exc.status if isinstance(exc, GatewayError) else 500)
        raise
    resp.headers["X-Request-Id"] = meter.request_id
    return resp


def _models() -> Response:
    principal = g.principal
    names = [n for n in current_app.extensions["gateway.router"].model_names() if model_allowed(principal, n)]
    data = [{"id": n, "object": "model", "created": 1677610602, "owned_by": "openai"} for n in names]
    return current_app.json.response({"object": "list", "data": data})


for _path in OPS:
    for _prefix in ("", "/v1"):
        bp.add_url_rule(_prefix + _path, f"op{_prefix}{_path}", _completion, methods=["POST"])
bp.add_url_rule("/models", "models", _models, methods=["GET"])
bp.add_url_rule("/v1/models", "v1_models", _models, methods=["GET"])


def init_app(app: Flask) -> None:
    settings = app.extensions["gateway.settings"]
    app.extensions["gateway.router"] = Router(settings.deployments)
    policy = AddressPolicy(settings.clientside_api_base_allowed_hosts)
    app.extensions["gateway.upstream"] = UpstreamClient(
        max_body=settings.max_response_bytes,
        policy=policy,
        ssl_context=tls_context(settings.transport),
        egress=Egress.from_settings(settings.transport),
    )
    app.extensions["gateway.redactor"] = Redactor.from_settings(settings)
    app.register_blueprint(bp)
