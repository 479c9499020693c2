"""The HTTPS server: a WSGI application routing Salesforce's URLs, served by threads over TLS."""

import logging
import re
import shutil
import socket
import socketserver
import ssl
import tempfile
import threading
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

from . import bulk, composite, control, oauth, query, rest
from .bulk import BulkJobs
from .errors import ApiError, not_found
from .faults import Faults
from .org import Org
from .query import QueryCursors
from .tls import ensure_certificates
from .web import Request, Response, error_response

logger = logging.getLogger(__name__)

_API_PATH = re.compile(r"/services/data/v(\d+\.\d+)(/.*)?")
_SOBJECT = r"/sobjects/(?P<sobject>\w+)"
_JOB = r"/jobs/(?:ingest|query)/(?P<job_id>\w+)"
_REST_ROUTES = [
    (re.compile(pattern), methods)
    for pattern, methods in [
        (r"", {"GET": rest.resources}),
        (r"/limits", {"GET": rest.limits}),
        (r"/sobjects", {"GET": rest.global_describe}),
        (_SOBJECT, {"GET": rest.sobject_info, "POST": rest.create}),
        (_SOBJECT + r"/describe", {"GET": rest.describe}),
        (_SOBJECT + r"/updated", {"GET": rest.updated}),
        (_SOBJECT + r"/deleted", {"GET": rest.deleted}),
        (_SOBJECT + r"/(?P<record_id>\w+)", {"GET": rest.retrieve, "PATCH": rest.update, "DELETE": rest.delete}),
        (r"/query", {"GET": lambda ctx, request: query.run(ctx, request, False)}),
        (r"/queryAll", {"GET": lambda ctx, request: query.run(ctx, request, True)}),
        (
            r"/query/(?P<locator>[\w-]+)",
            {"GET": lambda ctx, request, locator: query.more(ctx, request, locator, False)},
        ),
        (
            r"/queryAll/(?P<locator>[\w-]+)",
            {"GET": lambda ctx, request, locator: query.more(ctx, request, locator, True)},
        ),
        (r"/composite/sobjects", {"POST": composite.create, "PATCH": composite.update, "DELETE": composite.delete}),
        (r"/composite/sobjects/(?P<sobject>\w+)", {"GET": composite.retrieve}),
        (r"/jobs/ingest", {"POST": bulk.ingest_create}),
        (
            r"/jobs/ingest/(?P<job_id>\w+)",
            {"GET": bulk.ingest_info, "PATCH": bulk.ingest_state, "DELETE": bulk.ingest_delete},
        ),
        (r"/jobs/ingest/(?P<job_id>\w+)/batches", {"PUT": bulk.ingest_upload}),
        (
            r"/jobs/ingest/(?P<job_id>\w+)/(?P<which>successfulResults|failedResults|unprocessedrecords)",
            {"GET": bulk.ingest_results},
        ),
        (r"/jobs/query", {"POST": bulk.query_create}),
        (
            r"/jobs/query/(?P<job_id>\w+)",
            {"GET": bulk.query_info, "PATCH": bulk.query_abort, "DELETE": bulk.query_delete},
        ),
        (r"/jobs/query/(?P<job_id>\w+)/results", {"GET": bulk.query_results}),
    ]
]


class EmulatorApp:
    """The WSGI application; also the context REST handlers get (org, faults, cursors, jobs)."""

    def __init__(self, org: Org, faults: Faults, reset):
        self.org = org
        self.faults = faults
        self.cursors = QueryCursors()
        self.jobs = BulkJobs()
        self.base_url = ""
        self._reset = reset

    def reset(self) -> None:
        self._reset()

    def __call__(self, environ, start_response):
        try:
            response = self.handle(Request(environ))
        except Exception:
            logger.exception("Salesforce emulator: unexpected error on %s", environ.get("PATH_INFO"))
            response = error_response(ApiError(500, "UNKNOWN_EXCEPTION", "An unexpected error occurred."))
        start_response(response.status_line, [*response.headers, ("Content-Length", str(len(response.body)))])
        return [b"" if environ["REQUEST_METHOD"] == "HEAD" else response.body]

    def handle(self, request: Request) -> Response:
        path = request.path
        if path.startswith("/services/data"):
            return self._api(request)
        try:
            if path.startswith("/__emulator__/"):
                return control.dispatch(self, request, path.removeprefix("/__emulator__/").strip("/"))
            return self._oauth(request, path.rstrip("/"))
        except ApiError as error:
            return error_response(error)

    def _oauth(self, request: Request, path: str) -> Response:
        if path == "/services/oauth2/token" and request.method == "POST":
            return oauth.token(self.org, request, self.base_url)
        if path == "/services/oauth2/authorize" and request.method == "GET":
            return oauth.authorize(self.org, request)
        if path == "/services/oauth2/revoke" and request.method in ("GET", "POST"):
            return oauth.revoke(self.org, request)
        if path == "/services/oauth2/userinfo" and request.method in ("GET", "POST"):
            return oauth.userinfo(self.org, request, self.base_url)
        parts = path.split("/")
        if len(parts) == 4 and parts[1] == "id" and request.method == "GET":
            return oauth.identity(self.org, request, self.base_url, parts[2], parts[3])
        raise not_found()

    def _api(self, request: Request) -> Response:
        try:
            if request.path.rstrip("/") == "/services/data":
                response = rest.versions(request)
            else:
                response = self._rest(request)
        except ApiError as error:
            response = error_response(error)
        response.headers.append(("Sforce-Limit-Info", f"api-usage={self.org.api_calls}/{self.org.daily_api_limit}"))
        return response

    def _rest(self, request: Request) -> Response:
        match = _API_PATH.fullmatch(request.path)
        if match is None:
            raise not_found()
        request.version = match.group(1)
        grant = self.org.tokens.access(oauth.bearer_token(request))
        if grant is None:
            raise ApiError(401, "INVALID_SESSION_ID", "Session expired or invalid")
        request.user_id = grant.user_id
        handler, params = self._route(request.method, (match.group(2) or "").rstrip("/"))
        self.faults.admit()
        return handler(self, request, **params)

    @staticmethod
    def _route(method: str, path: str):
        for pattern, methods in _REST_ROUTES:
            found = pattern.fullmatch(path)
            if found is None:
                continue
            handler = methods.get("GET" if method == "HEAD" else method)
            if handler is None:
                raise ApiError(
                    405, "METHOD_NOT_ALLOWED", f"HTTP Method '{method}' not allowed. Allowed are {','.join(methods)}"
                )
            return handler, found.groupdict()
        raise not_found()


class _ServerHandler(ServerHandler):
    http_version = "1.1"

    def close(self):
        self.request_handler = None
        super(ServerHandler, self).close()


class _RequestHandler(WSGIRequestHandler):
    """Serves HTTP/1.1 keep-alive connections (wsgiref's handler answers one request per connection)."""

    protocol_version = "HTTP/1.1"
    timeout = 120

    def handle(self):
        self.close_connection = True
        try:
            self._handle_one()
            while not self.close_connection:
                self._handle_one()
        except (OSError, ssl.SSLError):
            self.close_connection = True  # the client went away or refused the certificate

    def _handle_one(self):
        self.raw_requestline = self.rfile.readline(65537)
        if not self.raw_requestline or len(self.raw_requestline) > 65536:
            self.close_connection = True
            return
        if not self.parse_request():
            return
        handler = _ServerHandler(self.rfile, self.wfile, self.get_stderr(), self.get_environ(), multithread=True)
        handler.request_handler = self
        handler.run(self.server.get_app())

    def log_message(self, format, *args):
        logger.debug("%s %s", self.address_string(), format % args)


class _TLSServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, context: ssl.SSLContext):
        self.context = context
        super().__init__(address, _RequestHandler)

    def server_bind(self):
        socketserver.TCPServer.server_bind(self)  # skips HTTPServer's reverse DNS lookup of the host
        self.server_name, self.server_port = self.server_address[:2]
        self.setup_environ()

    def get_request(self):
        connection, address = self.socket.accept()
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # The handshake happens on first read, in the connection's own thread.
        return self.context.wrap_socket(connection, server_side=True, do_handshake_on_connect=False), address

    def handle_error(self, request, client_address):
        logger.debug("Salesforce emulator: connection error from %s", client_address, exc_info=True)


class EmulatorServer:
    """A Salesforce org over HTTPS on a local port, in a background thread.

    with EmulatorServer(port=0) as sf:
        sf.base_url, sf.ca_path, sf.org, sf.faults, sf.reset()
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        cert_dir: str | None = None,
        certfile: str | None = None,
        keyfile: str | None = None,
        ca_path: str | None = None,
    ):
        self.host = host
        self.port = port
        self.org = Org()
        self.faults = Faults(self.org)
        self.app = EmulatorApp(self.org, self.faults, self.reset)
        self._cert_dir = cert_dir
        self._certfile, self._keyfile = certfile, keyfile
        self.ca_path = ca_path or certfile or ""
        self._temporary_dir: str | None = None
        self._server: _TLSServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def public_host(self) -> str:
        host = "127.0.0.1" if self.host in ("", "0.0.0.0", "::") else self.host  # noqa: S104
        return f"[{host}]" if ":" in host else host

    @property
    def base_url(self) -> str:
        return f"https://{self.public_host}:{self.port}"

    @property
    def api_calls(self) -> int:
        return self.org.api_calls

    def start(self) -> "EmulatorServer":
        if self._server is not None:
            return self
        certfile, keyfile = self._certfile, self._keyfile
        if not certfile:
            directory = self._cert_dir
            if directory is None:
                directory = self._temporary_dir = tempfile.mkdtemp(prefix="salesforce-emulator-")
            self.ca_path, certfile, keyfile = ensure_certificates(directory, [self.public_host.strip("[]")])
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(certfile, keyfile)
        self._server = _TLSServer((self.host, self.port), context)
        self._server.set_app(self.app)
        self.port = self._server.server_address[1]
        self.app.base_url = self.base_url
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.2},
            name=f"salesforce-emulator-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Start, then block until interrupted (Ctrl-C)."""
        self.start()
        try:
            self._thread.join()
        finally:
            self.stop()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._temporary_dir:
            shutil.rmtree(self._temporary_dir, ignore_errors=True)
            self._temporary_dir = None

    def reset(self) -> None:
        """A fresh org: records, users' tokens, counters, faults, query locators and bulk jobs all go."""
        self.org.reset()
        self.faults.clear()
        self.app.cursors.clear()
        self.app.jobs.clear()

    def __enter__(self) -> "EmulatorServer":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
