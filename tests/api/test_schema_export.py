"""The committed schema.graphql is the schema the code serves: drift fails loudly."""

from __future__ import annotations

import difflib

from partygraph.config import PROJECT_DIR
from partygraph.graphql.schema import export_sdl

SCHEMA_FILE = PROJECT_DIR / "schema.graphql"


def test_committed_schema_matches_the_code():
    assert SCHEMA_FILE.exists(), "schema.graphql is missing: run `partygraph export-schema > schema.graphql`"
    committed = SCHEMA_FILE.read_text(encoding="utf-8")
    current = export_sdl()
    if committed != current:
        diff = "".join(
            list(
                difflib.unified_diff(
                    committed.splitlines(keepends=True),
                    current.splitlines(keepends=True),
                    "schema.graphql (committed)",
                    "export_sdl() (code)",
                )
            )[:60]
        )
        raise AssertionError(
            "schema.graphql is out of date with the code: run `partygraph export-schema > schema.graphql` "
            "and commit it.\n" + diff
        )


def test_schema_names_the_typed_errors_and_the_relay_node():
    sdl = export_sdl()
    for needle in (
        "interface Error",
        "type RuleViolation implements Error",
        "type NotFound implements Error",
        "type NotAllowed implements Error",
        "type Conflict implements Error",
        "interface Node",
        "totalCount: Int!",
    ):
        assert needle in sdl, needle
