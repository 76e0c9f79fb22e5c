"""The fields each mutation and its services can report, found by reading the source (ast).

From each resolver the reader follows calls into its services, their helpers and the rules,
and collects the literal field names given where a function takes `field` (violation(),
Violation, NotFoundError, check_date, db_id, …), a parameter's default when a call leaves it
out. It over-reads (a branch not taken on this path still counts) and skips computed names.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path

import partygraph

ROOT = Path(partygraph.__file__).parent
SCANNED = ("errors.py", "rules", "services", "graphql/mutations")
# Constructors whose argument `field` sits at a fixed place (dataclasses and exception classes).
CONSTRUCTORS = {"Violation": 3, "NotFoundError": 2, "DomainError": 2}


@dataclass
class Module:
    name: str
    functions: dict[str, ast.FunctionDef] = dc_field(default_factory=dict)
    tables: dict[str, ast.expr] = dc_field(default_factory=dict)  # module-level values: dispatch tables of checks
    imports: dict[str, tuple[str, str | None]] = dc_field(default_factory=dict)  # alias → (module, name or None)


def _modules() -> dict[str, Module]:
    out: dict[str, Module] = {}
    for part in SCANNED:
        base = ROOT / part
        for path in [base] if base.is_file() else sorted(base.glob("*.py")):
            name = "partygraph." + ".".join(path.relative_to(ROOT).with_suffix("").parts)
            mod = out[name] = Module(name)
            for node in ast.parse(path.read_text()).body:
                if isinstance(node, ast.FunctionDef):
                    mod.functions[node.name] = node
                elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
                    mod.tables[node.target.id] = node.value
                elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                    mod.tables[node.targets[0].id] = node.value
                elif isinstance(node, ast.ImportFrom) and node.module:
                    for a in node.names:
                        sub = f"{node.module}.{a.name}"
                        mod.imports[a.asname or a.name] = (sub, None) if sub.startswith("partygraph.") and _is_module(sub) else (node.module, a.name)
    return out


def _is_module(dotted: str) -> bool:
    rel = Path(*dotted.split(".")[1:])
    return (ROOT / rel).with_suffix(".py").is_file() or (ROOT / rel / "__init__.py").is_file()


def _text(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
        # f"attendance.{i}.memberId": any index stands for all
        return "".join(str(v.value) if isinstance(v, ast.Constant) else "0" for v in node.values)
    return None


def _field_param(fn: ast.FunctionDef) -> tuple[int, str | None] | None:
    for i, a in enumerate(fn.args.args):
        if a.arg in ("field", "field_name"):
            defaults = fn.args.defaults
            j = i - (len(fn.args.args) - len(defaults))
            return i, _text(defaults[j]) if j >= 0 else None
    for a, d in zip(fn.args.kwonlyargs, fn.args.kw_defaults, strict=True):
        if a.arg in ("field", "field_name"):
            return -1, _text(d)
    return None


def _argument(call: ast.Call, position: int, default: str | None) -> str | None:
    for kw in call.keywords:
        if kw.arg in ("field", "field_name"):
            return _text(kw.value)
    if 0 <= position < len(call.args):
        return _text(call.args[position])
    return default


class Reader:
    def __init__(self) -> None:
        self.modules = _modules()

    def _resolve(self, mod: Module, func: ast.expr) -> tuple[str, str] | None:
        if isinstance(func, ast.Name):
            if func.id in mod.functions:
                return mod.name, func.id
            if func.id in mod.imports:
                m, n = mod.imports[func.id]
                return (m, n) if n else None
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in mod.imports:
            m, n = mod.imports[func.value.id]
            return (m, func.attr) if n is None else None
        return None

    def services_of(self, module: str) -> tuple[str, ...]:
        """A mutation module's services: the modules it calls into."""
        if not module.startswith("partygraph.graphql.mutations."):
            return ()
        return tuple(m for m, n in self.modules[module].imports.values() if n is None and m.startswith("partygraph.services."))

    def fields(self, module: str, fn: ast.AST, seen: set[tuple[str, str]] | None = None) -> set[str]:
        """Field names reported by calls in `fn`, following calls into the scanned modules."""
        seen = set() if seen is None else seen
        mod = self.modules[module]
        found: set[str] = set()
        for call in (n for n in ast.walk(fn) if isinstance(n, ast.Call)):
            name = call.func.id if isinstance(call.func, ast.Name) else call.func.attr if isinstance(call.func, ast.Attribute) else ""
            if name in CONSTRUCTORS:
                if (value := _argument(call, CONSTRUCTORS[name], None)) is not None:
                    found.add(value)
                continue
            target = self._resolve(mod, call.func)
            if target is None or target[0] not in self.modules:
                continue
            callee = self.modules[target[0]].functions.get(target[1])
            if callee is None:
                continue
            if (param := _field_param(callee)) is not None and (value := _argument(call, *param)) is not None:
                found.add(value)
            # Into the same module's helpers and the rules; another service's checks
            # concern its own inputs (a member's record, revalidated when a meeting touches it).
            same = target[0] in (module, *self.services_of(module)) or target[0].startswith("partygraph.rules.")
            if same and target not in seen:
                seen.add(target)
                found |= self.fields(target[0], callee, seen)
        # A check chosen from a table (`_EVIDENCE_CHECKS[step](...)`) or passed by name is
        # not a call here: follow the module's functions and tables this code names.
        for ref in (n for n in ast.walk(fn) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)):
            key = (module, ref.id)
            if key in seen:
                continue
            if ref.id in mod.functions:
                seen.add(key)
                found |= self.fields(module, mod.functions[ref.id], seen)
            elif ref.id in mod.tables:
                seen.add(key)
                found |= self.fields(module, mod.tables[ref.id], seen)
        return found

    def mutations(self, skip: tuple[str, ...] = ()) -> dict[str, set[str]]:
        """GraphQL mutation name → the field names it or its services may report (modules in `skip` left out)."""
        out: dict[str, set[str]] = {}
        for name in self.modules:
            if not name.startswith("partygraph.graphql.mutations.") or name.rsplit(".", 1)[1] in skip:
                continue
            tree = ast.parse((ROOT / Path(*name.split(".")[1:])).with_suffix(".py").read_text())
            for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
                for fn in (n for n in cls.body if isinstance(n, ast.FunctionDef)):
                    if any("mutation" in ast.unparse(d) for d in fn.decorator_list):
                        head, *rest = fn.name.split("_")
                        out[head + "".join(p.title() for p in rest)] = self.fields(name, fn)
        return out
