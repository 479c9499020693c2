"""Bulk actions on the contacts list (CON-4, CON-7): the chosen contacts, or all that match the search, get
added to a group, removed from one, unsubscribed, exported or deleted, each after a confirmation that says
how many. Small selections run at once; larger ones run in the background with a progress bar."""

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from marketing.core.errors import ApplicationError, NotFound
from marketing.core.paging import paginate
from marketing.core.templatetags.texts import ltr

from .. import bulk, selectors, services
from ..bulk_forms import EXPORT, BulkActionForm, contact_ids
from ..exports import contacts_export_rows
from ..models import BulkJob, Channel
from ..notices import contact_delete_notices
from ..serializers import MAX_ID
from ..sources import Source
from ..tasks import bulk_job
from .common import download, edit_required

Action = BulkJob.Action
NEEDS_CHOICE = (Action.ADD, Action.REMOVE, Action.UNSUBSCRIBE)  # actions with something to choose first


def _list_url(query: str) -> str:
    return f"{reverse('contacts:list')}?{query}" if query else reverse("contacts:list")


def _selection(request) -> bulk.Selection | None:
    """The contacts the person chose: ticked ids, or every contact matching the list's search."""
    if request.POST.get("all") == "1":
        upto = request.POST.get("upto", "")
        upto = int(upto) if upto.isascii() and upto.isdigit() and int(upto) <= MAX_ID else None
        return bulk.Selection(matching=True, query=request.POST.get("query", ""), upto=upto)
    ids = contact_ids(request.POST.getlist("contact"))
    return bulk.Selection(ids=tuple(dict.fromkeys(ids))) if ids else None


def _say(text: str, **values) -> SafeString:
    """A translated sentence with its counts isolated left to right (a Hebrew sentence keeps them readable)."""
    shown = {
        k: ltr(number_format(v, force_grouping=True)) if isinstance(v, int) else conditional_escape(v)
        for k, v in values.items()
    }
    return mark_safe(escape(text) % shown)


def _sentence(parts: list[SafeString]) -> SafeString:
    return mark_safe("; ".join(parts) + ".")


def _unsubscribed(result: dict, channel: str) -> list[SafeString]:
    added, already, missing = (result.get(f"{channel}_{key}", 0) for key in ("added", "already", "missing"))
    if channel == Channel.SMS:
        parts = [
            _say(
                ngettext(
                    "%(count)s phone number unsubscribed from SMS",
                    "%(count)s phone numbers unsubscribed from SMS",
                    added,
                ),
                count=added,
            )
        ]
    else:
        parts = [
            _say(
                ngettext(
                    "%(count)s email address unsubscribed from email",
                    "%(count)s email addresses unsubscribed from email",
                    added,
                ),
                count=added,
            )
        ]
    if already:
        parts.append(
            _say(
                ngettext("%(count)s was already unsubscribed", "%(count)s were already unsubscribed", already),
                count=already,
            )
        )
    if missing and channel == Channel.SMS:
        parts.append(
            _say(
                ngettext("%(count)s contact has no mobile phone", "%(count)s contacts have no mobile phone", missing),
                count=missing,
            )
        )
    elif missing:
        parts.append(
            _say(ngettext("%(count)s contact has no email", "%(count)s contacts have no email", missing), count=missing)
        )
    return parts


def result_text(action: str, result: dict, *, group_name: str = "", channel: str = "") -> list[SafeString]:
    """What a bulk action did, in sentences a person reads (one per channel for an unsubscribe)."""
    if action == Action.ADD:
        added, already = result.get("added", 0), result.get("already", 0)
        parts = [
            _say(
                ngettext("%(count)s contact added to “%(group)s”", "%(count)s contacts added to “%(group)s”", added),
                count=added,
                group=group_name,
            )
        ]
        if already:
            parts.append(
                _say(
                    ngettext("%(count)s was already a member", "%(count)s were already members", already), count=already
                )
            )
        return [_sentence(parts)]
    if action == Action.REMOVE:
        removed, others = result.get("removed", 0), result.get("not_members", 0)
        parts = [
            _say(
                ngettext(
                    "%(count)s contact removed from “%(group)s”", "%(count)s contacts removed from “%(group)s”", removed
                ),
                count=removed,
                group=group_name,
            )
        ]
        if others:
            parts.append(
                _say(ngettext("%(count)s was not a member", "%(count)s were not members", others), count=others)
            )
        return [_sentence(parts)]
    if action == Action.UNSUBSCRIBE:
        return [_sentence(_unsubscribed(result, c)) for c in bulk.UNSUBSCRIBE_CHANNELS.get(channel, ())]
    deleted = result.get("deleted", 0)
    return [
        _say(
            ngettext(
                "%(count)s contact deleted; its send history is kept.",
                "%(count)s contacts deleted; their send history is kept.",
                deleted,
            ),
            count=deleted,
        )
    ]


MAX_LISTED = 50  # phones and emails named in a message; the rest are counted


def added_texts(result: dict, *, group_name: str) -> list[SafeString]:
    """What adding members to a group did, new contacts included."""
    texts = result_text(Action.ADD, result, group_name=group_name)
    created = result.get("created", 0)
    if created:
        text = ngettext(
            "%(count)s of them is a new contact, created for a phone or email no contact had.",
            "%(count)s of them are new contacts, created for phones and emails no contact had.",
            created,
        )
        texts.append(_say(text, count=created))
    return texts


def refused_texts(result: dict) -> list[SafeString]:
    """The pasted values that added no one: unknown phones and emails, and values that are neither."""
    texts = []
    unknown = result.get("unknown") or []
    if unknown:
        listed = mark_safe(
            ", ".join(ltr(point) for point in unknown[:MAX_LISTED]) + ("…" if len(unknown) > MAX_LISTED else "")
        )
        text = ngettext(
            "%(count)s phone or email belongs to no contact, and nothing was created for it: %(points)s",
            "%(count)s phones and emails belong to no contact, and nothing was created for them: %(points)s",
            len(unknown),
        )
        texts.append(_say(text, count=len(unknown), points=listed))
    invalid = result.get("invalid") or []
    if invalid:
        reasons = " ".join(str(reason) for _value, reason in invalid[:MAX_LISTED])
        text = ngettext(
            "%(count)s value is not a phone or an email: %(reasons)s",
            "%(count)s values are not phones or emails: %(reasons)s",
            len(invalid),
        )
        texts.append(_say(text, count=len(invalid), reasons=reasons))
    return texts


def _group_for(request, form: BulkActionForm):
    """The chosen group of the account (another account's id is NotFound), or the typed new name's group
    when it exists already, or None for a new one."""
    data = form.cleaned_data
    if data.get("group"):
        return selectors.group_get(account=request.account, pk=data["group"])
    if data.get("new_group"):
        return selectors.group_list(account=request.account).filter(name=data["new_group"]).first()
    return None


def _run(request, form: BulkActionForm, selection: bulk.Selection, count: int, group, back: str):
    action = form.cleaned_data["action"]
    if action == Action.ADD and group is None:
        group = services.group_get_or_create(
            account=request.account, actor=request.user, name=form.cleaned_data["new_group"], source=Source.SCREEN
        )
    params = form.params(group.pk if group else None)
    if count > bulk.INLINE_LIMIT:
        job = bulk.bulk_job_start(
            account=request.account, actor=request.user, action=action, params=params, selection=selection, total=count
        )
        transaction.on_commit(lambda: bulk_job.delay(job.pk))
        return redirect("contacts:bulk_status", pk=job.pk)
    result = bulk.bulk_run(
        account=request.account, actor=request.user, action=action, params=params, selection=selection
    )
    for text in result_text(action, result, group_name=group.name if group else "", channel=params.get("channel", "")):
        messages.success(request, text)
    return redirect(back)


@edit_required
@require_POST
def bulk_action(request):
    """Choose (a group, a channel), then confirm with the count, then run: one screen, three steps."""
    query = request.POST.get("query", "")
    back = _list_url(query)
    selection = _selection(request)
    if selection is None:
        messages.error(request, _("Choose contacts first: tick them, or select all that match the search."))
        return redirect(back)
    step = request.POST.get("step", "")
    groups = selectors.group_list(account=request.account)
    action = request.POST.get("action", "")
    if not step and action in NEEDS_CHOICE:  # from the list: nothing chosen yet, no errors to show
        form = BulkActionForm(initial={"action": action}, groups=groups)
    else:
        form = BulkActionForm(request.POST, groups=groups)
    if form.is_bound and "action" in form.errors:
        return HttpResponseBadRequest(_("Choose an action."))
    selection = bulk.selection_pinned(account=request.account, selection=selection)
    try:
        contacts = bulk.selection_contacts(account=request.account, selection=selection)
    except ApplicationError as exc:
        if isinstance(exc, NotFound):
            raise  # another account's contact or group: answered as a missing one
        return HttpResponseBadRequest(exc.message)
    count = contacts.count()
    if not count:
        messages.info(request, _("No contact matches this selection any more."))
        return redirect(back)
    valid = form.is_bound and form.is_valid()
    group = _group_for(request, form) if valid else None
    if valid and step == "run":
        if form.cleaned_data["action"] == EXPORT:
            return download("csv", contacts_export_rows(request.account, contacts), basename="contacts", sheet_title="")
        return _run(request, form, selection, count, group, back)
    action = form.cleaned_data["action"] if valid else action
    context = {
        "form": form,
        "action": action,
        "reviewing": valid,
        "count": count,
        "group": group,
        "new_group": form.cleaned_data.get("new_group", "") if valid else "",
        "selection": selection,
        "query": query,
        "back": back,
        "background": count > bulk.INLINE_LIMIT,
        "delete_notices": (
            contact_delete_notices(account=request.account, contact_ids=contacts.values("pk"), selected=count)
            if valid and action == Action.DELETE
            else []
        ),
        "section": "contacts",
    }
    status = 400 if form.is_bound and not valid and step else 200
    return render(request, "contacts/bulk_confirm.html", context, status=status)


@edit_required
@require_safe
def bulk_status(request, pk: int):
    """A background bulk action: a live progress bar, then what it did (the person may leave and come back)."""
    job = selectors.bulk_job_get(account=request.account, pk=pk)
    context = {
        "job": job,
        "result": result_text(job.action, job.result, group_name=job.group_name, channel=job.params.get("channel", ""))
        if job.status == BulkJob.Status.DONE
        else [],
        "section": "bulk",
    }
    template = "contacts/bulk_progress.html" if request.htmx else "contacts/bulk_status.html"
    return render(request, template, context)


@edit_required
@require_safe
def bulk_list(request):
    """The account's earlier background bulk actions, newest first, each opening its status screen."""
    page = paginate(request, selectors.bulk_job_list(account=request.account))
    context = {"page": page, "inline_limit": bulk.INLINE_LIMIT, "section": "bulk"}
    return render(request, "contacts/bulk_list.html", context)
