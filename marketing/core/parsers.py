"""JSON from callers, read with a bound on nesting: one parser for request bodies, one function for JSON sent
inside a form field or a query parameter.

A document nested thousands of levels deep ("[[[[…") makes Python's decoder raise RecursionError, and a
document just under the interpreter's limit breaks whatever walks it next. Nothing the API takes is nested
more than a few levels, so anything deeper than MAX_JSON_DEPTH is refused as unreadable.
"""

import codecs
import json
from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding

MAX_JSON_DEPTH = 64


class JsonTooDeep(ValueError):
    """The document is nested deeper than allowed."""


def _too_deep(max_depth: int) -> JsonTooDeep:
    return JsonTooDeep(_("The JSON is nested too deeply (more than %(max)s levels).") % {"max": max_depth})


def _deeper_than(value: Any, max_depth: int) -> bool:
    """Whether arrays and objects nest more than `max_depth` levels; walked a level at a time, no recursion."""
    level, depth = [value], 0
    while level:
        containers = [item for item in level if isinstance(item, dict | list)]
        if not containers:
            return False
        depth += 1
        if depth > max_depth:
            return True
        level = [child for item in containers for child in (item.values() if isinstance(item, dict) else item)]
    return False


def _refuse_constant(name: str):
    raise ValueError(_("%(name)s is not valid JSON.") % {"name": name})


def json_loads_bounded(text: str | bytes, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """`json.loads` for text from outside: NaN and Infinity refused, nesting deeper than `max_depth` refused.

    Raises JsonTooDeep for a document nested too deeply, ValueError for anything else that is not JSON.
    """
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:  # deeper than the interpreter allows: far deeper than max_depth
        raise _too_deep(max_depth) from None
    if _deeper_than(value, max_depth):
        raise _too_deep(max_depth)
    return value


def json_parse_error(exc: ValueError) -> ParseError:
    """The API's answer to unreadable JSON: 400 with code `parse_error`."""
    if isinstance(exc, JsonTooDeep):
        return ParseError(str(exc))
    return ParseError(_("The JSON cannot be read: %(error)s") % {"error": exc})


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser with the nesting bound; every failure is a ParseError (code `parse_error`)."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = get_encoding(parser_context or {})
        try:
            text = codecs.getreader(encoding)(stream).read()
            return json_loads_bounded(text)
        except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            raise json_parse_error(exc) from exc
