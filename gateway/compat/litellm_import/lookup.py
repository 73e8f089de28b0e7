"""The gateway's rows a batch needs, read in one query per table: a batch of 500 rows then costs
a few queries instead of a few per row. A row known absent answers None without a query."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from ...extensions import db

CHUNK = 1000  # ids per IN (...)


def _attrs(model: type[db.Model], by: tuple[str, ...] | None) -> list[Any]:
    if by is not None:
        return [getattr(model, name) for name in by]
    mapper = sa.inspect(model)
    return [getattr(model, mapper.get_property_by_column(c).key) for c in mapper.primary_key]


class Known:
    def __init__(self) -> None:
        self._rows: dict[tuple[type, tuple[str, ...] | None, Any], Any] = {}

    def clear(self) -> None:
        """After a commit: the rows expired with it, and other writers may have moved on."""
        self._rows.clear()

    def load(self, model: type[db.Model], keys: Iterable[Any], by: tuple[str, ...] | None = None) -> None:
        """Read the rows of `model` whose primary key (or the columns `by`) is among `keys`
        (a value, or a tuple for several columns)."""
        wanted = {k for k in keys if k is not None and (model, by, k) not in self._rows}
        if not wanted:
            return
        attrs = _attrs(model, by)
        column = attrs[0] if len(attrs) == 1 else sa.tuple_(*attrs)
        todo = sorted(wanted, key=repr)
        for start in range(0, len(todo), CHUNK):
            for row in db.session.scalars(sa.select(model).where(column.in_(todo[start : start + CHUNK]))):
                values = tuple(getattr(row, a.key) for a in attrs)
                self._rows[(model, by, values[0] if len(values) == 1 else values)] = row
        for k in wanted:
            self._rows.setdefault((model, by, k), None)

    def get(self, model: type[db.Model], key: Any, by: tuple[str, ...] | None = None) -> Any:
        found = (model, by, key)
        if found in self._rows:
            return self._rows[found]
        self.load(model, [key], by)
        return self._rows[found]

    def put(self, model: type[db.Model], key: Any, row: Any, by: tuple[str, ...] | None = None) -> None:
        self._rows[(model, by, key)] = row
