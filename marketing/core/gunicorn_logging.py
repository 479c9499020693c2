"""gunicorn's access log without credentials: `gunicorn --logger-class marketing.core.gunicorn_logging.RedactingLogger`.

Every atom an access-log format can use is masked, whatever `--access-logformat` says: the request line
(`%(r)s`), the query string (`%(q)s`), the referer, request headers (`%({authorization}i)s`) and environ
variables (`%({raw_uri}e)s`).
"""

from collections.abc import Mapping

from gunicorn.glogging import Logger

from .redaction import MASK, redact_authorization, redact_query, redact_text

_MASKED_HEADERS = {"cookie", "set-cookie", "x-api-key", "x-twilio-signature"}
_AUTH_HEADERS = {"authorization", "proxy-authorization"}
_QUERY_ATOMS = {"q", "{query_string}e"}


def redact_atom(key: str, value):
    if not isinstance(value, str):
        return value
    name = key[1:-2] if key.startswith("{") and key[-2:] in ("}i", "}e", "}o") else ""
    header = name.lower().removeprefix("http_").replace("_", "-") if key.endswith("}e") else name.lower()
    if header in _AUTH_HEADERS:
        return redact_authorization(value)
    if header in _MASKED_HEADERS:
        return MASK
    if key in _QUERY_ATOMS:
        return redact_query(value)
    return redact_text(value)


class RedactedAtoms(Mapping):
    """gunicorn's atoms as its access log reads them (as `SafeAtoms`: any case for headers, "-" when missing,
    quotes escaped), each masked as it is read. Only the atoms the format names are worked on, not the sixty
    or so a request has (every header and environ variable)."""

    def __init__(self, atoms: dict):
        self._atoms = atoms

    def __getitem__(self, key: str):
        if key.startswith("{"):
            key = key.lower()
        if key not in self._atoms:
            return "-"
        value = redact_atom(key, self._atoms[key])
        return value.replace('"', '\\"') if isinstance(value, str) else value

    def __contains__(self, key) -> bool:
        return key in self._atoms

    def __iter__(self):
        return iter(self._atoms)

    def __len__(self) -> int:
        return len(self._atoms)


class RedactingLogger(Logger):
    """gunicorn's logger with API tokens and other credentials masked in every access-log atom."""

    atoms_wrapper_class = RedactedAtoms
