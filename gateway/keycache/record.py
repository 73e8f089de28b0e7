"""KeyRecord: what the hot path needs to know about a virtual key, as a frozen value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..auth.principal import INTERNAL_USER, Limits, Principal
from ..clock import epoch


@dataclass(frozen=True, slots=True)
class KeyRecord:
    token: str  # the key's current hash (a deprecated hash resolves to its successor)
    key_name: str
    key_alias: str | None
    user_id: str | None
    team_id: str | None
    models: tuple[str, ...]
    allowed_routes: tuple[str, ...]
    expires: float | None  # epoch seconds
    blocked: bool
    grace_until: float | None  # set when looked up by a deprecated hash
    limits: Limits
    version: int
    principal: Principal

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> KeyRecord:
        limits = Limits(
            max_budget=row["max_budget"],
            spend=row["spend"] or 0.0,
            rpm_limit=row["rpm_limit"],
            tpm_limit=row["tpm_limit"],
            max_parallel_requests=row["max_parallel_requests"],
        )
        models = tuple(row["models"] or ())
        routes = tuple(row["allowed_routes"] or ())
        principal = Principal(
            method="virtual_key",
            role=INTERNAL_USER,
            subject=row["key_alias"] or row["key_name"],
            key_hash=row["token"],
            user_id=row["user_id"],
            team_id=row["team_id"],
            models=models,
            allowed_routes=routes,
            limits=limits,
        )
        return cls(
            token=row["token"],
            key_name=row["key_name"],
            key_alias=row["key_alias"],
            user_id=row["user_id"],
            team_id=row["team_id"],
            models=models,
            allowed_routes=routes,
            expires=epoch(row["expires"]),
            blocked=bool(row["blocked"]),
            grace_until=epoch(row.get("revoke_at")),
            limits=limits,
            version=row["version"],
            principal=principal,
        )
