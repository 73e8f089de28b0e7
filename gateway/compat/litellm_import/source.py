"""Reading LiteLLM's PostgreSQL: one read-only, repeatable-read snapshot; tables streamed in
primary-key order from a checkpoint, a batch at a time, through server-side cursors."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row


@dataclass(frozen=True)
class Table:
    """A source table as the import pages it: its name and its primary key's columns."""

    name: str
    key: tuple[str, ...]


BUDGETS = Table("LiteLLM_BudgetTable", ("budget_id",))
MODEL_ALIASES = Table("LiteLLM_ModelTable", ("id",))
ORGANIZATIONS = Table("LiteLLM_OrganizationTable", ("organization_id",))
USERS = Table("LiteLLM_UserTable", ("user_id",))
TEAMS = Table("LiteLLM_TeamTable", ("team_id",))
TEAM_MEMBERSHIPS = Table("LiteLLM_TeamMembership", ("user_id", "team_id"))
ORG_MEMBERSHIPS = Table("LiteLLM_OrganizationMembership", ("user_id", "organization_id"))
CUSTOMERS = Table("LiteLLM_EndUserTable", ("user_id",))
KEYS = Table("LiteLLM_VerificationToken", ("token",))
# Spend logs are read as their daily aggregates, paged by the aggregate's key.
SPEND = Table("LiteLLM_SpendLogs", ("day", "api_key", "model"))

DAILY_SPEND = """
SELECT * FROM (
  SELECT date("startTime") AS day, api_key,
         COALESCE(NULLIF(model_group, ''), model) AS model,
         count(*) AS requests,
         COALESCE(sum(prompt_tokens), 0) AS prompt_tokens,
         COALESCE(sum(completion_tokens), 0) AS completion_tokens,
         COALESCE(sum(spend), 0) AS cost,
         count(*) FILTER (WHERE status = 'failure') AS errors
  FROM "LiteLLM_SpendLogs"
  GROUP BY 1, 2, 3
) AS daily
"""


def fingerprint(url: str) -> tuple[str, str]:
    """(a stable id of the source database, how to show it): host, port and name, no password."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    shown = f"{info.get('host', 'localhost')}:{info.get('port', 5432)}/{info.get('dbname', '')}"
    return hashlib.sha256(shown.encode()).hexdigest(), shown


def utc(value: datetime | None) -> datetime | None:
    """Prisma's DateTime is `timestamp(3)` without a zone, holding UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


class Source:
    """LiteLLM's database, opened read-only: nothing the import does can change it."""

    def __init__(self, url: str) -> None:
        self.conn = psycopg.connect(url, row_factory=dict_row, connect_timeout=10)
        self.conn.read_only = True
        self.conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ  # one snapshot for all

    def close(self) -> None:
        self.conn.rollback()
        self.conn.close()

    def has_table(self, name: str) -> bool:
        row = self.conn.execute("SELECT to_regclass(%s) IS NOT NULL AS present", [f'"{name}"']).fetchone()
        return bool(row and row["present"])

    def all_rows(self, table: Table) -> list[dict[str, Any]]:
        return list(self.conn.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier(table.name))))

    def batches(
        self, table: Table, size: int, after: Sequence[Any] | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        """The table's rows in primary-key order, after the key `after` (a checkpoint)."""
        key = sql.SQL(", ").join(sql.Identifier(c) for c in table.key)
        base = (
            sql.SQL(DAILY_SPEND)
            if table is SPEND
            else sql.SQL("SELECT * FROM {}").format(sql.Identifier(table.name))
        )
        where = sql.SQL("")
        params: list[Any] = []
        if after is not None:
            where = sql.SQL(" WHERE ({}) > ({})").format(
                key, sql.SQL(", ").join(sql.Placeholder() * len(after))
            )
            params = list(after)
        query = base + where + sql.SQL(" ORDER BY {}").format(key)
        with self.conn.cursor(name=f"import_{table.name.lower()}") as cur:
            cur.itersize = size
            cur.execute(query, params)
            while rows := cur.fetchmany(size):
                yield rows

    def existing(self, table: Table, column: str, values: Sequence[Any]) -> set[Any]:
        """Which of `values` the source's `table.column` holds (one query for a batch)."""
        if not values:
            return set()
        query = sql.SQL("SELECT {c} AS v FROM {t} WHERE {c} = ANY(%s)").format(
            c=sql.Identifier(column), t=sql.Identifier(table.name)
        )
        return {r["v"] for r in self.conn.execute(query, [list(values)])}

    def where_any(self, table: Table, column: str, values: Sequence[Any]) -> list[dict[str, Any]]:
        if not values:
            return []
        query = sql.SQL("SELECT * FROM {t} WHERE {c} = ANY(%s)").format(
            c=sql.Identifier(column), t=sql.Identifier(table.name)
        )
        return list(self.conn.execute(query, [list(values)]))

    def users_in_teams(self, team_ids: Sequence[str]) -> list[dict[str, Any]]:
        """Users whose `teams` array names any of these teams (LiteLLM keeps membership there too)."""
        if not team_ids:
            return []
        return list(
            self.conn.execute(
                'SELECT user_id, teams FROM "LiteLLM_UserTable" WHERE teams && %s::text[]', [list(team_ids)]
            )
        )
