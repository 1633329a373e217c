"""A replay whose groups no binding matches says so on stderr (review s32c N11): the bot
does nothing there, and an empty stdout looked like a config with nothing to say."""

from __future__ import annotations

from pathlib import Path

from harness import SHIPPED, groupbot

SCENARIO = """\
config: {config}
start: "2026-11-23 08:55"
groups:
  - {{id: r1, topic: "Listener Recruitment 01", members: [alice]}}
  - {{id: x1, topic: "闲聊群", members: [alice]}}
  - {{id: x2, topic: "读书会", members: [alice]}}
steps:
  - say: {{group: x1, from: eve, text: "加我微信 abc888999 领福利"}}
  - say: {{group: r1, from: alice, text: "群规"}}
"""


def test_a_replay_names_the_groups_no_binding_matches_on_stderr(tmp_path: Path) -> None:
    scenario = tmp_path / "unbound.yaml"
    scenario.write_text(SCENARIO.format(config=SHIPPED), encoding="utf-8")
    ran = groupbot("replay", str(scenario))
    assert ran.returncode == 0
    out, err = ran.stdout, ran.stderr
    assert [line for line in out.splitlines() if '"group": "x' in line] == []
    assert '"group": "r1"' in out  # the bound group is served: stdout is the actions alone
    [warning] = [line for line in err.splitlines() if "no binding" in line]
    assert warning.endswith(
        "WARNING bot.replay: no binding in bot.yaml matches x1 「闲聊群」, x2 「读书会」 (by id or "
        "name): the bot does nothing there; `groupbot check` lists the bindings")


def test_a_replay_of_bound_groups_warns_of_nothing(tmp_path: Path) -> None:
    scenario = tmp_path / "bound.yaml"
    text = SCENARIO.format(config=SHIPPED)
    scenario.write_text(text[:text.index("  - {id: x1")] + "steps: []\n", encoding="utf-8")
    ran = groupbot("replay", str(scenario))
    assert ran.returncode == 0 and "no binding" not in ran.stderr
