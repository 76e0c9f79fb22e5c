"""Column types and mixins shared by every table."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

from sqlalchemy import String, Table, inspect
from sqlmodel import Field, SQLModel

# Materialised paths compare byte-wise on every database: PostgreSQL's
# linguistic collations ignore punctuation, which would break range scans.
PathType = String(255).with_variant(String(255, collation="C"), "postgresql")


def key_type(length: int) -> String:
    """A search key (pinyin, initials) scanned by prefix range: byte-wise like paths."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


def table_of(model: type[SQLModel]) -> Table:
    """A table model's Core `Table`, the object `Model.__table__` names (SQLModel sets that
    attribute without declaring it)."""
    return cast(Table, inspect(model).local_table)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Versioned(SQLModel):
    """Optimistic concurrency: a write names the version it read."""

    version: int = Field(default=1, nullable=False)
    created_at: datetime = Field(default_factory=utcnow, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, nullable=False)
