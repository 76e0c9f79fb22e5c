"""Print the figures the restructure is measured by: the longest functions, the most
complex ones (McCabe, as ruff's C901 counts), and the hand-written scope filters.

Usage: python scripts/code_shape.py [--top N]
"""

from __future__ import annotations

import argparse
import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "src" / "partygraph"


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
    rows = []
    within = 0
    for path in sorted(ROOT.rglob("*.py")):
        text = path.read_text()
        within += len(re.findall(r"\bwithin\(", text)) - len(re.findall(r"def within\(", text))
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                rows.append((length, complexity(node), f"{path.relative_to(ROOT.parent)}:{node.lineno} {node.name}"))
    print(f"functions: {len(rows)}; within() call sites: {within}")
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
