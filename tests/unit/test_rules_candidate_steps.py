"""Drift: every consumer of a step's data takes exactly what rules/candidate_steps.py declares."""

from __future__ import annotations

import dataclasses
from typing import Any

from starlette.datastructures import FormData

from partygraph.admin.pages import candidate as admin
from partygraph.exports import CANDIDATE_FIELDS
from partygraph.graphql.mutations.candidate import RecordCandidateStepInput
from partygraph.graphql.mutations.candidate_vote import RecordCandidateVoteInput
from partygraph.imports.candidate import HEADERS
from partygraph.rules.candidate import Step
from partygraph.rules.candidate_steps import (
    EVERY_STEP,
    STEP_FIELDS,
    Kind,
    camel,
    field_kinds,
    fields_of,
)
from partygraph.services.candidate import StepInput

# What a step input carries besides its data: the step, its date, a reason, its documents.
OWN = {"step", "on", "reason", "documents"}
ALL = [f for fields in (*STEP_FIELDS.values(), EVERY_STEP) for f in fields]


def _input_names(cls: Any) -> set[str]:
    return {f.python_name for f in cls.__strawberry_definition__.fields}


def test_a_name_means_one_kind_and_one_place_in_the_data() -> None:
    seen: dict[str, tuple[Kind, str | None]] = {}
    for f in ALL:
        assert seen.setdefault(f.name, (f.kind, f.key)) == (f.kind, f.key), f.name


def test_the_service_input_takes_the_declared_data() -> None:
    assert {f.name for f in dataclasses.fields(StepInput)} - OWN == set(field_kinds())


def test_the_graphql_step_input_takes_the_declared_data() -> None:
    assert _input_names(RecordCandidateStepInput) - OWN - {"candidate_id", "version"} == set(field_kinds())


def test_the_graphql_vote_input_takes_the_vote_steps_data_but_the_decision() -> None:
    vote_data = {
        f.name for s in (Step.admission_vote, Step.conversion_vote) for f in fields_of(s) if f.kind != Kind.decision
    }
    assert _input_names(RecordCandidateVoteInput) & set(field_kinds()) == vote_data


def test_every_datum_is_in_the_ledger_or_says_why_not() -> None:
    for f in ALL:
        ways = [f.ledger is not None, f.implied is not None, bool(f.not_in_ledger)]
        assert ways.count(True) == 1, f.name
        if f.ledger:
            assert f.ledger in HEADERS and f.ledger in CANDIDATE_FIELDS, f.name


class _Page:
    @staticmethod
    def t(text: str) -> str:
        return text


def test_the_admin_form_sends_every_declared_datum_of_the_step() -> None:
    values = {
        Kind.text: "x", Kind.date: "2024-05-01", Kind.int: "2", Kind.float: "1.5", Kind.bool: "1",
        Kind.members: "TWVtYmVyOjE=", Kind.choices: "form",
    }  # fmt: skip
    for step in Step:
        fields = fields_of(step)
        form = FormData([("on", "2024-05-01")] + [(f.name, values.get(f.kind, next(iter(f.choices), ""))) for f in fields])
        errors: dict[str, str] = {}
        sent = admin._step_input(_Page(), {"id": "c", "version": 1}, form, step.value, errors, [])  # type: ignore[arg-type]
        assert not errors
        want = {camel(f.name) for f in fields if f.kind != Kind.decision}
        assert set(sent) - {"candidateId", "version", "step", "on"} == want, step
