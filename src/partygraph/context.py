"""What every request carries: the viewer, the database session, the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from partygraph.config import Settings
from partygraph.models.account import WRITING_ROLES, Role


@dataclass(frozen=True)
class Viewer:
    account_id: int | None
    username: str
    display_name: str
    role: Role
    org_id: int
    org_path: str
    read_only: bool = False

    @property
    def can_write(self) -> bool:
        return self.role in WRITING_ROLES and not self.read_only

    def sees(self, path: str | None) -> bool:
        return path is not None and path.startswith(self.org_path)



def system_clock() -> date:
    return date.today()


@dataclass
class Context:
    """One per request (or per CLI job). Services and resolvers read it; nothing else does."""

    session: Session
    settings: Settings
    viewer: Viewer | None = None
    clock: Callable[[], date] = system_clock
    lang: str = "zh"
    loaders: dict[str, Any] = field(default_factory=dict)
    # Strawberry wants request/response on the context for its own use.
    request: Any = None
    response: Any = None
    # Set by the HTTP endpoint, which only serialises results: a cached result may come back
    # as its JSON bytes (an orjson.Fragment) instead of being decoded and encoded again.
    encoded_results: bool = False
    # Starts a queued job (partygraph.jobs) in the background; None runs it in the request.
    start_job: Callable[[str], None] | None = None

    def today(self) -> date:
        return self.clock()

    def sees_id_numbers(self) -> bool:
        """National ID numbers are shown in full only to the configured levels (docs/domain.md §3)."""
        return self.viewer is not None and self.viewer.role in self.settings.unmasked_roles

    def loader(self, name: str, factory: Callable[[], Any]) -> Any:
        if name not in self.loaders:
            self.loaders[name] = factory()
        return self.loaders[name]


# The operator at the command line (demo loading, imports, migrations): sees the whole tree.
SYSTEM_VIEWER = Viewer(
    account_id=None,
    username="system",
    display_name="系统",
    role=Role.county,
    org_id=0,
    org_path="",
)
