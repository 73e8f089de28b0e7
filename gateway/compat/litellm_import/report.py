"""What an import did, per source table: imported, updated, unchanged, skipped (with why),
conflicts (imported, but not exactly as LiteLLM had it), and fields the gateway has no place for."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

SHOWN = 50  # skipped and conflicts listed per table; the counts stay exact


@dataclass
class TableReport:
    read: int = 0
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[dict[str, str]] = field(default_factory=list)
    skipped_count: int = 0
    conflicts: list[dict[str, str]] = field(default_factory=list)
    conflict_count: int = 0
    not_kept: Counter[str] = field(default_factory=Counter)  # field -> rows that had a value
    resumed_after: Any = None

    def skip(self, what: str, why: str) -> None:
        self.skipped_count += 1
        if len(self.skipped) < SHOWN:
            self.skipped.append({"id": what, "why": why})

    def conflict(self, what: str, detail: str) -> None:
        self.conflict_count += 1
        if len(self.conflicts) < SHOWN:
            self.conflicts.append({"id": what, "detail": detail})

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "read": self.read,
            "imported": self.imported,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped_count,
            "conflicts": self.conflict_count,
        }
        if self.skipped:
            out["skipped_rows"] = self.skipped
        if self.conflicts:
            out["conflict_rows"] = self.conflicts
        if self.not_kept:
            out["fields_not_kept"] = dict(sorted(self.not_kept.items()))
        if self.resumed_after is not None:
            out["resumed_after"] = self.resumed_after
        return out


@dataclass
class Report:
    source: str
    dry_run: bool
    tables: dict[str, TableReport] = field(default_factory=dict)
    error: str | None = None
    notes: list[str] = field(default_factory=list)

    def table(self, name: str) -> TableReport:
        return self.tables.setdefault(name, TableReport())

    @property
    def ok(self) -> bool:
        return self.error is None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "source": self.source,
            "dry_run": self.dry_run,
            "completed": self.ok,
            "tables": {name: t.as_dict() for name, t in self.tables.items()},
        }
        if self.error:
            out["error"] = self.error
        if self.notes:
            out["notes"] = self.notes
        return out
