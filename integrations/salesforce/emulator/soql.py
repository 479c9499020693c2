"""The SOQL subset the emulator answers.

    SELECT f1, f2 | COUNT() FROM T [WHERE ...] [ORDER BY f [ASC|DESC] [NULLS FIRST|LAST], ...]
        [LIMIT n] [OFFSET n]

WHERE takes AND, OR, NOT, parentheses, = != <> < <= > >=, [NOT] IN (values | SELECT f FROM T ...),
LIKE; literals are 'strings', numbers, true/false, null, date-times and dates. Field and object names
are case-insensitive, text comparisons too, as in Salesforce.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .errors import ApiError
from .soql_filters import Literal, compile_comparison, compile_in, compile_like, sort_records
from .values import TEXT_TYPES

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<string>'(?:[^'\\]|\\.)*')
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))
  | (?P<date>\d{4}-\d{2}-\d{2})
  | (?P<number>[+-]?\d+(?:\.\d+)?)
  | (?P<op><=|>=|!=|<>|=|<|>)
  | (?P<punct>[(),])
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
""",
    re.VERBOSE,
)
_KEYWORDS = frozenset(
    {
        "SELECT",
        "FROM",
        "WHERE",
        "AND",
        "OR",
        "NOT",
        "IN",
        "LIKE",
        "ORDER",
        "BY",
        "ASC",
        "DESC",
        "NULLS",
        "FIRST",
        "LAST",
        "LIMIT",
        "OFFSET",
        "TRUE",
        "FALSE",
        "NULL",
        "COUNT",
    }
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "'": "'", '"': '"', "\\": "\\"}
MAX_OFFSET = 2000


@dataclass
class Query:
    sobject: str
    fields: list[str] | None  # None for SELECT COUNT()
    where: Callable[[dict], bool] | None = None
    order: list[tuple[str, bool, bool, bool]] = field(default_factory=list)
    limit: int | None = None
    offset: int = 0

    def run(self, records: list[dict]) -> list[dict]:
        """Filter, sort and cut `records` (a snapshot) once; the result is the fixed result set."""
        rows = [row for row in records if self.where(row)] if self.where else list(records)
        if self.order:
            rows = sort_records(rows, self.order)
        end = None if self.limit is None else self.offset + self.limit
        return rows[self.offset : end] if self.offset or end is not None else rows


@dataclass
class _Token:
    kind: str
    value: str
    pos: int


def parse(text: str, types: Callable[[str], object], fetch: Callable[[str], list[dict]] | None = None) -> Query:
    """Parse `text` against the object definitions `types(name) -> SObjectType | None`.

    `fetch(sobject)` gives the live records a semi-join subquery runs over.
    """
    return _Parser(text, types, fetch).query()


class _Parser:
    def __init__(self, text: str, types, fetch):
        self.text = text
        self.types = types
        self.fetch = fetch
        self.tokens = self._tokenize(text)
        self.index = 0
        self.kind = None

    def _tokenize(self, text: str) -> list[_Token]:
        tokens, pos = [], 0
        while pos < len(text):
            match = _TOKEN.match(text, pos)
            if match is None:
                self._fail(pos, f"unexpected token: '{text[pos]}'")
            kind = match.lastgroup
            if kind != "ws":
                value = match.group()
                if kind == "name" and value.upper() in _KEYWORDS:
                    kind, value = "kw", value.upper()
                tokens.append(_Token(kind, value, pos))
            pos = match.end()
        tokens.append(_Token("end", "", len(text)))
        return tokens

    # -- errors -------------------------------------------------------------------------------------

    def _located(self, pos: int, message: str) -> str:
        row = self.text.count("\n", 0, pos) + 1
        line_start = self.text.rfind("\n", 0, pos) + 1
        line_end = self.text.find("\n", pos)
        line = self.text[line_start:] if line_end < 0 else self.text[line_start:line_end]
        column = pos - line_start
        return f"\n{line}\n{' ' * column}^\nERROR at Row:{row}:Column:{column + 1}\n{message}"

    def _fail(self, pos: int, message: str, code: str = "MALFORMED_QUERY"):
        raise ApiError(400, code, self._located(pos, message))

    def _unexpected(self):
        token = self.peek()
        self._fail(token.pos, f"unexpected token: {token.value or '<EOF>'}")

    # -- tokens -------------------------------------------------------------------------------------

    def peek(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def accept(self, kind: str, value: str | None = None) -> _Token | None:
        token = self.peek()
        if token.kind == kind and (value is None or token.value == value):
            return self.advance()
        return None

    def expect(self, kind: str, value: str | None = None) -> _Token:
        token = self.accept(kind, value)
        if token is None:
            self._unexpected()
        return token

    # -- grammar ------------------------------------------------------------------------------------

    def query(self, *, sub: bool = False) -> Query:
        self.expect("kw", "SELECT")
        count = False
        selected: list[_Token] = []
        if self.peek().kind == "kw" and self.peek().value == "COUNT":
            self.advance()
            self.expect("punct", "(")
            self.expect("punct", ")")
            count = True
        else:
            selected.append(self.expect("name"))
            while self.accept("punct", ","):
                selected.append(self.expect("name"))
        self.expect("kw", "FROM")
        source = self.expect("name")
        kind = self.types(source.value)
        if kind is None:
            self._fail(
                source.pos,
                f"sObject type '{source.value}' is not supported. If you are attempting to use a "
                "custom object, be sure to append the '__c' after the entity name. Please reference "
                "your WSDL or the describe call for the appropriate names.",
                "INVALID_TYPE",
            )
        outer_kind, self.kind = self.kind, kind
        fields = None if count else self._select_list(selected)
        result = Query(kind.name, fields)
        if self.accept("kw", "WHERE"):
            result.where = self.condition()
        if not sub:
            self._tail(result)
        self.kind = outer_kind
        if not sub:
            self.expect("end")
        return result

    def _select_list(self, selected: list[_Token]) -> list[str]:
        names: list[str] = []
        for token in selected:
            name = self.field(token).name
            if name in names:
                self._fail(token.pos, f"duplicate field selected: {token.value}")
            names.append(name)
        return names

    def _tail(self, result: Query) -> None:
        if self.accept("kw", "ORDER"):
            self.expect("kw", "BY")
            result.order.append(self._order_item())
            while self.accept("punct", ","):
                result.order.append(self._order_item())
        if self.accept("kw", "LIMIT"):
            result.limit = self._whole_number()
        if self.accept("kw", "OFFSET"):
            token = self.peek()
            result.offset = self._whole_number()
            if result.offset > MAX_OFFSET:
                self._fail(token.pos, f"Maximum SOQL offset allowed is {MAX_OFFSET}", "NUMBER_OUTSIDE_VALID_RANGE")

    def _whole_number(self) -> int:
        token = self.expect("number")
        if not token.value.isdigit():
            self._fail(token.pos, f"unexpected token: {token.value}")
        return int(token.value)

    def _order_item(self) -> tuple[str, bool, bool, bool]:
        item = self.field(self.expect("name"))
        descending = bool(self.accept("kw", "DESC"))
        if not descending:
            self.accept("kw", "ASC")
        nulls_last = descending
        if self.accept("kw", "NULLS"):
            nulls_last = bool(self.accept("kw", "LAST"))
            if not nulls_last:
                self.expect("kw", "FIRST")
        return item.name, descending, nulls_last, item.type in TEXT_TYPES

    def field(self, token: _Token):
        if "." in token.value:
            relation = token.value.split(".")[0]
            self._fail(
                token.pos,
                f"Didn't understand relationship '{relation}' in field path. If you are attempting "
                "to use a custom relationship, be sure to append the '__r' after the custom "
                "relationship name. Please reference your WSDL or the describe call for the "
                "appropriate names.",
                "INVALID_FIELD",
            )
        item = self.kind.field(token.value)
        if item is None:
            self._fail(
                token.pos,
                f"No such column '{token.value}' on entity '{self.kind.name}'. If you are attempting "
                "to use a custom field, be sure to append the '__c' after the custom field name. "
                "Please reference your WSDL or the describe call for the appropriate names.",
                "INVALID_FIELD",
            )
        return item

    def condition(self) -> Callable[[dict], bool]:
        """AND and OR cannot be mixed without parentheses, as in Salesforce."""
        first = self._unary()
        token = self.peek()
        if token.kind != "kw" or token.value not in ("AND", "OR"):
            return first
        joiner, parts = token.value, [first]
        while self.accept("kw", joiner):
            parts.append(self._unary())
        other = self.peek()
        if other.kind == "kw" and other.value in ("AND", "OR"):
            self._unexpected()
        combined = parts[0]
        for part in parts[1:]:
            if joiner == "AND":
                combined = lambda row, left=combined, right=part: left(row) and right(row)  # noqa: E731
            else:
                combined = lambda row, left=combined, right=part: left(row) or right(row)  # noqa: E731
        return combined

    def _unary(self) -> Callable[[dict], bool]:
        if self.accept("kw", "NOT"):
            inner = self._unary()
            return lambda row: not inner(row)
        if self.accept("punct", "("):
            inner = self.condition()
            self.expect("punct", ")")
            return inner
        return self._comparison()

    def _comparison(self) -> Callable[[dict], bool]:
        name_token = self.expect("name")
        item = self.field(name_token)
        negate = bool(self.accept("kw", "NOT"))
        if negate or self.peek().value == "IN":
            self.expect("kw", "IN")
            return compile_in(
                item,
                self._in_values(item),
                negate,
                lambda message: self._fail(name_token.pos, message, "INVALID_FIELD"),
            )
        fail = self._failer(name_token.pos)
        if self.accept("kw", "LIKE"):
            return compile_like(item, self._literal(), fail)
        operator = self.expect("op").value
        return compile_comparison(item, operator, self._literal(), fail)

    def _failer(self, pos: int):
        def fail(message: str, code: str = "INVALID_FIELD"):
            self._fail(pos, message, code)

        return fail

    def _in_values(self, item) -> list[Literal] | set:
        self.expect("punct", "(")
        if self.peek().kind == "kw" and self.peek().value == "SELECT":
            return self._semi_join()
        values = [self._literal()]
        while self.accept("punct", ","):
            values.append(self._literal())
        self.expect("punct", ")")
        return values

    def _semi_join(self) -> set:
        pos = self.peek().pos
        inner = self.query(sub=True)
        self.expect("punct", ")")
        if inner.fields is None or len(inner.fields) != 1 or self.fetch is None:
            self._fail(pos, "The inner select field must be a single Id or reference field")
        name = inner.fields[0]
        return {row[name] for row in inner.run(self.fetch(inner.sobject)) if row[name] is not None}

    def _literal(self) -> Literal:
        token = self.advance()
        if token.kind == "string":
            body = re.sub(r"\\(.)", lambda match: _ESCAPES.get(match.group(1), match.group(1)), token.value[1:-1])
            return Literal("string", body, token.pos)
        if token.kind in ("number", "date", "datetime"):
            return Literal(token.kind, token.value, token.pos)
        if token.kind == "kw" and token.value in ("TRUE", "FALSE"):
            return Literal("boolean", token.value == "TRUE", token.pos)
        if token.kind == "kw" and token.value == "NULL":
            return Literal("null", None, token.pos)
        self.index -= 1
        self._unexpected()
