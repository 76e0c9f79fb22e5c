"""The rule catalogue titles every code the rules and services emit, in Chinese and English."""

from __future__ import annotations

import re
from pathlib import Path

import partygraph
from partygraph.rules import catalogue
from partygraph.rules.candidate import STEP_RULES
from partygraph.rules.catalogue import _ENTRIES, AREAS, CATALOGUE

SRC = Path(partygraph.__file__).parent
# A rule code has a family and at least one more part (R-DEV-02, R-ORG-TERM); an alert code
# may be one word (A-STALLED). "R-LIFE-xx" in prose and f"R-DEV-{n:02d}" do not match.
CODE = re.compile(r"(?<![\w\[-])(?:A-[A-Z]+(?:-[A-Z0-9]+)*|R-[A-Z]+(?:-[A-Z0-9]+)+)\b")
CJK = re.compile(r"[\u3400-\u9fff]")


def emitted_codes() -> dict[str, str]:
    """code → the first file citing it, over rules/ and services/ (catalogue.py excluded)."""
    found: dict[str, str] = {}
    for folder in ("rules", "services"):
        for path in sorted((SRC / folder).rglob("*.py")):
            if path.name == "catalogue.py":
                continue
            for code in CODE.findall(path.read_text(encoding="utf-8")):
                found.setdefault(code, f"{folder}/{path.name}")
    return found


def test_every_emitted_code_has_a_title() -> None:
    found = emitted_codes()
    assert len(found) > 100  # the scan itself works
    missing = {code: where for code, where in found.items() if code not in CATALOGUE}
    assert not missing, f"codes without a catalogue entry: {missing}"


def test_every_pipeline_step_code_has_a_title() -> None:
    # steps cite codes built from their numbers, which the scan cannot see
    assert {c for c in STEP_RULES.values() if c} <= set(CATALOGUE)


def test_entries_are_unique_and_complete() -> None:
    assert len(_ENTRIES) == len(CATALOGUE)
    for code, e in CATALOGUE.items():
        assert e.code == code and CODE.fullmatch(code), code
        assert e.area in AREAS, code
        assert e.zh.strip() and CJK.search(e.zh), f"{code}: no Chinese title"
        assert e.en.strip() and not CJK.search(e.en) and e.en[0].isupper(), (
            f"{code}: no English title"
        )
        assert len(e.zh) <= 20 and len(e.en) <= 48, f"{code}: titles are short"
        assert code not in e.zh and code not in e.en  # screens add the code themselves


def test_titles_and_labels() -> None:
    assert catalogue.title("R-DEV-02") == "申请后一个月内未谈话"
    assert catalogue.title("R-DEV-02", "en") == "No talk within a month of the application"
    assert catalogue.labelled("R-DEV-02") == "申请后一个月内未谈话（R-DEV-02）"
    assert (
        catalogue.labelled("R-DEV-02", "en")
        == "No talk within a month of the application (R-DEV-02)"
    )
    # a code of a county's own, or a newer one: shown as it is
    assert catalogue.title("R-X-99") == catalogue.labelled("R-X-99", "en") == "R-X-99"
    assert catalogue.entry("R-DEV-02").in_domain_rules  # type: ignore[union-attr]
    assert not catalogue.entry("R-VIL-01").in_domain_rules  # type: ignore[union-attr]
