"""Print the figures the restructure is measured by: the longest functions, the most
complex ones (McCabe, as ruff's C901 counts), and the hand-written scope filters.

Usage: python scripts/code_shape.py [--top N]
"""

from __future__ import annotations

import argparse
import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
# The runtime package and the benchmark tooling that lives apart from it: both are measured.
PACKAGES = ("partygraph", "partygraph_bench")


def complexity(fn: ast.AST) -> int:
    n = 1
    for node in ast.walk(fn):
        if isinstance(node, (ast.If, ast.For, ast.AsyncFor, ast.While, ast.IfExp, ast.ExceptHandler, ast.With, ast.AsyncWith, ast.Assert, ast.comprehension)):
            n += 1 if not isinstance(node, (ast.With, ast.AsyncWith)) else 0
        elif isinstance(node, ast.BoolOp):
            n += len(node.values) - 1
        elif isinstance(node, ast.match_case):
            n += 1
    return n


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--top", type=int, default=5)
    args = parser.parse_args()
    rows: list[tuple[int, int, str]] = []
    within = 0
    per_package: list[str] = []
    for package in PACKAGES:
        own: list[tuple[int, int, str]] = []
        for path in sorted((SRC / package).rglob("*.py")):
            text = path.read_text()
            within += len(re.findall(r"\bwithin\(", text)) - len(re.findall(r"def within\(", text))
            for node in ast.walk(ast.parse(text)):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    length = (node.end_lineno or node.lineno) - node.lineno + 1
                    own.append((length, complexity(node), f"{path.relative_to(SRC)}:{node.lineno} {node.name}"))
        per_package.append(
            f"  {package}: {len(own)} functions, longest {max(r[0] for r in own)} lines, "
            f"most complex cc {max(r[1] for r in own)}, over 80 lines: {sum(1 for r in own if r[0] > 80)}"
        )
        rows += own
    print(f"functions: {len(rows)}; within() call sites: {within}")
    print("\n".join(per_package))
    print("longest:")
    for length, cc, where in sorted(rows, reverse=True)[: args.top]:
        print(f"  {length:4d} lines  cc {cc:3d}  {where}")
    print("most complex:")
    for length, cc, where in sorted(rows, key=lambda r: (r[1], r[0]), reverse=True)[: args.top]:
        print(f"  cc {cc:3d}  {length:4d} lines  {where}")
    over = sum(1 for length, _, _ in rows if length > 80)
    print(f"functions over 80 lines: {over}")


if __name__ == "__main__":
    main()
