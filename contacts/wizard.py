"""The import wizard screens (SPEC IMP-1…4): load, map, choose a group, then progress and summary."""

import csv
import io

from django import forms
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from marketing.accounts.forms import BootstrapMixin
from marketing.accounts.roles import Perm
from marketing.accounts.views import account_required
from marketing.core.errors import ApplicationError
from marketing.core.forms import form_errors_add
from marketing.core.texts import Text

from . import schema, selectors
from .exports import csv_response
from .forms import GroupForm
from .importers import (
    MAX_GROUP_COLUMNS,
    BadRow,
    ImportFileError,
    header_label,
    read_pasted,
    read_table,
    read_typed_points,
    rows_estimate,
)
from .imports import (
    MATCHING_KEYS,
    mapping_remember,
    mapping_remembered,
    mapping_suggest,
    mapping_validate,
    rejected_file_lines,
    rejected_rows_rendered,
)
from .models import CustomField, ImportJob
from .services import group_create

PREVIEW_ROWS = 5
# Every field a column can map to, as the schema names them, in the order screens show fields.
STANDARD_CHOICES = [(entry.key, entry.label) for entry in schema.on_screen(schema.importable())]
IGNORE_VALUE = "__ignore__"
SAMPLE_ROWS = [
    ["שם פרטי", "שם משפחה", "טלפון נייד", "אימייל", "תאריך לידה", "קבוצה"],
    ["דנה", "לוי", "050-1234567", "dana@example.com", "29/02/1992", "לקוחות"],
    ["Noam", "Cohen", "+972 52 765 4321", "noam@example.com", "1988-07-14", "VIP"],
]


class LoadForm(BootstrapMixin, forms.Form):
    SOURCES = [
        ("file", gettext_lazy("Upload a file")),
        ("paste", gettext_lazy("Paste")),
        ("typed", gettext_lazy("Type")),
    ]

    source = forms.ChoiceField(choices=SOURCES, initial="file", widget=forms.RadioSelect)
    file = forms.FileField(label=gettext_lazy("CSV or Excel file"), required=False)
    pasted = forms.CharField(
        label=gettext_lazy("Paste rows from a spreadsheet (the first row holds the headers)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "dir": "auto"}),
    )
    typed = forms.CharField(
        label=gettext_lazy("One phone number or email per line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "dir": "ltr"}),
    )
    consent = forms.BooleanField(
        label=gettext_lazy(
            "Everyone in this upload agreed to receive messages from us, as the anti-spam law requires."
        ),
        error_messages={"required": gettext_lazy("Confirm the consent to continue.")},
    )

    def clean(self):
        data = super().clean()
        source = data.get("source")
        if source == "file" and not data.get("file"):
            self.add_error("file", _("Choose a file to upload."))
        if source == "paste" and not (data.get("pasted") or "").strip():
            self.add_error("pasted", _("Paste the rows to import."))
        if source == "typed" and not (data.get("typed") or "").strip():
            self.add_error("typed", _("Type at least one phone number or email."))
        return data


class MappingForm(BootstrapMixin, forms.Form):
    """Step 2: a field, or "ignore", for each column of the file (`column_0`, `column_1`, …), and what to do
    with new and existing contacts. Every refused column is told next to it, all at once."""

    add_new = forms.BooleanField(label=gettext_lazy("Add new contacts"), required=False)
    update_existing = forms.BooleanField(label=gettext_lazy("Update existing contacts"), required=False)
    avoid_losing_data = forms.BooleanField(
        label=gettext_lazy("Avoid losing data (an empty cell never erases a value)"), required=False
    )

    def __init__(self, *args, headers: list[str], choices: list[tuple[str, str]], chosen: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.names = [f"column_{i}" for i in range(len(headers))]
        for name, header, value in zip(self.names, headers, chosen, strict=True):
            label = header_label(header)
            self.fields[name] = forms.ChoiceField(label=label, choices=choices, required=False, initial=value)
        for name in self.names:  # a column still to decide is highlighted
            css = "form-select" if self[name].value() else "form-select border-warning"
            self.fields[name].widget.attrs.update(
                {"class": css, "aria-label": _("Field for %(header)s") % {"header": self.fields[name].label}}
            )

    def clean(self):
        data = super().clean()
        chosen = {name: data[name] for name in self.names if name in data}
        labels = dict(self.fields[self.names[0]].choices) if self.names else {}
        for name, value in chosen.items():
            if not value:
                self.add_error(name, _("Choose a field for this column, or “ignore”."))
        fields = [value for value in chosen.values() if value and value != IGNORE_VALUE]
        for name, value in chosen.items():
            if value and value not in (IGNORE_VALUE, "group") and fields.count(value) > 1:
                self.add_error(name, _("Another column is also mapped to %(field)s.") % {"field": labels[value]})
            if value == "group" and fields.count("group") > MAX_GROUP_COLUMNS:
                self.add_error(name, _("A file can have up to three group columns."))
        if len(chosen) == len(self.names) and not set(fields) & MATCHING_KEYS:
            self.add_error(None, _("Map at least one column to the mobile phone or the email."))
        return data

    def mapping(self) -> list[str | None]:
        """The columns' fields for the import: None for a column ignored."""
        return [None if self.cleaned_data[name] == IGNORE_VALUE else self.cleaned_data[name] for name in self.names]

    def options(self) -> dict:
        return {key: self.cleaned_data[key] for key in ("add_new", "update_existing", "avoid_losing_data")}


def _table_of(job: ImportJob):
    handle = job.file.open("rb")
    return handle, read_table(handle, filename=job.filename)


def _as_csv(table) -> bytes:
    """Pasted or typed rows as the CSV file the import reads; a line that cannot be read is refused now, to fix."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(table.headers)
    for row in table.rows:
        if isinstance(row, BadRow):
            raise ImportFileError(Text.loaded(row.reason))
        writer.writerow(row)
    return buffer.getvalue().encode("utf-8")


@account_required(Perm.CONTACTS_EDIT)
def import_load(request):
    """Step 1: a file, pasted rows or typed points, and the consent."""
    form = LoadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["source"] == "file":
                upload = data["file"]
                # Refuse an unreadable file now, with the reason; only its first rows are read.
                read_table(upload, filename=upload.name).close()
                upload.seek(0)
                name, content = upload.name, upload
            else:
                table = read_pasted(data["pasted"]) if data["source"] == "paste" else read_typed_points(data["typed"])
                name, content = f"{data['source']}.csv", ContentFile(_as_csv(table))
        except ApplicationError as exc:  # on the field the rows came from
            form.add_error({"file": "file", "paste": "pasted"}.get(data["source"], "typed"), exc.message)
        else:
            job = ImportJob(account=request.account, filename=name, consent=True, created_by=request.user)
            job.file.save(name, content, save=False)
            job.save()
            return redirect("contacts:import_mapping", pk=job.pk)
    return render(request, "contacts/import_load.html", {"form": form, "step": 1})


def _field_choices(account) -> list[tuple[str, str]]:
    custom = [(f"custom:{f.api_name}", f.label) for f in CustomField.objects.filter(account=account)]
    return [("", _("— choose —")), (IGNORE_VALUE, _("Ignore this column")), *STANDARD_CHOICES, *custom]


def _pending_job(request, pk: int) -> ImportJob | None:
    """The account's job while it waits for its mapping; None once it has started. Another account's job is
    NotFound (404), like a missing one."""
    job = selectors.import_job_get(account=request.account, pk=pk)
    if job.status != ImportJob.Status.PENDING or job.started_at is not None:
        return None
    return job


@account_required(Perm.CONTACTS_EDIT)
def import_mapping(request, pk: int):
    """Step 2: every column mapped to a field or explicitly ignored, with a preview."""
    job = _pending_job(request, pk)
    if job is None:  # already started: show how it goes
        return redirect("contacts:import_status", pk=pk)
    handle, table = _table_of(job)
    headers = list(table.headers)  # before reading rows: a long row adds columns to table.headers
    with handle:  # the first rows, and the size of the file without reading it through
        preview = [row for _i, row in zip(range(PREVIEW_ROWS), table.rows, strict=False)]
        table.close()
        total = rows_estimate(handle, table)
    chosen = [""] * len(headers)  # a POST: the form shows what was sent
    if request.method != "POST":
        remembered = mapping_remembered(account=request.account, headers=headers)
        if remembered is not None:  # the user's own earlier choice, "ignore" included
            chosen = [key or IGNORE_VALUE for key in remembered]
        else:  # an unmapped column waits for a decision; nothing is ignored silently
            chosen = [key or "" for key in mapping_suggest(account=request.account, headers=headers)]
    form = MappingForm(
        request.POST or None,
        headers=headers,
        choices=_field_choices(request.account),
        chosen=chosen,
        initial=job.options or {"add_new": True, "update_existing": True, "avoid_losing_data": False},
    )
    if request.method == "POST" and form.is_valid():
        mapping = form.mapping()
        try:
            mapping_validate(account=request.account, headers=headers, mapping=mapping)
        except ApplicationError as exc:
            form_errors_add(form, exc)
        else:
            mapping_remember(account=request.account, headers=headers, mapping=mapping)
            job.mapping = mapping
            job.rows_total = total
            job.options = form.options()
            job.save(update_fields=["mapping", "rows_total", "options"])
            if "group" in mapping:  # the file names the groups itself: no group step
                return _start(job)
            return redirect("contacts:import_group", pk=job.pk)
    columns = [
        {
            "field": form[name],
            "header": form.fields[name].label,
            "samples": [row[i] for row in preview if i < len(row) and row[i]][:3],
        }
        for i, name in enumerate(form.names)
    ]
    context = {"job": job, "form": form, "columns": columns, "total": total, "step": 2}
    return render(request, "contacts/import_mapping.html", context)


def _start(job: ImportJob):
    from .tasks import import_job

    transaction.on_commit(lambda: import_job.delay(job.pk))
    return redirect("contacts:import_status", pk=job.pk)


def _new_group_name(request) -> str:
    """The typed name, checked as the groups screen checks it (length, characters a database can store)."""
    name = request.POST.get("name", "")
    form = GroupForm({"name": name})
    if name.strip() and not form.is_valid():
        raise ApplicationError(" ".join(form.errors["name"]))
    return name  # an empty name is refused by group_create, with its own message


@account_required(Perm.CONTACTS_EDIT)
def import_group(request, pk: int):
    """Step 3: a new group, an existing group, or none."""
    job = _pending_job(request, pk)
    if job is None:  # already started: show how it goes
        return redirect("contacts:import_status", pk=pk)
    groups = selectors.group_list(account=request.account)
    error, choice = "", "new"
    if request.method == "POST":
        choice = request.POST.get("group_choice", "none")
        try:
            with transaction.atomic():
                if choice == "new":
                    job.group = group_create(account=request.account, actor=request.user, name=_new_group_name(request))
                elif choice == "existing":
                    job.group = selectors.group_get(account=request.account, pk=int(request.POST.get("group") or 0))
                job.save(update_fields=["group"])
                return _start(job)
        except (ApplicationError, ValueError) as exc:
            error = getattr(exc, "message", _("Choose a group."))
    context = {  # a refused choice comes back as it was typed, its error next to it
        "job": job,
        "groups": groups,
        "error": error,
        "choice": choice,
        "name": request.POST.get("name", "")[:200],
        "step": 3,
    }
    return render(request, "contacts/import_group.html", context)


@account_required(Perm.CONTACTS_EDIT)
def import_status(request, pk: int):
    """Step 4: a live progress bar, then the summary (the person may leave and come back)."""
    job = selectors.import_job_get(account=request.account, pk=pk)
    template = "contacts/import_progress.html" if request.htmx else "contacts/import_status.html"
    return render(request, template, {"job": job, "step": 4})


@account_required(Perm.CONTACTS_EDIT)
def import_rejected(request, pk: int):
    """The rejected rows with the reason of each, in the language of the person who downloads them."""
    job = selectors.import_job_get(account=request.account, pk=pk)
    if not job.rejected_file:
        return HttpResponse(_("No rows were rejected."), content_type="text/plain; charset=utf-8", status=404)
    return csv_response(rejected_rows_rendered(rejected_file_lines(job)), filename=f"rejected-rows-{job.pk}.csv")


@account_required(Perm.CONTACTS_EDIT)
def import_sample(request):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(SAMPLE_ROWS)
    response = HttpResponse(("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="contacts-sample.csv"'
    return response


@account_required(Perm.CONTACTS_EDIT)
def import_list(request):
    jobs = selectors.import_job_list(account=request.account)[:50]
    return render(request, "contacts/import_list.html", {"jobs": jobs})


@account_required(Perm.CONTACTS_EDIT)
@require_POST
def import_cancel(request, pk: int):
    job = selectors.import_job_get(account=request.account, pk=pk)
    if job.status == ImportJob.Status.PENDING and job.started_at is None:
        job.delete()
    return redirect("contacts:import")


urlpatterns = [
    path("import/", import_load, name="import"),
    path("import/history/", import_list, name="import_list"),
    path("import/sample.csv", import_sample, name="import_sample"),
    path("import/<int:pk>/mapping/", import_mapping, name="import_mapping"),
    path("import/<int:pk>/group/", import_group, name="import_group"),
    path("import/<int:pk>/", import_status, name="import_status"),
    path("import/<int:pk>/rejected.csv", import_rejected, name="import_rejected"),
    path("import/<int:pk>/cancel/", import_cancel, name="import_cancel"),
]
