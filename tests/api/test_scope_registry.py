"""Scope by construction: every table that lives in the tree says once (in `scope.py`) how a
viewer's scope applies to it, every Node type resolves `node(id:)` through that declaration,
and no root list selects a scoped table past `scoped_select`. The contract tests check the
behaviour field by field; these fail when a new table, type or list skips the base."""

from __future__ import annotations

import ast
import importlib
import pathlib
from typing import Any

from sqlmodel import SQLModel

import partygraph.models  # noqa: F401 - registers every table
from partygraph import scope
from partygraph.graphql.schema import build_schema
from partygraph.graphql.types import common

QUERIES = pathlib.Path(common.__file__).parents[1] / "queries"

# Node types whose `node(id:)` is not the scope's alone, and why.
OWN_RESOLVE_NODES = {
    "ApiToken": "a county account sees its subtree's tokens, others only their own (services.account.sees_tokens_of)",
}


def _tables() -> list[type[Any]]:
    return [m.class_ for m in SQLModel._sa_registry.mappers]


def test_every_table_with_a_path_declares_its_scope() -> None:
    for model in _tables():
        paths = [c.name for c in model.__table__.columns if c.name.endswith("path")]
        if not paths or model in scope.UNSCOPED:
            continue
        spec = scope.scope_of(model)  # KeyError: a path column and no declaration
        if paths != ["org_path"]:
            assert model in scope.SCOPED_BY, f"{model.__name__} has {paths}: declare which places it in scope.SCOPED_BY"
        if isinstance(spec, scope.Paths):
            for name in spec.columns:
                assert name in model.__table__.columns, f"{model.__name__}.{name} is declared but is no column"
        if isinstance(spec, scope.Through):
            assert spec.fk in model.__table__.columns
            scope.scope_of(spec.parent)


def test_a_table_outside_the_tree_has_no_scope() -> None:
    from partygraph.models.session import SignInAttempt

    try:
        scope.scope_of(SignInAttempt)
    except KeyError:
        return
    raise AssertionError("scope_of must refuse a table it was not told about")


def _node_types() -> list[type[Any]]:
    out = []
    for gql_type in build_schema()._schema.type_map.values():
        definition = getattr(gql_type, "extensions", {}) or {}
        origin = getattr(definition.get("strawberry-definition"), "origin", None)
        if isinstance(origin, type) and issubclass(origin, common.Node) and origin is not common.Node:
            out.append(origin)
    return out


def test_every_node_type_resolves_through_the_scoped_base() -> None:
    types = _node_types()
    assert len(types) >= 30, "the walk over the schema found too few node types"
    for t in types:
        name = t.__strawberry_definition__.name
        assert t.row_model is not None, f"{name}: declare its table, class {t.__name__}(Node, model=...)"
        if name in OWN_RESOLVE_NODES:
            continue
        assert t.resolve_nodes.__func__ is common._resolve_scoped, f"{name} resolves nodes past the scoped base"
        scope.scope_of(t.row_model)


def _scoped_models_selected_whole(path: pathlib.Path) -> list[str]:
    """`select(Model)` calls on a scoped table in one module: rows read past `scoped_select`."""
    module = importlib.import_module(f"partygraph.graphql.queries.{path.stem}")
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "select" and node.args):
            continue
        try:
            target = eval(compile(ast.Expression(node.args[0]), str(path), "eval"), vars(module))  # noqa: S307 - a name in our own module
        except Exception:  # noqa: BLE001 - a local variable, a column expression: not a table
            continue
        if isinstance(target, type) and target in _tables() and target not in scope.UNSCOPED:
            try:
                scope.scope_of(target)
            except KeyError:
                continue
            found.append(f"{path.name}:{node.lineno} select({target.__name__})")
    return found


def test_root_lists_read_through_scoped_select() -> None:
    bypass = [hit for path in sorted(QUERIES.glob("*.py")) for hit in _scoped_models_selected_whole(path)]
    assert bypass == [], f"root fields selecting a scoped table without scoped_select: {bypass}"


def test_the_check_sees_a_bypass(tmp_path: pathlib.Path) -> None:
    probe = QUERIES / "core.py"
    source = probe.read_text() + "\n\ndef _probe():\n    return select(Member)\n"
    copy = tmp_path / "core.py"
    copy.write_text(source)
    assert [h for h in _scoped_models_selected_whole(copy) if "Member" in h]
