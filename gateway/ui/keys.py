"""The keys page: list (search by part of the alias or key name, user, team; paging), generate
(the key shown once), update, block/unblock, regenerate with a grace period, delete. Each form
goes through the same route check, ownership check (directory/key_access.py) and key service as
`/key/*`."""

from __future__ import annotations

from typing import Any

from flask import Response, redirect, render_template, request, url_for

from ..admin import actor
from ..directory import access, key_access
from ..errors import BadRequest
from ..keys import service
from . import bp
from .forms import form_body, page_arg, text_arg
from .permit import require
from .session import require_login

PAGE_SIZE = 20
SETTINGS = {
    "text": ("key_alias", "user_id", "team_id", "duration", "budget_duration"),
    "lists": ("models",),
    "ints": ("rpm_limit", "tpm_limit", "max_parallel_requests"),
    "floats": ("max_budget",),
    "objects": ("metadata",),
}


def _key() -> str:
    key = request.form.get("key", "").strip()
    if not key:
        raise BadRequest("`key` is required.", param="key")
    return key


def _done(message: str) -> Response:
    return redirect(url_for("ui.keys_page", done=message))


def _secret_page(title: str, answer: dict[str, Any]) -> str:
    """The only time the plaintext exists outside the caller: rendered in the POST's own answer
    (never a redirect, never stored in the session), with no-store caching (security.py)."""
    return render_template("key_secret.html", title=title, key=answer)


@bp.get("/keys")
def keys_page() -> str:
    principal = require_login()
    require(principal, "/key/list")
    page = page_arg()
    search, user_id, team_id = text_arg("search"), text_arg("user_id"), text_arg("team_id")
    # /key/list's rule: every key for admins and viewers; else one's own, or a team's one manages.
    if not access.reads_all(principal) and not (team_id and access.manages_team(principal, team_id)):
        if user_id not in (None, principal.user_id):
            raise access.denied("user", user_id)
        user_id = principal.user_id
    listing = service.list_keys(
        page=page, size=PAGE_SIZE, user_id=user_id, team_id=team_id, key_alias=None, full=True, search=search
    )
    return render_template(
        "keys.html",
        listing=listing,
        page=page,
        search={k: v for k, v in (("search", search), ("user_id", user_id), ("team_id", team_id)) if v},
        done=request.args.get("done"),
    )


@bp.post("/keys/generate")
def key_generate() -> str:
    principal = require_login()
    require(principal, "/key/generate")
    body = key_access.check_generate(principal, form_body(**SETTINGS))
    return _secret_page("New key", service.generate(body, actor(principal)))


@bp.post("/keys/update")
def key_update() -> Response:
    principal = require_login()
    require(principal, "/key/update")
    body = {"key": _key(), **form_body(**SETTINGS)}
    key_access.check_update(principal, body)
    service.update(body, actor(principal))
    return _done("Key updated.")


@bp.post("/keys/block")
def key_block() -> Response:
    return _set_blocked(True)


@bp.post("/keys/unblock")
def key_unblock() -> Response:
    return _set_blocked(False)


def _set_blocked(blocked: bool) -> Response:
    principal = require_login()
    route = "/key/block" if blocked else "/key/unblock"
    require(principal, route)
    key = _key()
    key_access.check_key(principal, key, route)
    service.set_blocked(key, blocked, actor(principal))
    return _done("Key blocked." if blocked else "Key unblocked.")


@bp.post("/keys/regenerate")
def key_regenerate() -> str:
    principal = require_login()
    require(principal, "/key/regenerate")
    body = {"key": _key(), **form_body(text=("grace_period",))}
    key_access.check_key(principal, body["key"], "/key/regenerate")
    return _secret_page("Regenerated key", service.regenerate(body, actor(principal)))


@bp.post("/keys/delete")
def key_delete() -> Response:
    principal = require_login()
    require(principal, "/key/delete")
    key = _key()
    key_access.check_key(principal, key, "/key/delete")
    service.delete({"keys": [key]}, actor(principal))
    return _done("Key deleted.")


@bp.get("/keys/<token>")
def key_page(token: str) -> str:
    principal = require_login()
    require(principal, "/key/info")
    if not access.reads_all(principal):
        key_access.check_key(principal, token, "/key/info", write=False)
    return render_template("key.html", key=service.info(token)["info"])
