"""How a KeyRecord (gateway/values.py) is read from a database row and kept in L2, with the
snapshots of its user, team, membership and organization (and a customer's, on its own)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from ..clock import epoch
from ..values import CUSTOMER, MEMBER, ORGANIZATION, TEAM_LEVEL, USER, KeyRecord, Limits, Scope

L2_FORMAT = 4  # bump when the encoding changes: old entries then read as misses
CUSTOMER_FORMAT = 1


def _models(value: Any) -> tuple[str, ...] | None:
    """A level's `models`: empty (or absent) narrows nothing."""
    return tuple(value) if value else None


def _limits(row: Mapping[str, Any], prefix: str, parallel: bool = True) -> Limits:
    return Limits(
        max_budget=row[f"{prefix}max_budget"],
        spend=row[f"{prefix}spend"] or 0.0,
        rpm_limit=row[f"{prefix}rpm_limit"],
        tpm_limit=row[f"{prefix}tpm_limit"],
        max_parallel_requests=row[f"{prefix}max_parallel_requests"] if parallel else None,
    )


def _budget_of(value: Any) -> float | None:
    """model_max_budget's entry: LiteLLM's `{"budget_limit": x, "time_period": ...}`, or a number."""
    if isinstance(value, dict):
        value = value.get("budget_limit", value.get("max_budget"))
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _int_of(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def model_limits(rpm: Any, tpm: Any, budget: Any) -> tuple[tuple[str, Limits], ...]:
    """Per-model limits from `model_rpm_limit`, `model_tpm_limit` and `model_max_budget`."""
    rpm, tpm, budget = (v if isinstance(v, dict) else {} for v in (rpm, tpm, budget))
    out = []
    for model in sorted({*rpm, *tpm, *budget}):
        limits = Limits(
            max_budget=_budget_of(budget.get(model)),
            rpm_limit=_int_of(rpm.get(model)),
            tpm_limit=_int_of(tpm.get(model)),
        )
        if limits.any:
            out.append((str(model), limits))
    return tuple(out)


def _first(*values: Any) -> Any:
    return next((v for v in values if v is not None), None)


def scopes_of(row: Mapping[str, Any]) -> tuple[Scope, ...]:
    """The user, team, member and organization snapshots joined to a key's row (store.OWNER)."""
    scopes = []
    version = row["version"]
    if row.get("u_id") is not None:
        scopes.append(
            Scope(
                USER, row["u_id"], _models(row["u_models"]), _limits(row, "u_"), bool(row["u_blocked"]),
                version=version,
            )
        )  # fmt: skip
    if row.get("t_id") is not None:
        meta = row["t_metadata"] if isinstance(row["t_metadata"], dict) else {}
        scopes.append(
            Scope(
                TEAM_LEVEL, row["t_id"], _models(row["t_models"]), _limits(row, "t_"),
                bool(row["team_blocked"]),
                model_limits(
                    meta.get("model_rpm_limit"), meta.get("model_tpm_limit"), row["t_model_max_budget"]
                ),
                version,
            )
        )  # fmt: skip
        if row.get("m_id") is not None:
            # A member's own settings, else the team's defaults for its members.
            scopes.append(
                Scope(
                    MEMBER, f"{row['t_id']}:{row['u_id']}", _models(row["m_allowed_models"]),
                    Limits(
                        max_budget=_first(row["m_max_budget_in_team"], row["t_team_member_budget"]),
                        spend=row["m_spend"] or 0.0,
                        rpm_limit=_first(row["m_rpm_limit"], row["t_team_member_rpm_limit"]),
                        tpm_limit=_first(row["m_tpm_limit"], row["t_team_member_tpm_limit"]),
                    ),
                    version=version,
                )
            )  # fmt: skip
    if row.get("o_id") is not None:
        scopes.append(
            Scope(
                ORGANIZATION, row["o_id"], _models(row["o_models"]), _limits(row, "o_", parallel=False),
                bool(row["o_blocked"]), version=version,
            )
        )  # fmt: skip
    return tuple(scopes)


def _aliases(*maps: Any) -> tuple[tuple[str, str], ...]:
    """Alias → model, the first map winning (the key's `aliases` before the team's `model_aliases`)."""
    out: dict[str, str] = {}
    for m in maps:
        if isinstance(m, dict):
            for alias, model in m.items():
                if isinstance(model, str):
                    out.setdefault(str(alias), model)
    return tuple(out.items())


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
        organization_id=row.get("organization_id"),
        scopes=scopes_of(row),
        aliases=_aliases(row.get("aliases"), row.get("t_model_aliases")),
        model_limits=model_limits(
            row.get("model_rpm_limit"), row.get("model_tpm_limit"), row.get("model_max_budget")
        ),
        allowed_ips=tuple(row.get("allowed_ips") or ()),
    )


def customer_from_row(row: Mapping[str, Any]) -> Scope:
    return Scope(
        CUSTOMER,
        row["user_id"],
        _models(row["models"]),
        Limits(
            max_budget=row["max_budget"],
            spend=row["spend"] or 0.0,
            rpm_limit=row["rpm_limit"],
            tpm_limit=row["tpm_limit"],
        ),
        bool(row["blocked"]),
        version=row["version"],
    )


def _enc_limits(lim: Limits) -> list[Any]:
    return [lim.max_budget, lim.spend, lim.rpm_limit, lim.tpm_limit, lim.max_parallel_requests]


def _dec_limits(v: list[Any]) -> Limits:
    return Limits(max_budget=v[0], spend=v[1], rpm_limit=v[2], tpm_limit=v[3], max_parallel_requests=v[4])


def _enc_model_limits(items: tuple[tuple[str, Limits], ...]) -> list[Any]:
    return [[m, _enc_limits(lim)] for m, lim in items]


def _dec_model_limits(v: list[Any]) -> tuple[tuple[str, Limits], ...]:
    return tuple((m, _dec_limits(lim)) for m, lim in v)


def _enc_scope(s: Scope) -> list[Any]:
    ml = _enc_model_limits(s.model_limits)
    return [s.level, s.id, s.models, _enc_limits(s.limits), s.blocked, ml, s.version]


def _dec_scope(v: list[Any]) -> Scope:
    return Scope(
        level=v[0], id=v[1], models=tuple(v[2]) if v[2] is not None else None, limits=_dec_limits(v[3]),
        blocked=bool(v[4]), model_limits=_dec_model_limits(v[5]), version=v[6],
    )  # fmt: skip


def encode(record: KeyRecord) -> bytes:
    """The compact L2 form: a JSON array whose first two items are the format and version."""
    r, lim = record, record.limits
    return orjson.dumps(
        [
            L2_FORMAT, r.version, r.token, r.key_name, r.key_alias, r.user_id, r.team_id, r.models,
            r.allowed_routes, r.expires, r.blocked, r.grace_until, lim.max_budget, lim.spend,
            lim.rpm_limit, lim.tpm_limit, lim.max_parallel_requests, r.user_role, r.team_blocked,
            r.organization_id, [_enc_scope(s) for s in r.scopes], r.aliases,
            _enc_model_limits(r.model_limits),
            r.allowed_ips,
        ]
    )  # fmt: skip


def decode(data: bytes) -> KeyRecord | None:
    """None when the bytes are not a record of this format (treated as a miss)."""
    try:
        v = orjson.loads(data)
        if not isinstance(v, list) or len(v) != 24 or v[0] != L2_FORMAT:
            return None
        return KeyRecord(
            token=v[2], key_name=v[3], key_alias=v[4], user_id=v[5], team_id=v[6],
            models=tuple(v[7]), allowed_routes=tuple(v[8]), expires=v[9], blocked=v[10],
            grace_until=v[11],
            limits=Limits(max_budget=v[12], spend=v[13], rpm_limit=v[14], tpm_limit=v[15],
                          max_parallel_requests=v[16]),
            version=v[1], user_role=v[17], team_blocked=bool(v[18]), organization_id=v[19],
            scopes=tuple(_dec_scope(s) for s in v[20]), aliases=tuple((a, m) for a, m in v[21]),
            model_limits=_dec_model_limits(v[22]), allowed_ips=tuple(v[23]),
        )  # fmt: skip
    except (orjson.JSONDecodeError, TypeError, ValueError, IndexError):
        return None


def encode_customer(scope: Scope) -> bytes:
    """A customer's L2 form: [format, version, scope] (the version first, as the CAS reads it)."""
    return orjson.dumps([CUSTOMER_FORMAT, scope.version, _enc_scope(scope)])


def decode_customer(data: bytes) -> Scope | None:
    try:
        v = orjson.loads(data)
        if not isinstance(v, list) or len(v) != 3 or v[0] != CUSTOMER_FORMAT:
            return None
        return _dec_scope(v[2])
    except (orjson.JSONDecodeError, TypeError, ValueError, IndexError):
        return None


class CustomerCodec:
    """The customer L2 encoding, as keycache/shared.py's `codec`."""

    encode = staticmethod(encode_customer)
    decode = staticmethod(decode_customer)
