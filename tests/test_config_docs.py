"""The configuration examples of docs/ that claim to be the shipped configuration are it."""

from __future__ import annotations

import textwrap

import yaml
from harness import ROOT


def _indented_block_after(text: str, heading: str) -> str:
    """The first indented (code) block after `heading`, dedented."""
    lines = text[text.index(heading):].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("    "))
    end = next((i for i in range(start, len(lines))
                if lines[i] and not lines[i].startswith("    ")), len(lines))
    return textwrap.dedent("\n".join(lines[start:end]))


def test_the_antispam_example_headed_the_shipped_base_is_the_shipped_base() -> None:
    """An operator copies it as the base: a setting of its own (a narrower `context`, a
    lower `warn_limit`) would remove members the shipped base only warns or reports."""
    doc = (ROOT / "docs" / "handlers" / "antispam.md").read_text(encoding="utf-8")
    heading = "## Example (the shipped base, which every type extends)"
    example = yaml.safe_load(_indented_block_after(doc, heading))["handlers"]
    base = yaml.safe_load((ROOT / "config" / "types" / "base.yaml").read_text(
        encoding="utf-8"))["handlers"]
    shipped = next(entry for entry in base if "antispam" in entry)
    assert example == [shipped]
