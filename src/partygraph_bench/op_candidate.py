"""(5) One pipeline step: `recordCandidateStep` as the admin's PipelineRecordStep sends it.

The step is an activist's six-monthly review (R-DEV-06) dated today, on a generated
activist of the village (of the township or county when the village has none), recorded
as the account of that organisation, commit included. The service reads the file, checks
the step against the rules, appends the step, bumps the candidate's version and writes
its audit event; after each timing the step and its audit row are deleted and the
candidate restored (untimed). The floor does the same by hand: read the candidate and its
steps, the same rule check (`rules.pipeline.check_step`), INSERT the step, UPDATE the
candidate (compare-and-set on the version), INSERT the audit event, COMMIT.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from strawberry.relay import GlobalID

from partygraph.admin.core import operation
from partygraph.models.organization import subtree_upper_bound
from partygraph.rules import candidate as rp
from partygraph_bench.op_alerts import _d, _json

if TYPE_CHECKING:
    from partygraph.context import Viewer
    from partygraph_bench.run import Anchor, Bench, OpResult

RECORD_STEP = operation("PipelineRecordStep")


def _activist(bench: Bench, anchor: Anchor) -> tuple[int, int, Any, Any] | None:
    rows = bench.sql(
        "SELECT id, version, last_step_on, updated_at FROM candidate WHERE org_path >= ? AND org_path < ? "
        "AND stage = 'activist' ORDER BY id LIMIT 1",
        (anchor.path, subtree_upper_bound(anchor.path)),
    )
    return tuple(rows[0]) if rows else None


def measure_pipeline_step(bench: Bench, anchors: list[Anchor]) -> OpResult:
    """On the first of `anchors` (village, township, county) that holds an activist."""
    found = next(((a, c) for a in anchors if (c := _activist(bench, a)) is not None), None)
    if found is None:
        raise RuntimeError(
            "no activist under the bench accounts: was the database generated with candidates?"
        )
    anchor, (cid, version, last_step_on, updated_at) = found
    viewer = anchor.viewer
    top_step = bench.sql(
        "SELECT coalesce(max(id), 0) FROM candidate_step WHERE candidate_id = ?", (cid,)
    )[0][0]
    top_audit = bench.sql("SELECT coalesce(max(id), 0) FROM audit_event")[0][0]
    variables = {
        "input": {
            "candidateId": str(GlobalID("Candidate", str(cid))),
            "step": "activist_review",
            "on": bench.today.isoformat(),
            "passed": True,
        }
    }

    def op(i: int) -> None:
        data = json.loads(bench.gql(RECORD_STEP, variables, viewer))["recordCandidateStep"]
        if data["__typename"] != "CandidateStepPayload":
            raise RuntimeError(f"recordCandidateStep failed: {data}")

    def floor(i: int) -> None:
        _record_review(bench, viewer, cid, last_step_on)

    def undo(_: Any) -> None:
        bench.sql(
            "DELETE FROM audit_event WHERE object_type = 'Candidate' AND object_id = ? AND id > ?",
            (cid, top_audit),
        )
        bench.sql("DELETE FROM candidate_step WHERE candidate_id = ? AND id > ?", (cid, top_step))
        bench.sql(
            "UPDATE candidate SET version = ?, last_step_on = ?, updated_at = ? WHERE id = ?",
            (version, last_step_on, updated_at, cid),
        )
        bench.raw.commit()

    return bench.measure(
        "pipeline_step",
        f"(5) recordCandidateStep (an activist's six-monthly review, today) as {anchor.username}, commit included; undone after each timing",
        op,
        floor,
        after=undo,
        floor_statements=6,
    )


def _check_review(bench: Bench, cid: int, birth_date: Any) -> None:
    """The service's rule check of today's review against the candidate's steps."""
    history = [
        rp.StepRecord(rp.Step(step), _d(on), outcome, _json(data) or {})
        for step, on, outcome, data in bench.sql(
            'SELECT step, "on", outcome, data FROM candidate_step WHERE candidate_id = ? ORDER BY id',
            (cid,),
        )
    ]
    new = rp.StepRecord(rp.Step.activist_review, bench.today, None, {"passed": True})
    problem = rp.check_step(
        history, new, birth_date=_d(birth_date), settings=bench.settings.pipeline, today=bench.today
    )
    if problem:
        raise RuntimeError(problem.message_en)


def _record_review(bench: Bench, viewer: Viewer, cid: int, last_step_on: Any) -> None:
    """The floor: read and check, INSERT the step, compare-and-set the candidate, audit, COMMIT."""
    iso_today = bench.today.isoformat()
    row = bench.sql(
        "SELECT id, org_path, stage, version, birth_date FROM candidate WHERE id = ?", (cid,)
    )[0]
    _check_review(bench, cid, row[4])
    now = time.strftime("%Y-%m-%d %H:%M:%S")
    step_id = bench.sql(
        'INSERT INTO candidate_step (candidate_id, org_path, step, "on", outcome, data, documents, recorded_by, recorded_by_name, created_at) '
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (cid, row[1], "activist_review", iso_today, None, json.dumps({"passed": True}), "[]",
         viewer.account_id, viewer.username, now),
    )[0][0]  # fmt: skip
    updated = bench.sql(
        "UPDATE candidate SET last_step_on = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ? RETURNING version",
        (iso_today, now, cid, row[3]),
    )
    if not updated:
        raise RuntimeError("conflict")
    after = {
        "last_step_on": iso_today,
        "version": updated[0][0],
        "step": {"id": step_id, "step": "activist_review", "on": iso_today, "outcome": None},
    }
    bench.sql(
        "INSERT INTO audit_event (at, actor_id, actor_name, action, object_type, object_id, org_path, before, after) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (now, viewer.account_id, viewer.username, "candidate.step.activist_review", "Candidate", cid, row[1],
         json.dumps({"last_step_on": str(last_step_on), "version": row[3]}), json.dumps(after)),
    )  # fmt: skip
    bench.raw.commit()
