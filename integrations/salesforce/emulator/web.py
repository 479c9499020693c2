"""Requests and responses for the WSGI application."""

import json
from urllib.parse import parse_qs

from .errors import ApiError

JSON_TYPE = "application/json;charset=UTF-8"
_REASONS = {
    200: "OK",
    201: "Created",
    204: "No Content",
    300: "Multiple Choices",
    302: "Found",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    412: "Precondition Failed",
    500: "Server Error",
    503: "Service Unavailable",
}


class Request:
    def __init__(self, environ: dict):
        self.environ = environ
        self.method = environ["REQUEST_METHOD"].upper()
        self.path = environ.get("PATH_INFO") or "/"
        self.query = {
            key: values[-1] for key, values in parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True).items()
        }
        # The body is always read in full, so a kept-alive connection stays in step.
        if environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked":
            self.body = _read_chunked(environ["wsgi.input"])
        else:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            self.body = environ["wsgi.input"].read(length) if length > 0 else b""
        self.version = ""  # the API version of /services/data/vNN.N/ paths
        self.user_id = ""  # the user an access token belongs to

    def header(self, name: str, default: str = "") -> str:
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            return self.environ.get(key, default)
        return self.environ.get(f"HTTP_{key}", default)

    def json(self):
        if not self.body:
            raise ApiError(400, "JSON_PARSER_ERROR", "The request body is empty.")
        try:
            return json.loads(self.body)
        except ValueError as error:
            raise ApiError(400, "JSON_PARSER_ERROR", f"Unexpected character: {error}") from None

    def form(self) -> dict:
        return {
            key: values[-1]
            for key, values in parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True).items()
        }


def _read_chunked(stream) -> bytes:
    parts = []
    while True:
        size = int(stream.readline().split(b";")[0].strip() or b"0", 16)
        if size == 0:
            while stream.readline() not in (b"\r\n", b"\n", b""):
                pass  # trailer fields
            return b"".join(parts)
        parts.append(stream.read(size))
        stream.readline()


class Response:
    def __init__(
        self,
        status: int = 200,
        body: bytes | str = b"",
        content_type: str | None = JSON_TYPE,
        headers: list[tuple[str, str]] | None = None,
    ):
        self.status = status
        self.body = body.encode() if isinstance(body, str) else body
        self.headers = list(headers or [])
        if content_type and self.body:
            self.headers.append(("Content-Type", content_type))

    @property
    def status_line(self) -> str:
        return f"{self.status} {_REASONS.get(self.status, 'Unknown')}"


def json_response(data, status: int = 200, headers: list[tuple[str, str]] | None = None) -> Response:
    return Response(status, json.dumps(data, separators=(",", ":")).encode(), headers=headers)


def error_response(error: ApiError) -> Response:
    return json_response(error.as_json(), error.status)
