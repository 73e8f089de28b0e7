"""Multipart request bodies (`/audio/transcriptions`): the form read for its model and fields, and
the bytes forwarded as the client sent them, only the `model` field renamed for the deployment."""

from __future__ import annotations

import io
import re

from flask import Request
from werkzeug.formparser import FormDataParser

from ..body import read_body
from ..errors import BadRequest
from ..values import RequestIntent
from .clientside import CLIENT_PARAMS, Call
from .intent import op_for
from .router import Target

OPS = frozenset({"audio/transcriptions"})
_TRUE = ("true", "True", "1")


def read_multipart_intent(request: Request) -> RequestIntent:
    """The form's text fields as the intent's body (the file stays in `raw`); 400 if it is not a form."""
    path = request.path
    boundary = request.mimetype_params.get("boundary")
    if request.mimetype != "multipart/form-data" or not boundary:
        raise BadRequest(f"{path} takes a multipart/form-data body (a file and its fields).")
    raw = read_body(request)
    _, form, files = FormDataParser().parse(
        io.BytesIO(raw), "multipart/form-data", len(raw), {"boundary": boundary}
    )
    for f in files.values():
        f.close()
    if not files:
        raise BadRequest("The form needs a `file` part.", param="file")
    body = {k: v for k, v in form.items()}
    for name in CLIENT_PARAMS:  # credentials in a form would travel to the upstream as they are
        if name in body:
            raise BadRequest(f"`{name}` may not be sent in a multipart body.", param=name)
    model = body.get("model")
    if not model:
        raise BadRequest("`model` is required and must be a non-empty string.", param="model")
    return RequestIntent(
        path=path,
        op=op_for(path),
        model=model,
        stream=body.get("stream") in _TRUE,
        body=body,
        raw=raw,
        content_type=request.content_type,
    )


def _with_field(raw: bytes, boundary: str, name: str, value: str) -> bytes:
    """`raw` with the value of its text field `name` replaced (a boundary never occurs inside a part)."""
    delimiter = b"--" + boundary.encode()
    parts = raw.split(delimiter)
    field = re.compile(rb'name="?' + re.escape(name.encode()) + rb'"?(;|\s|$)', re.IGNORECASE)
    for i in range(1, len(parts) - 1):
        head, sep, _ = parts[i].partition(b"\r\n\r\n")
        if sep and field.search(head) and b"filename=" not in head:
            parts[i] = head + sep + value.encode() + b"\r\n"
            return delimiter.join(parts)
    raise BadRequest(f"The form's `{name}` field could not be read.", param=name)


def call(intent: RequestIntent, target: Target) -> Call:
    """The upstream call of a multipart intent: its own Content-Type (the boundary), its bytes."""
    model = target.deployment.upstream_model
    body = intent.raw
    if model != intent.model:
        boundary = intent.content_type.split("boundary=", 1)[1].split(";")[0].strip('"')
        body = _with_field(body, boundary, "model", model)
    return Call(target.url(intent.op), {**target.headers, "Content-Type": intent.content_type}, body)
