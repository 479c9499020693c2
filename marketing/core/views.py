from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.defaults import bad_request

from marketing.celery import app as celery_app
from marketing.tokens.ips import invalid_networks

from .errors import json_error_response, request_too_large_body
from .tasks import HEARTBEAT_CACHE_KEY


def _database_status() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"status": "ok", "vendor": connection.vendor}
    except Exception as exc:  # noqa: BLE001 — a health check reports any failure
        return {"status": "error", "vendor": connection.vendor, "error": exc.__class__.__name__}


def _broker_status() -> dict:
    transport = celery_app.conf.broker_url.split("://", 1)[0]
    if celery_app.conf.task_always_eager:
        return {"status": "ok", "transport": "eager"}
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, timeout=2)
        return {"status": "ok", "transport": transport}
    except Exception as exc:  # noqa: BLE001
        return {"status": "error", "transport": transport, "error": exc.__class__.__name__}


def _worker_status() -> dict:
    try:
        seen = cache.get(HEARTBEAT_CACHE_KEY)
    except Exception:  # noqa: BLE001
        return {"status": "unknown"}
    if not seen:
        return {"status": "unknown", "last_seen": None}
    age = (timezone.now() - datetime.fromisoformat(seen)).total_seconds()
    fresh = age <= settings.HEARTBEAT_MAX_AGE_SECONDS
    return {"status": "ok" if fresh else "stale", "last_seen": seen, "age_seconds": round(age)}


def _configuration_status() -> dict:
    """Settings the running processes ignore because they are malformed (names only, never values)."""
    invalid = ["TRUSTED_PROXIES"] if invalid_networks(settings.TRUSTED_PROXIES) else []
    return {"status": "error" if invalid else "ok", "invalid": invalid}


@never_cache
def healthz(request):
    """Database and broker status as JSON; 503 when either is down. The worker heartbeat and the
    configuration are informational."""
    checks = {
        "database": _database_status(),
        "broker": _broker_status(),
        "worker": _worker_status(),
        "configuration": _configuration_status(),
    }
    healthy = checks["database"]["status"] == "ok" and checks["broker"]["status"] == "ok"
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)


def _wants_json(request) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")


def error_400(request, exception=None):
    """Django's answer to a request it refuses to read: a body over the limit is a 413 naming the limit."""
    if isinstance(exception, RequestDataTooBig):
        body = request_too_large_body()
        if _wants_json(request):
            return JsonResponse(body, status=413, json_dumps_params={"ensure_ascii": False})
        return render(request, "413.html", {"message": body["error"]["message"]}, status=413)
    if _wants_json(request):
        return json_error_response("bad_request", _("The request could not be read."), 400)
    return bad_request(request, exception)


def error_403(request, exception=None):
    message = str(exception) if exception and str(exception) else _("You do not have access to this page.")
    if _wants_json(request):
        return json_error_response("permission_denied", message, 403)
    return render(request, "403.html", {"message": message}, status=403)


def error_404(request, exception=None):
    if _wants_json(request):
        return json_error_response("not_found", _("Not found."), 404)
    return render(request, "404.html", status=404)


def error_500(request):
    if _wants_json(request):
        return json_error_response("server_error", _("Something went wrong on our side; it has been logged."), 500)
    return render(request, "500.html", status=500)
