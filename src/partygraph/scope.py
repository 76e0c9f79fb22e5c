"""The one place that limits reads to the viewer's subtree.

Every query for scoped rows goes through `within`; resolvers never build
their own path filters. Out-of-scope rows are simply absent, so an id from
another township answers "not found", never "forbidden".
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, false, true

from partygraph.context import Viewer
from partygraph.models.organization import subtree_upper_bound


def path_range(column: SQLColumnExpression[str | None], path: str) -> ColumnElement[bool]:
    """Rows whose path lies in the subtree rooted at `path`: an index range scan."""
    if not path:  # the system viewer's root: everything
        return true()
    return and_(column >= path, column < subtree_upper_bound(path))


def within(column: SQLColumnExpression[str | None], viewer: Viewer | None) -> ColumnElement[bool]:
    if viewer is None:
        return false()
    return path_range(column, viewer.org_path)
