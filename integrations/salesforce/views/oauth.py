"""Signing in to Salesforce with the OAuth 2.0 web-server flow and PKCE (SPEC SF-1, SF-17, SF-18).

The connect screen saves the connection and sends the browser to Salesforce with an S256 code
challenge and a random `state`, both kept in the session. Salesforce sends it back to the callback,
which checks the state, trades the code (with the verifier) for tokens, tests the connection, gives
it default settings and starts the first sync.
"""

import secrets

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from integrations import services
from integrations.models import Connection
from marketing.core.errors import ApplicationError, TransientError

from .. import auth
from ..models import SalesforceConnection
from ..services import salesforce_connection_save, salesforce_settings_init, salesforce_tokens_save
from .common import connection_get, manage_required, sync_enqueue

SESSION_KEY = "salesforce_oauth"
PAGE = "integrations:salesforce"


def authorize_redirect(request, connection: SalesforceConnection) -> HttpResponseRedirect:
    """Send the browser to Salesforce to approve this platform; remember what the callback must check."""
    pair = auth.pkce_pair()
    state = secrets.token_urlsafe(32)
    redirect_uri = request.build_absolute_uri(reverse("integrations:salesforce_callback"))
    request.session[SESSION_KEY] = {
        "state": state,
        "verifier": pair.verifier,
        "redirect_uri": redirect_uri,
        "account": request.account.pk,
        "connection": connection.pk,
    }
    url = auth.authorize_url(connection.login_url, connection.client_id, redirect_uri, state, pair.challenge)
    return HttpResponseRedirect(url)


def connection_finish(request, connection: Connection):
    """Test a freshly signed-in connection; when it works, give it settings and start the first sync."""
    status = services.connection_test(account=request.account, connection=connection, actor=request.user)
    if not status.ok:
        messages.error(request, status.message)
        return redirect(PAGE)
    with transaction.atomic():
        _settings, created = salesforce_settings_init(
            account=request.account, connection=connection, actor=request.user
        )
        sync_enqueue(connection)
    text = status.message + " " + _("The first sync has started; its progress shows under Sync runs.")
    if created:
        text += " " + _("Default settings were applied: check the field mapping under Settings.")
    messages.success(request, text)
    return redirect(PAGE)


@manage_required
@require_POST
def salesforce_authorize(request):
    """Connect (or reconnect) a saved web-server connection."""
    connection = connection_get(request)
    if connection.auth_flow != SalesforceConnection.AuthFlow.WEB_SERVER:
        messages.error(request, _("This connection does not sign in through the browser; test it instead."))
        return redirect(PAGE)
    if connection.state in (Connection.State.ERROR, Connection.State.DISCONNECTED):
        connection = salesforce_connection_save(account=request.account, actor=request.user, connect=True)
    return authorize_redirect(request, connection)


def _refuse(request, message: str):
    messages.error(request, message)
    return redirect(PAGE)


@manage_required
@require_safe
def salesforce_callback(request):
    pending = request.session.pop(SESSION_KEY, None) or {}
    state = request.GET.get("state", "")
    connection = connection_get(request)
    if (
        not state
        or not constant_time_compare(state, pending.get("state", ""))
        or pending.get("account") != request.account.pk
        or pending.get("connection") != connection.pk
    ):
        return _refuse(
            request,
            _(
                "Salesforce's answer does not match a sign-in started from this screen (the state differs), so it "
                "was refused. Start the connection again."
            ),
        )
    error = request.GET.get("error", "")
    if error == "access_denied":
        return _refuse(
            request,
            _(
                "Access was not allowed in Salesforce (access_denied), so nothing was connected. Connect again and "
                "choose Allow, or ask the Salesforce admin to approve the app for your user."
            ),
        )
    if error:
        reason = request.GET.get("error_description") or error
        return _refuse(request, _("Salesforce did not connect: %(reason)s") % {"reason": reason})
    code = request.GET.get("code", "")
    if not code:
        return _refuse(request, _("Salesforce sent no authorization code. Start the connection again."))
    try:
        tokens = auth.exchange_code(
            login_url=connection.login_url,
            client_id=connection.client_id,
            client_secret=connection.client_secret,
            code=code,
            redirect_uri=pending["redirect_uri"],
            code_verifier=pending["verifier"],
            ca_bundle=connection.ca_bundle,
        )
    except ApplicationError as exc:
        return _refuse(request, exc.message)
    except TransientError as exc:
        return _refuse(request, str(exc))
    salesforce_tokens_save(
        account=request.account,
        connection=connection,
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token or None,
        instance_url=tokens.instance_url or None,
        identity_url=tokens.identity_url or None,
    )
    return connection_finish(request, connection)
