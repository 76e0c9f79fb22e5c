"""Rule settings: a deployment's TOML overrides change the rules and are shown, never silent."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from partygraph.config import Settings
from partygraph.rule_settings import RuleSettingsError, load
from tests.conftest import GQL, login

APPLY = """mutation($input: ApplyForMembershipInput!) { applyForMembership(input: $input) {
  __typename ... on Error { code field } } }"""


def _apply_at_19(world) -> dict:
    return {"input": {"orgId": world.gid("Organization", "V1"), "appliedOn": "2026-10-01", "name": "周九",
                      "gender": "male", "birthDate": "2007-05-01", "education": "senior_high"}}


def test_rules_file_overrides_and_validation(tmp_path: Path) -> None:
    f = tmp_path / "county.toml"
    f.write_text('[pipeline]\nmin_age = 20\nstalled_after_months = 3\n[pipeline.vote]\nquorum = "2/3"\n', encoding="utf-8")
    s = Settings.from_env({"PARTYGRAPH_RULES_FILE": str(f)}, secret_key="x")
    assert (s.pipeline.min_age, s.pipeline.stalled_after_months, str(s.pipeline.vote.quorum)) == (20, 3, "2/3")
    assert s.evaluation == Settings().evaluation  # untouched groups keep their defaults
    for bad, why in (
        ("[pipeline]\nno_such = 1\n", "unknown settings"),
        ("[nowhere]\nx = 1\n", "unknown sections"),
        ('[pipeline]\nmin_age = "old"\n', "whole number"),
        ("[pipeline]\nmin_age = \n", "cannot read"),
    ):
        f.write_text(bad, encoding="utf-8")
        with pytest.raises(RuleSettingsError, match=why):
            load(f)


def test_a_stricter_setting_changes_the_rule(gql, world, session_factory, clock) -> None:
    # 19 years old: allowed by the national rule (18) ...
    assert gql(APPLY, _apply_at_19(world), user="village")["applyForMembership"]["__typename"] == "CandidatePayload"
    # ... refused where the county requires 20, with the same rule code.
    strict = GQL(session_factory, replace(gql.settings, pipeline=replace(gql.settings.pipeline, min_age=20)), clock)
    data = _apply_at_19(world)
    data["input"]["name"] = "吴十"
    r = strict(APPLY, data, user="village")["applyForMembership"]
    assert (r["__typename"], r["code"]) == ("RuleViolation", "R-DEV-01")


def test_settings_are_listed_with_changes_marked(gql, world, session_factory, clock) -> None:
    q = "{ ruleSettings { name settings { key value default changed } } }"
    groups = {g["name"]: g for g in gql(q)["ruleSettings"]}
    assert set(groups) == {"pipeline", "structure", "branch_life", "evaluation", "assistance"}
    assert not any(s["changed"] for g in groups.values() for s in g["settings"])
    local = replace(gql.settings, pipeline=replace(gql.settings.pipeline, notice_working_days=7))
    rows = {s["key"]: s for g in GQL(session_factory, local, clock)(q)["ruleSettings"] for s in g["settings"] if g["name"] == "pipeline"}
    assert rows["notice_working_days"] == {"key": "notice_working_days", "value": "7", "default": "5", "changed": True}
    assert rows["vote.quorum"]["value"] == "1/2" and not rows["vote.quorum"]["changed"]


def test_settings_page(client, world) -> None:
    login(client, "viewer")
    page = client.get("/admin/settings")
    assert page.status_code == 200
    assert "pipeline.min_age" in page.text and "全部为默认值" in page.text
