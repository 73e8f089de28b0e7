"""Example custom auth (docs/custom_auth.md): save as `custom_auth.py` beside config.yaml and set
`general_settings.custom_auth: custom_auth.user_api_key_auth`. Any key starting `my-custom-key-` passes."""

from __future__ import annotations

from typing import Any

from gateway.auth.custom import CustomAuthError
from gateway.compat.fastapi import Request

PREFIX = "my-custom-key-"


async def user_api_key_auth(request: Request, api_key: str | None) -> dict[str, Any]:
    """Allow keys with our prefix as an ordinary user; deny the rest (401 with this message).

    `request` is read-only, with Starlette's names: headers, url.path, method, query_params,
    client.host, and `await request.body()` / `await request.json()`.
    """
    if api_key and api_key.startswith(PREFIX):
        # Who the caller is, never the key itself.
        return {
            "user_id": "my-custom-user",
            "role": "internal_user",
            "metadata": {"auth": "custom_auth example", "path": request.url.path},
        }
    # The documented denial: final in every mode, and its message is meant for the client. Any
    # other exception answers a fixed message instead (its text may hold secrets).
    raise CustomAuthError("Authentication failed", 401)
