"""WHERE and ORDER BY for the SOQL subset: literals checked against field types, compiled to closures."""

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

from . import ids
from .values import ID_TYPES, NUMBER_TYPES, TEXT_TYPES, canonical_datetime, valid_date

_OPERATORS = {
    "=": operator.eq,
    "!=": operator.ne,
    "<>": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_TYPE_NAMES = {"boolean": "boolean", "date": "date", "datetime": "dateTime"}


@dataclass
class Literal:
    kind: str  # string, number, boolean, null, date, datetime
    value: object
    pos: int


def _typed(item, literal: Literal, fail: Callable) -> object:
    """The literal in the stored form of `item`'s values (text folded for case-insensitive matching)."""
    kind = item.type
    if kind in TEXT_TYPES or kind in ID_TYPES:
        if literal.kind != "string":
            fail(
                f"value of filter criterion for field '{item.name}' must be of type string and should be enclosed "
                "in quotes"
            )
        if kind in TEXT_TYPES:
            return literal.value.casefold()
        normal = ids.normalize(literal.value)
        if normal is None:
            fail(f"invalid ID field: {literal.value}", "INVALID_QUERY_FILTER_OPERATOR")
        return normal
    if kind in NUMBER_TYPES:
        if literal.kind != "number":
            fail(
                f"value of filter criterion for field '{item.name}' must be of type {kind} and should not be "
                "enclosed in quotes"
            )
        return float(literal.value)
    if literal.kind != kind:
        fail(
            f"value of filter criterion for field '{item.name}' must be of type {_TYPE_NAMES.get(kind, kind)} and "
            "should not be enclosed in quotes"
        )
    if kind == "datetime":
        return canonical_datetime(literal.value) or fail(f"invalid date-time: {literal.value}")
    if kind == "date" and not valid_date(literal.value):
        fail(f"invalid date: {literal.value}")
    return literal.value


def compile_comparison(item, op: str, literal: Literal, fail: Callable) -> Callable[[dict], bool]:
    name = item.name
    if literal.kind == "null":
        if op == "=":
            return lambda row: row.get(name) is None
        if op in ("!=", "<>"):
            return lambda row: row.get(name) is not None
        fail(f"invalid operator {op} for a null value", "INVALID_QUERY_FILTER_OPERATOR")
    if item.type == "boolean" and op not in ("=", "!=", "<>"):
        fail(f"invalid operator on boolean field: {op}", "INVALID_QUERY_FILTER_OPERATOR")
    value = _typed(item, literal, fail)
    fold = item.type in TEXT_TYPES
    compare = _OPERATORS[op]
    if op in ("!=", "<>"):
        if fold:
            return lambda row: (current := row.get(name)) is None or current.casefold() != value
        return lambda row: row.get(name) != value
    if fold:
        return lambda row: (current := row.get(name)) is not None and compare(current.casefold(), value)
    return lambda row: (current := row.get(name)) is not None and compare(current, value)


def compile_like(item, literal: Literal, fail: Callable) -> Callable[[dict], bool]:
    if item.type not in TEXT_TYPES:
        fail(f"invalid operator on {item.type} field: LIKE", "INVALID_QUERY_FILTER_OPERATOR")
    if literal.kind != "string":
        fail(
            f"value of filter criterion for field '{item.name}' must be of type string and should be enclosed in quotes"
        )
    pattern = "".join(".*" if char == "%" else "." if char == "_" else re.escape(char) for char in literal.value)
    matcher = re.compile(pattern, re.IGNORECASE | re.DOTALL).fullmatch
    name = item.name
    return lambda row: (current := row.get(name)) is not None and matcher(current) is not None


def compile_in(item, values: list[Literal] | set, negate: bool, fail: Callable) -> Callable[[dict], bool]:
    name = item.name
    fold = item.type in TEXT_TYPES
    if isinstance(values, set):  # a semi-join's ids
        allowed, with_null = values, False
    else:
        with_null = any(literal.kind == "null" for literal in values)
        allowed = {_typed(item, literal, fail) for literal in values if literal.kind != "null"}
    if fold:

        def matches(row):
            current = row.get(name)
            return with_null if current is None else current.casefold() in allowed
    else:

        def matches(row):
            current = row.get(name)
            return with_null if current is None else current in allowed

    if negate:
        return lambda row: not matches(row)
    return matches


def sort_records(rows: list[dict], order: list[tuple[str, bool, bool, bool]]) -> list[dict]:
    """Sort by each key, last key first, relying on the sort being stable (also with reverse=True)."""
    for name, descending, nulls_last, fold in reversed(order):
        null_rank = (0 if nulls_last else 1) if descending else (1 if nulls_last else 0)
        value_rank = 1 - null_rank

        def key(row, name=name, fold=fold, null_rank=null_rank, value_rank=value_rank):
            current = row.get(name)
            if current is None:
                return null_rank, 0
            return value_rank, current.casefold() if fold else current

        rows.sort(key=key, reverse=descending)
    return rows
