"""Branch-structure rules (支部工作条例 2018; docs/domain.md §2, docs/rules.md §2)."""

from __future__ import annotations

from dataclasses import dataclass

from partygraph.rules.base import Violation


@dataclass(frozen=True)
class StructureSettings:
    committee_threshold: int = 7  # R-ORG-03: ≥ 7 full members → a committee
    committee_min: int = 3
    committee_max: int = 7  # "一般设委员3至5人，一般不超过7人"
    branch_min_full: int = 3  # R-ORG-01
    branch_max_members: int = 50  # R-ORG-04
    general_branch_from: int = 50  # R-ORG-02
    base_committee_from: int = 100  # R-ORG-02


@dataclass(frozen=True)
class Structure:
    """What the compliance check needs to know of one organisation."""

    kind: str
    members: int  # active members (full + probationary) in its subtree
    full_members: int
    committee_size: int  # current holders of committee posts, secretary included
    has_secretary: bool


def compliance(s: Structure, settings: StructureSettings = StructureSettings()) -> list[Violation]:
    """Warnings, never blocks: a county reads them, a person fixes the structure."""
    if s.kind not in ("branch", "general_branch", "committee"):
        return []
    out: list[Violation] = []
    if not s.has_secretary:
        out.append(
            Violation(
                "R-ORG-05",
                "未配备书记",
                "No secretary in office",
            )
        )
    if s.kind != "branch":
        return out
    t = settings.committee_threshold
    if s.full_members >= t and not (settings.committee_min <= s.committee_size <= settings.committee_max):
        out.append(
            Violation(
                "R-ORG-03",
                f"正式党员 {s.full_members} 人（≥{t}），应设支部委员会，委员 {settings.committee_min}—5 人"
                f"（一般不超过 {settings.committee_max} 人），现有 {s.committee_size} 人",
                f"{s.full_members} full members (≥ {t}): a branch committee of {settings.committee_min}–5"
                f" (at most {settings.committee_max}) is required; it has {s.committee_size}",
            )
        )
    if s.full_members < t and s.committee_size > 2:
        out.append(
            Violation(
                "R-ORG-03",
                f"正式党员不足 {t} 人，不设支部委员会，只设书记（必要时设副书记），现有委员 {s.committee_size} 人",
                f"Fewer than {t} full members: a secretary (and if needed a deputy) only, no committee;"
                f" it has {s.committee_size} committee posts",
            )
        )
    if s.full_members < settings.branch_min_full:
        out.append(
            Violation(
                "R-ORG-01",
                f"正式党员不足 {settings.branch_min_full} 人，应与邻近单位成立联合党支部",
                f"Fewer than {settings.branch_min_full} full members: should form a joint branch",
            )
        )
    if s.members > settings.branch_max_members:
        out.append(
            Violation(
                "R-ORG-04",
                f"党员 {s.members} 人，超过 {settings.branch_max_members} 人，宜分设支部或成立党总支",
                f"{s.members} members exceed {settings.branch_max_members}: split the branch or form a general branch",
            )
        )
    return out
