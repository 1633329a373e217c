"""YAML loading that remembers where every value came from, so errors name file:line."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

KeyPath = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Where:
    file: Path
    line: int


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input file: where, which key, and what."""

    where: Where
    path: KeyPath
    message: str

    def __str__(self) -> str:
        key = f" {format_path(self.path)}:" if self.path else ""
        return f"{self.where.file}:{self.where.line}:{key} {self.message}"


class InputError(Exception):
    """An input file (config, scenario) is invalid; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def format_path(path: KeyPath) -> str:
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


@dataclass(frozen=True, slots=True)
class Located:
    """Loaded YAML data plus the line of every key path in it."""

    data: Any
    file: Path
    lines: Mapping[KeyPath, int]

    def where(self, path: KeyPath) -> Where:
        """The line of the deepest part of `path` that exists in the file."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return Where(self.file, line)
        return Where(self.file, 1)

    def problem(self, path: KeyPath, message: str) -> Problem:
        return Problem(self.where(path), path, message)


def load(file: Path) -> Located:
    """Parse one YAML file; syntax errors and duplicate keys raise InputError with the line."""
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError([Problem(Where(file, 1), (), f"cannot read: {exc.strerror}")]) from None
    except UnicodeDecodeError:
        raise InputError([Problem(Where(file, 1), (), "not UTF-8 text")]) from None
    loader = yaml.SafeLoader(text)
    lines: dict[KeyPath, int] = {}
    try:
        node = loader.get_single_node()
        data = _build(loader, node, (), lines, file) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        reason = exc.problem or exc.context or "invalid YAML"
        raise InputError([Problem(Where(file, line), (), f"YAML syntax: {reason}")]) from None
    finally:
        loader.dispose()
    return Located(data, file, lines)


def _build(
    loader: yaml.SafeLoader, node: yaml.Node, path: KeyPath, lines: dict[KeyPath, int], file: Path
) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int)):
                raise InputError([Problem(Where(file, key_node.start_mark.line + 1), path,
                                          f"a key must be text, not {key!r}")])
            if key in result:
                raise InputError([Problem(Where(file, key_node.start_mark.line + 1),
                                          (*path, key), "duplicate key")])
            result[key] = _build(loader, value_node, (*path, key), lines, file)
            lines[(*path, key)] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, item, (*path, i), lines, file) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def validate(
    model: type[M], located: Located, data: Any, at: KeyPath = (), context: Any = None
) -> M:
    """Validate `data` (found at key path `at` in `located`) with a pydantic model.

    Raises InputError naming file:line and the full key path of every bad value.
    """
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            path = (*at, *(p for p in error["loc"] if isinstance(p, (str, int))))
            problems.append(located.problem(path, describe(error)))
        raise InputError(problems) from None


def describe(error: Any) -> str:
    """A pydantic error in an operator's words."""
    if error["type"] == "extra_forbidden":
        return "unknown key"
    if error["type"] == "missing":
        return "required key is missing"
    message = str(error["msg"])
    return message.removeprefix("Value error, ")
