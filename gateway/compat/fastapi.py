"""`from fastapi import Request, HTTPException, status` for a LiteLLM custom-auth module, served by
the gateway: `from gateway.compat.fastapi import Request, HTTPException, status`."""

from __future__ import annotations

from http import HTTPStatus
from types import SimpleNamespace
from typing import Any

from ..auth.custom_errors import CustomAuthError
from ..auth.custom_request import Request

__all__ = ["HTTPException", "Request", "status"]

# Starlette's constants (`status.HTTP_401_UNAUTHORIZED`), from the standard library's table.
status = SimpleNamespace(**{f"HTTP_{s.value}_{s.name}": s.value for s in HTTPStatus})


class HTTPException(CustomAuthError):
    """FastAPI's HTTPException, as a documented denial: `detail` and `status_code` reach the client."""

    def __init__(self, status_code: int, detail: Any = None, headers: dict[str, str] | None = None) -> None:
        self.status_code = status_code
        self.detail = detail
        if not isinstance(detail, str) or not detail:
            try:
                detail = HTTPStatus(status_code).phrase
            except ValueError:
                detail = "Authentication Error"
        super().__init__(detail, status_code, headers=headers)
