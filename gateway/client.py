"""The client endpoints (OpenAI's API): the request path, read top to bottom.

guard (credential → Principal → may it call this route) runs before every view; then a call
reads its intent, finds its deployments, checks the model, is admitted against its limits, and
is forwarded under a meter whose end queues the usage and releases the admission.
"""

from __future__ import annotations

import dataclasses

import orjson
from flask import Blueprint, Flask, Request, Response, current_app, g, request

from .authz.teams import choose_team, visible_to_any_team
from .errors import AuthError, BadRequest, GatewayError
from .guard import guard
from .proxy import OPS, read_intent
from .stages import stages
from .usage import new_request_id
from .values import CUSTOMER, Limits, Principal, RequestIntent, Scope

END_USER_HEADER = "x-litellm-end-user-id"

bp = Blueprint("proxy", __name__)


@bp.before_request
def _guard() -> None:
    # Deny by default: nothing in this blueprint runs for a caller the guard did not accept, and
    # no body is read for a caller that may not call the route at all.
    guard(request)


def customer_id(req: Request, intent: RequestIntent | None) -> str | None:
    """The end user a request is for: the body's `user`, else LiteLLM's end-user header."""
    value = intent.body.get("user") if intent is not None else None
    if not isinstance(value, str) or not value:
        value = req.headers.get(END_USER_HEADER) or None
    if value is not None and (len(value) > 255 or _unstorable(value)):
        raise BadRequest("`user` must be at most 255 characters of text (no NUL).", param="user")
    return value


def _unstorable(value: str) -> bool:
    """What the database cannot store as text: a NUL, a lone surrogate."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return "\x00" in value


def token_end_user(principal: Principal) -> str | None:
    """The end user a JWT names (end_user_id_jwt_field): the IdP's word wins over the body's."""
    value = principal.metadata.get("end_user_id")
    return value if isinstance(value, str) and value else None


def with_customer(principal: Principal, cid: str | None) -> Principal:
    """The principal held to its customer too (blocked, models, limits, budget): the customer's
    snapshot from the key cache; one without a budget of its own (unknown yet, or created by its
    first spend) is held to `max_end_user_budget` if set, from its very first request: the
    budget is admitted in Redis, so concurrent first requests cannot all pass (LiteLLM #40095)."""
    if cid is None:
        return principal
    s = stages()
    scope = s.keycache.customer(cid)  # 503 when it is not cached and the database is down
    default = s.settings.max_end_user_budget
    if scope is None:  # still named: its spend is recorded (and its row created) at the flush
        scope = Scope(CUSTOMER, cid, limits=Limits(max_budget=default))
    elif scope.blocked:
        raise AuthError(f"The customer {cid!r} is blocked.", reason="blocked_customer")
    elif default is not None and scope.limits.max_budget is None:
        scope = dataclasses.replace(scope, limits=dataclasses.replace(scope.limits, max_budget=default))
    return dataclasses.replace(principal, scopes=(*principal.scopes, scope))


def with_model(intent: RequestIntent, model: str) -> RequestIntent:
    """The intent for the model an alias stands for."""
    body = {**intent.body, "model": model}
    raw = intent.raw if intent.content_type else orjson.dumps(body)
    return dataclasses.replace(intent, model=model, body=body, raw=raw)


def call() -> Response:
    s = stages()
    intent = read_intent(request)  # 400: the body
    principal = choose_team(g.principal, intent.model, s.access)  # a JWT caller with several teams
    # 401: a blocked customer
    principal = with_customer(principal, token_end_user(principal) or customer_id(request, intent))
    requested = intent.model
    resolved = s.access.resolve(principal, requested)
    if resolved != requested:
        intent = with_model(intent, resolved)
    targets = s.proxy.targets(intent)  # 400: an unknown model, a refused client-side param
    s.access.check(principal, requested, resolved)  # 403, naming the level
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
    """Exactly the models the caller could call (every level's models, aliases included)."""
    s = stages()
    principal = with_customer(g.principal, token_end_user(g.principal) or customer_id(request, None))
    names = visible_to_any_team(principal, s.proxy.model_names(), s.access)
    data = [{"id": n, "object": "model", "created": 1677610602, "owned_by": "openai"} for n in names]
    return current_app.json.response({"object": "list", "data": data})


for _path in OPS:
    for _prefix in ("", "/v1"):
        bp.add_url_rule(_prefix + _path, f"op{_prefix}{_path}", call, methods=["POST"])
bp.add_url_rule("/models", "models", models, methods=["GET"])
bp.add_url_rule("/v1/models", "v1_models", models, methods=["GET"])


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
