"""h70: a replay step with a mistyped key gets the known key nearest to it, as a scenario's
own keys do (review s42 r51: `wiat: 10` got "each step has exactly one of: ...")."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import SHIPPED, groupbot


def _replayed(tmp_path: Path, step: str) -> tuple[int, str]:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(f"""config: {SHIPPED}
start: "2026-12-02 10:00"
groups: [{{id: c1, topic: "Customer 01 客户群", members: [carol]}}]
steps:
  - say: {{group: c1, from: carol, text: "签到"}}
  - {step}
""", encoding="utf-8")
    ran = groupbot("replay", str(scenario))
    return ran.returncode, ran.stderr


@pytest.mark.parametrize(("step", "said"), [
    ("wiat: 10", "steps[1].wiat: unknown key; did you mean `wait`?"),
    ('sya: {group: c1, from: carol, text: "hi"}', "steps[1].sya: unknown key; did you mean "
                                                  "`say`?"),
    ("{aftre: 1m, wait: 10}", "steps[1].aftre: unknown key; did you mean `after`?"),
    ("{wait: 10, restrat: true}", "steps[1].restrat: unknown key; did you mean `restart`?"),
])
def test_a_mistyped_step_key_gets_the_nearest_known_one(tmp_path: Path, step: str,
                                                       said: str) -> None:
    assert _replayed(tmp_path, step) == (2, f"{tmp_path / 's.yaml'}:6: {said}\n")


def test_a_key_near_no_step_gets_the_list_of_steps(tmp_path: Path) -> None:
    assert _replayed(tmp_path, "shout: 10") == (2, (
        f"{tmp_path / 's.yaml'}:6: steps[1]: each step has exactly one of: join, leave, say, "
        "dm, friend_request, rename, rename_group, invite_bot, wait, restart\n"))
