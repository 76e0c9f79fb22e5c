"""Every reference the code makes to the domain documents resolves inside the repository.

The code cites `docs/domain.md §2`, `docs/rules.md §1 step 15`, `docs/rules.md#r-dev-02`,
`docs/architecture.md#serving`; this scans src/, tests/, migrations/ and templates/ (and
bench/, the README, SECURITY.md and the committed schema.graphql, whose descriptions come
from the code) for such citations and fails when the file, the numbered section, the step or
the anchor is missing.
It also fails on a citation of the old notes kept outside the repository, on a seed number
the sources do not describe, on a catalogued code without its entry in docs/rules.md (or an
entry for a code the catalogue does not know), on a broken link between the documents and on
a test named in the documents that does not exist.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from partygraph.rules.catalogue import CATALOGUE

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
SCANNED = ("src", "tests", "migrations", "templates", "bench")
SCANNED_FILES = ("README.md", "SECURITY.md", "schema.graphql")
THIS = Path(__file__).resolve()
DOCUMENTS = ("domain.md", "rules.md", "sources.md", "worked-cases.md", "architecture.md")

# `docs/rules.md`, then an anchor (`#r-dev-02`) or numbered sections (`§1 step 15, §2`,
# `§2–§3`, `§2/§4/§5`).
CITATION = re.compile(r"\bdocs/([\w.-]+\.md)(?:#([\w-]+))?")
SECTIONS = re.compile(
    r"[ \t]*(§\d+(?:\s+step\s+\d+)?(?:\s*(?:/|,|–|—|-|and)\s*§\d+(?:\s+step\s+\d+)?)*)"
)
SECTION_ITEM = re.compile(r"§(\d+)(?:\s+step\s+(\d+))?")
SECTION_RANGE = re.compile(r"§(\d+)\s*[–—-]\s*§(\d+)")
# The notes the code used to cite, kept outside the repository (upper case: `DomainError`
# and `OUTSIDE_BY_DESIGN` are not citations).
FORBIDDEN = {
    "DOMAIN": re.compile(r"\bDOMAIN\b"),
    "DESIGN": re.compile(r"\bDESIGN\b"),
    "shared/": re.compile(r"\bshared/"),
}
SEED = re.compile(r"\bseeds?\s+(\d{3}(?:\s*(?:,|/|and|&)\s*\d{3})*)", re.IGNORECASE)
HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$")
EXPLICIT_ANCHOR = re.compile(r"""<a\s+(?:id|name)=["']([^"']+)["']""")
CODE_HEADING = re.compile(r"^#{2,6}[ \t]+((?:R|A)-[A-Z0-9]+(?:-[A-Z0-9]+)*)[ \t]*$", re.MULTILINE)
DOC_LINK = re.compile(r"\]\((?!https?:|mailto:)([^)\s#]*)(?:#([^)\s]+))?\)")
TEST_REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def text_files() -> Iterator[tuple[Path, str]]:
    paths = [p for folder in SCANNED for p in sorted((ROOT / folder).rglob("*"))]
    for path in [*paths, *(ROOT / name for name in SCANNED_FILES)]:
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        try:
            yield path, path.read_text(encoding="utf-8")
        except UnicodeDecodeError:  # a binary file (an image, a compiled catalogue)
            continue


def where(path: Path, text: str, offset: int) -> str:
    return f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, offset) + 1}"


def headings(markdown: str) -> Iterator[tuple[int, str]]:
    """(level, text) of every heading outside fenced code blocks."""
    fenced = False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        m = None if fenced else HEADING.match(line)
        if m:
            yield len(m.group(1)), m.group(2)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"`|\*\*|__|\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


@cache
def document(name: str) -> str:
    path = DOCS / name
    return path.read_text(encoding="utf-8") if path.is_file() else ""


@cache
def anchors(name: str) -> frozenset[str]:
    text = document(name)
    seen: dict[str, int] = {}
    out = set(EXPLICIT_ANCHOR.findall(text))
    for _, heading in headings(text):
        base = slug(heading)
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.add(base if n == 0 else f"{base}-{n}")
    return frozenset(out)


@cache
def numbered_sections(name: str) -> frozenset[int]:
    return frozenset(
        int(m.group(1)) for _, h in headings(document(name)) if (m := re.match(r"§(\d+)\b", h))
    )


def cited_sections(run: str) -> set[tuple[int, int | None]]:
    """(section, step or None) for `§1 step 15, §2` and every section of a range `§2–§4`."""
    out: set[tuple[int, int | None]] = {
        (int(s), int(step) if step else None) for s, step in SECTION_ITEM.findall(run)
    }
    for a, b in SECTION_RANGE.findall(run):
        out |= {(n, None) for n in range(int(a), int(b) + 1)}
    return out


def citation_problems(path: Path, text: str) -> list[str]:
    problems = []
    for m in CITATION.finditer(text):
        name, anchor = m.group(1), m.group(2)
        at = where(path, text, m.start())
        if not (DOCS / name).is_file():
            problems.append(f"{at}: docs/{name} does not exist")
            continue
        if anchor and anchor not in anchors(name):
            problems.append(f"{at}: docs/{name} has no anchor #{anchor}")
        run = SECTIONS.match(text, m.end())
        for section, step in cited_sections(run.group(1)) if run else set():
            if section not in numbered_sections(name):
                problems.append(f"{at}: docs/{name} has no section §{section}")
            elif step is not None and not (
                name == "rules.md"
                and section == 1
                and re.search(rf"^\| {step} \|", document(name), re.M)
            ):
                problems.append(f"{at}: docs/{name} §{section} has no step {step}")
    return problems


# --- the documents ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", DOCUMENTS)
def test_the_documents_exist(name: str) -> None:
    assert document(name).strip(), f"docs/{name} is missing or empty"


def test_sections_the_code_cites_by_number_are_there() -> None:
    assert numbered_sections("domain.md") >= set(range(1, 10))
    assert numbered_sections("rules.md") >= set(range(1, 8))


# --- citations in the code ----------------------------------------------------------------------


def test_every_docs_citation_resolves() -> None:
    problems: list[str] = []
    cited = 0
    for path, text in text_files():
        cited += len(CITATION.findall(text))
        problems += citation_problems(path, text)
    assert cited > 50  # the scan itself works
    assert not problems, "citations that do not resolve:\n" + "\n".join(problems)


def test_no_citation_of_notes_outside_the_repository() -> None:
    found = [
        f"{where(path, text, m.start())}: {label} ({text[m.start() : m.start() + 30]!r})"
        for path, text in text_files()
        if path.resolve() != THIS  # this file names the patterns it refuses
        for label, pattern in FORBIDDEN.items()
        for m in pattern.finditer(text)
    ]
    assert not found, "cite the documents under docs/ instead:\n" + "\n".join(found)


def test_every_seed_cited_is_described_in_the_sources() -> None:
    missing = [
        f"{where(path, text, m.start())}: seed {n}"
        for path, text in text_files()
        for m in SEED.finditer(text)
        for n in re.findall(r"\d{3}", m.group(1))
        if f"seed-{n}" not in anchors("sources.md")
    ]
    assert not missing, "seeds without a description in docs/sources.md:\n" + "\n".join(missing)


# --- the rule catalogue and docs/rules.md -----------------------------------------------------------


def code_entries() -> dict[str, str]:
    """code → the text of its entry in docs/rules.md (its heading up to the next heading)."""
    text = document("rules.md")
    out: dict[str, str] = {}
    for m in CODE_HEADING.finditer(text):
        code, end = m.group(1), m.end()
        assert code not in out, f"docs/rules.md documents {code} twice"
        following = re.search(r"^#{1,6}[ \t]", text[end:], re.MULTILINE)
        out[code] = text[end : end + following.start()] if following else text[end:]
    return out


def test_every_catalogued_code_is_documented_and_only_those() -> None:
    documented = set(code_entries())
    assert not set(CATALOGUE) - documented, (
        f"codes without an entry in docs/rules.md: {sorted(set(CATALOGUE) - documented)}"
    )
    assert not documented - set(CATALOGUE), (
        f"docs/rules.md documents codes the catalogue does not know: {sorted(documented - set(CATALOGUE))}"
    )


def test_each_entry_agrees_with_the_catalogue() -> None:
    problems = []
    for code, entry in code_entries().items():
        e = CATALOGUE.get(code)
        if e is None:
            continue
        if e.zh not in entry or e.en not in entry:
            problems.append(
                f"{code}: the entry does not give the catalogue's titles {e.zh!r} / {e.en!r}"
            )
        marker = "**Official code**" if e.in_domain_rules else "**Own code**"
        if marker not in entry:
            problems.append(f"{code}: the entry should say {marker}")
    assert not problems, "\n".join(problems)


# --- the documents among themselves ------------------------------------------------------------


def test_links_between_the_documents_resolve() -> None:
    problems = []
    for name in DOCUMENTS:
        text = document(name)
        for m in DOC_LINK.finditer(text):
            target, anchor = m.group(1) or name, m.group(2)
            at = f"docs/{name}:{text.count(chr(10), 0, m.start()) + 1}"
            if not (DOCS / target).is_file():
                problems.append(f"{at}: {target} does not exist")
            elif anchor and target.endswith(".md") and anchor not in anchors(target):
                problems.append(f"{at}: {target} has no anchor #{anchor}")
    assert not problems, "\n".join(problems)


def test_tests_named_in_the_documents_exist() -> None:
    problems = []
    named = 0
    for name in DOCUMENTS:
        for m in TEST_REFERENCE.finditer(document(name)):
            named += 1
            path, test = ROOT / m.group(1), m.group(2)
            if not path.is_file():
                problems.append(f"docs/{name}: {m.group(1)} does not exist")
            elif not re.search(
                rf"^(?:async )?def {test}\(", path.read_text(encoding="utf-8"), re.MULTILINE
            ):
                problems.append(f"docs/{name}: {m.group(1)} has no test {test}")
    assert named > 40  # the worked cases name their tests
    assert not problems, "\n".join(problems)
