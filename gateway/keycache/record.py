"""KeyRecord: what the hot path needs to know about a virtual key, as a frozen value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from ..auth.principal import LLM_ONLY, Limits, Principal
from ..clock import epoch

L2_FORMAT = 2  # bump when the encoding changes: old entries then read as misses


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
    user_role: str | None = None  # the owner's role (users.user_role); None: no user, LLM-only key
    team_blocked: bool = False  # the key's team is blocked (refused like a blocked key)

    @classmethod
    def build(
        cls,
        token: str,
        key_name: str,
        key_alias: str | None,
        user_id: str | None,
        team_id: str | None,
        models: tuple[str, ...],
        allowed_routes: tuple[str, ...],
        expires: float | None,
        blocked: bool,
        grace_until: float | None,
        limits: Limits,
        version: int,
        user_role: str | None = None,
        team_blocked: bool = False,
    ) -> KeyRecord:
        principal = Principal(
            method="virtual_key",
            role=user_role or LLM_ONLY,  # a key acts with its owner's role
            subject=key_alias or key_name,
            key_hash=token,
            user_id=user_id,
            team_id=team_id,
            models=models,
            allowed_routes=allowed_routes,
            limits=limits,
        )
        return cls(
            token, key_name, key_alias, user_id, team_id, models, allowed_routes, expires, blocked,
            grace_until, limits, version, principal, user_role, team_blocked,
        )  # fmt: skip

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> KeyRecord:
        return cls.build(
            token=row["token"],
            key_name=row["key_name"],
            key_alias=row["key_alias"],
            user_id=row["user_id"],
            team_id=row["team_id"],
            models=tuple(row["models"] or ()),
            allowed_routes=tuple(row["allowed_routes"] or ()),
            expires=epoch(row["expires"]),
            blocked=bool(row["blocked"]),
            grace_until=epoch(row.get("revoke_at")),
            limits=Limits(
                max_budget=row["max_budget"],
                spend=row["spend"] or 0.0,
                rpm_limit=row["rpm_limit"],
                tpm_limit=row["tpm_limit"],
                max_parallel_requests=row["max_parallel_requests"],
            ),
            version=row["version"],
            user_role=row.get("user_role"),
            team_blocked=bool(row.get("team_blocked")),
        )

    def encode(self) -> bytes:
        """The compact L2 form: a JSON array whose first two items are the format and version."""
        lim = self.limits
        return orjson.dumps(
            [
                L2_FORMAT, self.version, self.token, self.key_name, self.key_alias, self.user_id,
                self.team_id, self.models, self.allowed_routes, self.expires, self.blocked,
                self.grace_until, lim.max_budget, lim.spend, lim.rpm_limit, lim.tpm_limit,
                lim.max_parallel_requests, self.user_role, self.team_blocked,
            ]
        )  # fmt: skip

    @classmethod
    def decode(cls, data: bytes) -> KeyRecord | None:
        """None when the bytes are not a record of this format (treated as a miss)."""
        try:
            v = orjson.loads(data)
            if not isinstance(v, list) or len(v) != 19 or v[0] != L2_FORMAT:
                return None
            return cls.build(
                token=v[2], key_name=v[3], key_alias=v[4], user_id=v[5], team_id=v[6],
                models=tuple(v[7]), allowed_routes=tuple(v[8]), expires=v[9], blocked=v[10],
                grace_until=v[11],
                limits=Limits(max_budget=v[12], spend=v[13], rpm_limit=v[14], tpm_limit=v[15],
                              max_parallel_requests=v[16]),
                version=v[1], user_role=v[17], team_blocked=bool(v[18]),
            )  # fmt: skip
        except (orjson.JSONDecodeError, TypeError, ValueError):
            return None
