"""A local fake of Twilio's Messages API for tests, the demo and benchmarks.

    with TwilioFake(refuse={"+972500000000": (21211, "Invalid 'To' Phone Number")}) as fake:
        backend = TwilioSmsBackend(account_sid=fake.account_sid, auth_token=fake.auth_token, api_url=fake.url)

It speaks Twilio's protocol over loopback HTTP/1.1 with keep-alive: basic auth with the account SID and auth
token, form fields To / From / Body / StatusCallback, 201 with the message resource, Twilio's JSON errors.
With `callbacks=True` it also reports delivery to each message's StatusCallback, signed like Twilio.
`python -m marketing.messaging.backends.twilio_fake --port N` runs one in the foreground.
"""

import argparse
import base64
import email.utils
import json
import queue
import re
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import requests
from twilio.request_validator import RequestValidator

API_VERSION = "2010-04-01"
_MESSAGES_PATH = re.compile(r"/2010-04-01/Accounts/([^/]+)/Messages\.json")


class TwilioFake:
    def __init__(
        self,
        *,
        account_sid: str = "AC" + "f" * 32,
        auth_token: str = "fake-auth-token",
        refuse: dict[str, tuple[int, str]] | None = None,
        undelivered: dict[str, int] | None = None,
        throttle: int = 0,
        retry_after: int | None = None,
        latency: float = 0.0,
        callbacks: bool = False,
        port: int = 0,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.refuse = dict(refuse or {})
        self.undelivered = dict(undelivered or {})
        self.retry_after = retry_after
        self.latency = latency
        self.callbacks = callbacks
        self.messages: list[dict[str, str]] = []
        self.requests = 0
        self.connections = 0
        self.callbacks_sent: list[dict[str, str]] = []
        self._throttle = throttle
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self._server.daemon_threads = True
        self._server.fake = self
        self._callback_queue: queue.Queue = queue.Queue()
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def throttle(self, count: int, *, retry_after: int | None = None) -> None:
        """Answer 429 (Twilio's 20429) to the next `count` requests."""
        with self._lock:
            self._throttle = count
            self.retry_after = retry_after

    def start(self) -> "TwilioFake":
        for target in (self._server.serve_forever, self._callbacks_run):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._callback_queue.put(None)
        self._server.shutdown()
        self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    def callbacks_wait(self) -> None:
        """Wait until every delivery report queued so far was posted."""
        self._callback_queue.join()

    def __enter__(self) -> "TwilioFake":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def answer(self, form: dict[str, str]) -> tuple[int, dict, dict[str, str]]:
        """Status, JSON payload and extra headers for one POST to Messages.json."""
        if self.latency:
            time.sleep(self.latency)
        with self._lock:
            self.requests += 1
            if self._throttle > 0:
                self._throttle -= 1
                headers = {"Retry-After": str(self.retry_after)} if self.retry_after is not None else {}
                return 429, _error(429, 20429, "Too Many Requests"), headers
            if not form.get("To"):
                return 400, _error(400, 21604, "A 'To' phone number is required."), {}
            if not (form.get("From") or form.get("MessagingServiceSid")):
                return 400, _error(400, 21603, "A 'From' phone number is required."), {}
            if not form.get("Body"):
                return 400, _error(400, 21602, "Message body is required."), {}
            if form["To"] in self.refuse:
                code, message = self.refuse[form["To"]]
                return 400, _error(400, code, message), {}
            sid = "SM" + uuid.uuid4().hex
            self.messages.append({**form, "sid": sid})
        if self.callbacks and form.get("StatusCallback"):
            self._callback_queue.put({**form, "sid": sid})
        return 201, self._resource(sid, form), {}

    def authorized(self, header: str) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return header == f"Basic {expected}"

    def _resource(self, sid: str, form: dict[str, str]) -> dict:
        now = email.utils.formatdate(usegmt=True)
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}"
        return {
            "sid": sid,
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": form["Body"],
            "date_created": now,
            "date_updated": now,
            "date_sent": None,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "status": "queued",
            "subresource_uris": {"media": f"{uri}/Media.json"},
            "to": form["To"],
            "uri": f"{uri}.json",
        }

    def _callbacks_run(self) -> None:
        validator = RequestValidator(self.auth_token)
        with requests.Session() as session:
            while (message := self._callback_queue.get()) is not None:
                try:
                    error_code = self.undelivered.get(message["To"])
                    for status in ("sent", "undelivered" if error_code else "delivered"):
                        params = {
                            "AccountSid": self.account_sid,
                            "ApiVersion": API_VERSION,
                            "From": message.get("From", ""),
                            "To": message["To"],
                            "MessageSid": message["sid"],
                            "SmsSid": message["sid"],
                            "MessageStatus": status,
                            "SmsStatus": status,
                        }
                        if error_code and status == "undelivered":
                            params["ErrorCode"] = str(error_code)
                        url = message["StatusCallback"]
                        signature = validator.compute_signature(url, params)
                        try:
                            session.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=10)
                        except requests.RequestException:
                            continue
                        with self._lock:
                            self.callbacks_sent.append(params)
                finally:
                    self._callback_queue.task_done()
            self._callback_queue.task_done()


def _error(status: int, code: int, message: str) -> dict:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without TCP_NODELAY each answer waits out the client's delayed ACK
    # (~40 ms), which would cap one connection at ~25 messages a second.
    disable_nagle_algorithm = True

    def setup(self) -> None:
        super().setup()
        with self.server.fake._lock:
            self.server.fake.connections += 1

    def log_message(self, format, *args) -> None:
        pass

    def do_POST(self) -> None:
        fake: TwilioFake = self.server.fake
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        if not fake.authorized(self.headers.get("Authorization", "")):
            return self._send(401, _error(401, 20003, "Authenticate"), {"WWW-Authenticate": 'Basic realm="Twilio API"'})
        match = _MESSAGES_PATH.fullmatch(urlsplit(self.path).path)
        if match is None or match.group(1) != fake.account_sid:
            return self._send(404, _error(404, 20404, "The requested resource was not found"), {})
        form = dict(parse_qsl(body, keep_blank_values=True))
        self._send(*fake.answer(form))

    def do_GET(self) -> None:
        self._send(405, _error(405, 20004, "Method not allowed"), {})

    def _send(self, status: int, payload: dict, headers: dict[str, str]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def main() -> None:
    parser = argparse.ArgumentParser(description="A local fake of Twilio's Messages API.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--account-sid", default="AC" + "f" * 32)
    parser.add_argument("--auth-token", default="fake-auth-token")
    parser.add_argument("--callbacks", action="store_true", help="report delivery to each StatusCallback")
    args = parser.parse_args()
    fake = TwilioFake(
        account_sid=args.account_sid, auth_token=args.auth_token, callbacks=args.callbacks, port=args.port
    )
    with fake:
        print(
            f"TWILIO_API_URL={fake.url} TWILIO_ACCOUNT_SID={fake.account_sid} TWILIO_AUTH_TOKEN={fake.auth_token}",
            flush=True,
        )
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
