"""Generic, table-driven validation of composed YAML nodes.

A *kind* is a function ``(node, where) -> value`` that checks one YAML node and
returns the Python value for it; ``where`` is the dotted location used in
messages (``clusters[0].ssh.port``). A ``Schema`` describes one mapping as a
table of ``Field``s. Validation works on nodes, not on loaded data, so every
problem is reported with the line and column of the offending key or value.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

Kind = Callable[[Node, str], Any]
N = TypeVar("N", bound=Node)
Check = Callable[[Any], "str | None"]  # returns what is wrong, or None

_TAG = "tag:yaml.org,2002:"
_CONSTRUCTOR = SafeConstructor()  # only used for scalars and merge keys, which keep no state
_SCALAR_NAMES = {
    "null": "null",
    "bool": "a boolean",
    "int": "an integer",
    "float": "a number",
    "str": "a string",
    "timestamp": "a date",
    "binary": "binary data",
}


class Invalid(Exception):
    """A validation problem at a YAML position; the loader adds the file name."""

    def __init__(self, mark: yaml.Mark, what: str) -> None:
        super().__init__(what)
        self.mark = mark
        self.what = what


def fail(node: Node, where: str, what: str) -> NoReturn:
    raise Invalid(node.start_mark, f"{where}: {what}" if where else what)


def show(value: object) -> str:
    """A short, one-line rendering of a user value for messages."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    if close:
        return f"did you mean {close[0]!r}?"
    return "expected one of: " + ", ".join(choices)


def describe(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    return _SCALAR_NAMES.get(node.tag.removeprefix(_TAG), "a scalar")


def is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == _TAG + "null"


def expect(node: Node, node_type: type[N], name: str, where: str) -> N:
    if not isinstance(node, node_type) or is_null(node):
        fail(node, where, f"expected {name}, got {describe(node)}")
    return node


def _constructor(node: Node, where: str) -> Callable[[SafeConstructor, Node], Any]:
    construct: Callable[[SafeConstructor, Node], Any] | None = SafeConstructor.yaml_constructors.get(node.tag)
    if construct is None or not node.tag.startswith(_TAG):
        fail(node, where, f"unsupported tag {show(node.tag)}")
    return construct


def _construct(node: ScalarNode, where: str) -> Any:
    """The Python value of a scalar node, as PyYAML's safe loader would build it."""
    construct = _constructor(node, where)
    try:
        return construct(_CONSTRUCTOR, node)
    except (yaml.YAMLError, ValueError, OverflowError) as exc:
        reason = next(iter(str(getattr(exc, "problem", None) or exc).splitlines()), "")
        fail(node, where, f"cannot read {show(node.value)} as {describe(node)}: {reason}")


# ---------------------------------------------------------------- scalar kinds


def scalar(name: str, accept: Callable[[Any], bool], convert: Callable[[Any], Any] = lambda v: v) -> Kind:
    def validate(node: Node, where: str) -> Any:
        value = _construct(expect(node, ScalarNode, name, where), where)
        if not accept(value):
            fail(node, where, f"expected {name}, got {describe(node)} {show(node.value)}")
        return convert(value)

    return validate


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def text(node: Node, where: str) -> str:
    """Any single value, taken as written (so ``mode: off`` stays ``"off"``)."""
    expect(node, ScalarNode, "a string", where)
    _constructor(node, where)  # rejects unknown tags
    return str(node.value)


INTEGER = scalar("an integer", _is_int)
NUMBER = scalar("a number", _is_number, float)
BOOLEAN = scalar("true or false", lambda v: isinstance(v, bool))


def converted(kind: Kind, convert: Callable[[Any], Any]) -> Kind:
    return lambda node, where: convert(kind(node, where))


# ---------------------------------------------------------------- checks


def positive(value: float) -> str | None:
    if not math.isfinite(value):
        return f"must be a finite number, got {show(value)}"
    return None if value > 0 else f"must be greater than 0, got {show(value)}"


def non_negative(value: float) -> str | None:
    if not math.isfinite(value):
        return f"must be a finite number, got {show(value)}"
    return None if value >= 0 else f"must be 0 or more, got {show(value)}"


def between(low: int, high: int) -> Check:
    def check(value: int) -> str | None:
        return None if low <= value <= high else f"must be between {low} and {high}, got {value}"

    return check


def one_of(*choices: str) -> Check:
    def check(value: str) -> str | None:
        if value in choices:
            return None
        return f"unknown value {show(value)}; {suggest(value, list(choices))}"

    return check


def matches(pattern: str) -> Check:
    compiled = re.compile(pattern)

    def check(value: str) -> str | None:
        return None if compiled.fullmatch(value) else f"{show(value)} must match {pattern}"

    return check


def valid_regex(value: str) -> str | None:
    try:
        re.compile(value)
    except re.error as exc:
        return f"invalid regex {show(value)}: {exc}"
    return None


def captures(value: str) -> str | None:
    """A metric regex must capture the number (its first group)."""
    return None if re.compile(value).groups else f"regex {show(value)} needs a (group) around the number"


def non_empty(value: str) -> str | None:
    return None if value.strip() else "must not be empty"


# ---------------------------------------------------------------- mappings


@dataclass(frozen=True)
class Field:
    kind: Kind
    required: bool = False
    checks: tuple[Check, ...] = ()

    def validate(self, node: Node, where: str) -> Any:
        value = self.kind(node, where)
        run_checks(self.checks, value, node, where)
        return value


def run_checks(checks: tuple[Check, ...], value: Any, node: Node, where: str) -> None:
    """Report the first problem any check finds at ``node``."""
    for check in checks:
        problem = check(value)
        if problem:
            fail(node, where, problem)


@dataclass(frozen=True)
class Schema:
    """One YAML mapping: its fields, whole-mapping checks and how to build the result.

    ``build`` is called with the given values as keywords (absent keys keep the
    dataclass default); without it the validated values come back as a dict.
    ``line_key`` stores the mapping's 1-based line under that name.
    """

    fields: Mapping[str, Field]
    build: Callable[..., Any] | None = None
    checks: tuple[Check, ...] = ()
    line_key: str | None = None


def entries(node: MappingNode, where: str) -> Iterator[tuple[ScalarNode, Node]]:
    """Key and value nodes of a mapping: string keys, no duplicates, merge keys applied."""
    first_line: dict[str, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == _TAG + "merge":
            continue
        expect(key_node, ScalarNode, "a string key", where)
        if key_node.value in first_line:
            fail(key_node, where, f"duplicate key {show(key_node.value)} (first at line {first_line[key_node.value]})")
        first_line[key_node.value] = key_node.start_mark.line + 1
    try:
        _CONSTRUCTOR.flatten_mapping(node)
    except yaml.MarkedYAMLError as exc:
        raise Invalid(exc.problem_mark or node.start_mark, f"{where}: {exc.problem}") from None
    latest = {key.value: (key, value) for key, value in node.value if isinstance(key, ScalarNode)}
    yield from latest.values()


def mapping(schema: Schema) -> Kind:
    def validate(node: Node, where: str) -> Any:
        values = _field_values(schema, expect(node, MappingNode, "a mapping", where), where)
        run_checks(schema.checks, values, node, where)
        if schema.line_key:
            values[schema.line_key] = node.start_mark.line + 1
        return schema.build(**values) if schema.build else values

    return validate


def _field_values(schema: Schema, node: MappingNode, where: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key_node, value_node in entries(node, where):
        field = schema.fields.get(key_node.value)
        if field is None:
            known = list(schema.fields)
            fail(key_node, where, f"unknown key {show(key_node.value)}; {suggest(key_node.value, known)}")
        if is_null(value_node) and not field.required:
            continue
        values[key_node.value] = field.validate(value_node, join(where, key_node.value))
    for name, field in schema.fields.items():
        if field.required and name not in values:
            fail(node, where, f"missing required key {name!r}")
    return values


def text_pairs(key_check: Check) -> Kind:
    """A free mapping of names to values, kept in order as ``((name, value), ...)``."""

    def validate(node: Node, where: str) -> tuple[tuple[str, str], ...]:
        pairs = []
        for key_node, value_node in entries(expect(node, MappingNode, "a mapping", where), where):
            run_checks((key_check,), key_node.value, key_node, where)
            pairs.append((key_node.value, text(value_node, join(where, key_node.value))))
        return tuple(pairs)

    return validate


def join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


# ---------------------------------------------------------------- lists


def seq_of(kind: Kind, *, unique: str | None = None, needs_one: str | None = None) -> Kind:
    """A list of ``kind``.

    ``unique`` names a key that must differ between mapping items; ``needs_one``
    names the item (``"cluster"``) when an empty list is an error.
    """

    def validate(node: Node, where: str) -> tuple[Any, ...]:
        node = expect(node, SequenceNode, "a list", where)
        if needs_one and not node.value:
            fail(node, where, f"the list is empty; configure at least one {needs_one}")
        items = tuple(kind(item, f"{where}[{i}]") for i, item in enumerate(node.value))
        if unique:
            _check_unique(node, where, unique)
        return items

    return validate


def _check_unique(node: SequenceNode, where: str, key: str) -> None:
    first_line: dict[str, int] = {}
    for i, item in enumerate(node.value):
        value_node = {k.value: v for k, v in entries(item, where)}.get(key)
        if value_node is None:
            continue
        if value_node.value in first_line:
            what = f"duplicate {key} {show(value_node.value)} (first at line {first_line[value_node.value]})"
            fail(value_node, f"{where}[{i}].{key}", what)
        first_line[value_node.value] = value_node.start_mark.line + 1
