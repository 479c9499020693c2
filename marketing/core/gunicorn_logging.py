"""gunicorn's access log without credentials: `gunicorn --logger-class marketing.core.gunicorn_logging.RedactingLogger`.

Every atom an access-log format can use is masked, whatever `--access-logformat` says: the request line
(`%(r)s`), the query string (`%(q)s`), the referer, request headers (`%({authorization}i)s`) and environ
variables (`%({raw_uri}e)s`).
"""

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


class RedactingLogger(Logger):
    """gunicorn's logger with API tokens and other credentials masked in every access-log atom."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: redact_atom(key, value) for key, value in atoms.items()}
