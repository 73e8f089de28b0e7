"""How a KeyRecord (gateway/values.py) is read from a database row and kept in L2."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from ..clock import epoch
from ..values import KeyRecord, Limits

L2_FORMAT = 3  # bump when the encoding changes: old entries then read as misses


def from_row(row: Mapping[str, Any]) -> KeyRecord:
    return KeyRecord(
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
        allowed_ips=tuple(row.get("allowed_ips") or ()),
    )


def encode(record: KeyRecord) -> bytes:
    """The compact L2 form: a JSON array whose first two items are the format and version."""
    r, lim = record, record.limits
    return orjson.dumps(
        [
            L2_FORMAT, r.version, r.token, r.key_name, r.key_alias, r.user_id, r.team_id, r.models,
            r.allowed_routes, r.expires, r.blocked, r.grace_until, lim.max_budget, lim.spend,
            lim.rpm_limit, lim.tpm_limit, lim.max_parallel_requests, r.user_role, r.team_blocked,
            r.allowed_ips,
        ]
    )  # fmt: skip


def decode(data: bytes) -> KeyRecord | None:
    """None when the bytes are not a record of this format (treated as a miss)."""
    try:
        v = orjson.loads(data)
        if not isinstance(v, list) or len(v) != 20 or v[0] != L2_FORMAT:
            return None
        return KeyRecord(
            token=v[2], key_name=v[3], key_alias=v[4], user_id=v[5], team_id=v[6],
            models=tuple(v[7]), allowed_routes=tuple(v[8]), expires=v[9], blocked=v[10],
            grace_until=v[11],
            limits=Limits(max_budget=v[12], spend=v[13], rpm_limit=v[14], tpm_limit=v[15],
                          max_parallel_requests=v[16]),
            version=v[1], user_role=v[17], team_blocked=bool(v[18]), allowed_ips=tuple(v[19]),
        )  # fmt: skip
    except (orjson.JSONDecodeError, TypeError, ValueError):
        return None
