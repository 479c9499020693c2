"""DESIGN §2.9 and TOK: API tokens never reach a log line — neither gunicorn's access log (the legacy endpoint
carries the token in its `json=` query parameter) nor Django's own logs."""

import datetime as dt
import io
import json
import logging
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from gunicorn.config import Config
from rest_framework.test import APIClient

from marketing.core.gunicorn_logging import RedactingLogger
from marketing.core.redaction import RedactSecretsFilter

GENERATED = "mk_abcdefghijkl_" + "S3cretS3cretS3cretS3cretS3cret12"
CUSTOM = "my-own-long-shared-secret-2026"
LEGACY_QUERY = "json=" + quote(json.dumps({"User": {"Username": "owner", "Token": CUSTOM}, "Data": {}}))


def gunicorn_access_line(
    uri: str, *, headers: list[tuple[str, str]] = (), access_log_format: str | None = None, referer: str = "-"
) -> str:
    """One access-log line, produced the way gunicorn's worker does: Logger.access(resp, req, environ, time)."""
    cfg = Config()
    cfg.set("accesslog", "-")
    if access_log_format:
        cfg.set("access_log_format", access_log_format)
    logger = RedactingLogger(cfg)
    stream = io.StringIO()
    for handler in logger.access_log.handlers:
        handler.setStream(stream)
    path, _, query = uri.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": uri,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.7",
        "HTTP_REFERER": referer,
        **{f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers},
    }
    request = SimpleNamespace(headers=[(name.upper(), value) for name, value in headers])
    response = SimpleNamespace(status="401 Unauthorized", sent=122, headers=[("Content-Type", "application/json")])

    logger.access(response, request, environ, dt.timedelta(microseconds=1500))

    return stream.getvalue()


def test_the_legacy_json_parameter_token_is_masked_and_the_path_kept():
    line = gunicorn_access_line(f"/api/Contact/Update?{LEGACY_QUERY}")

    assert CUSTOM not in line
    assert '"GET /api/Contact/Update?json=' in line and "Username" in line and " 401 " in line


def test_an_unencoded_json_parameter_is_masked_too():
    document = json.dumps({"User": {"Username": "owner", "Token": CUSTOM}}, separators=(",", ":"))

    line = gunicorn_access_line(f"/api/Contact/Update?json={document}")

    assert CUSTOM not in line and "/api/Contact/Update" in line


def test_an_unreadable_json_parameter_is_masked_whole():
    line = gunicorn_access_line(f"/api/Contact/Update?json=%7B%22User%22%3A%7B%22Token%22%3A%22{CUSTOM}")

    assert CUSTOM not in line and "json=[redacted]" in line


def test_a_json_parameter_nested_past_any_real_use_is_masked_whole_not_a_crash():
    line = gunicorn_access_line("/api/Contact/Update?json=" + "%5B" * 100_000)

    assert "json=[redacted]" in line and "/api/Contact/Update" in line


def test_a_generated_token_anywhere_in_the_url_keeps_only_its_public_id():
    line = gunicorn_access_line(f"/api/v1/account/?x={GENERATED}&page=2&q=caf%C3%A9")

    assert GENERATED not in line and GENERATED.rsplit("_", 1)[1] not in line
    assert "mk_abcdefghijkl_[redacted]" in line and "&page=2&q=caf%C3%A9" in line


def test_token_named_query_parameters_are_masked():
    line = gunicorn_access_line(f"/api/v1/account/?api_token={CUSTOM}&page=2")

    assert CUSTOM not in line and "api_token=[redacted]&page=2" in line


def test_headers_and_environ_in_a_custom_format_are_masked():
    headers = [("Authorization", f"Bearer {GENERATED}"), ("Cookie", "sessionid=abc123secret")]
    log_format = '%(r)s "%({authorization}i)s" "%({http_authorization}e)s" "%({raw_uri}e)s" "%({cookie}i)s" %(q)s'

    line = gunicorn_access_line(f"/api/Contact/Update?{LEGACY_QUERY}", headers=headers, access_log_format=log_format)

    assert GENERATED not in line and CUSTOM not in line and "abc123secret" not in line
    assert '"Bearer [redacted]"' in line


def test_every_atom_a_handler_could_read_is_masked_and_a_missing_one_is_a_dash():
    cfg = Config()
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/x?{LEGACY_QUERY}",
        "PATH_INFO": "/x",
        "QUERY_STRING": LEGACY_QUERY,
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    request = SimpleNamespace(headers=[("AUTHORIZATION", f"Bearer {GENERATED}")])
    response = SimpleNamespace(status="200 OK", sent=2, headers=[])
    logger = RedactingLogger(cfg)

    atoms = logger.atoms_wrapper_class(logger.atoms(response, request, environ, dt.timedelta(microseconds=1)))

    assert GENERATED not in repr(dict(atoms)) and CUSTOM not in repr(dict(atoms))
    assert atoms["{Authorization}i"] == "Bearer [redacted]" and atoms["{x-missing}i"] == "-" and atoms["nope"] == "-"


def test_a_token_bearing_referer_is_masked():
    line = gunicorn_access_line("/contacts/", referer=f"https://example.com/api/Contact/Update?{LEGACY_QUERY}")

    assert CUSTOM not in line and "https://example.com/api/Contact/Update?json=" in line


@pytest.fixture
def handler_output():
    """handler_output(logger_name) -> the text the configured handler of that logger writes."""
    swapped = []

    def capture(name: str) -> io.StringIO:
        logger = logging.getLogger(name)
        handler = next(h for h in (logger.handlers or logging.getLogger().handlers) if h.filters)
        stream = io.StringIO()
        swapped.append((handler, handler.setStream(stream)))
        return stream

    yield capture
    for handler, original in swapped:
        handler.setStream(original)


def test_the_development_servers_request_lines_are_masked(handler_output):
    output = handler_output("django.server")

    # What runserver's request handler logs for each request.
    logging.getLogger("django.server").warning(
        '"%s" %s %s', f"GET /api/Contact/Update?{LEGACY_QUERY} HTTP/1.1", "401", "122", extra={"status_code": 401}
    )

    assert CUSTOM not in output.getvalue() and "/api/Contact/Update" in output.getvalue()


def test_django_request_warnings_carry_no_token(db, handler_output):
    output = handler_output("django.request")

    APIClient().get(f"/api/Contact/Update?{LEGACY_QUERY}", HTTP_AUTHORIZATION=f"Bearer {GENERATED}")

    assert "Unauthorized: /api/Contact/Update" in output.getvalue()
    assert CUSTOM not in output.getvalue() and GENERATED not in output.getvalue()


def test_the_filter_masks_tokens_in_any_message():
    record = logging.LogRecord("any", logging.INFO, __file__, 1, "calling with %s", (f"Bearer {GENERATED}",), None)

    RedactSecretsFilter().filter(record)

    assert record.getMessage() == "calling with Bearer [redacted]"
