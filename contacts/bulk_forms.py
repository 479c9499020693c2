"""Forms of the bulk actions on the contacts list and of adding members on a group's screen (SPEC CON-4)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from marketing.accounts.forms import BootstrapMixin

from .bulk import MAX_POINTS, points_split
from .models import BulkJob
from .serializers import MAX_ID

EXPORT = "export"
ACTION_CHOICES = [*BulkJob.Action.choices, (EXPORT, _("Export CSV"))]
CHANNEL_CHOICES = [("sms", _("SMS")), ("email", _("Email")), ("both", _("SMS and email"))]


def contact_ids(values: list[str]) -> list[int]:
    """Contact ids as a form sends them: ASCII digits within the database's range; anything else is left out."""
    return [int(v) for v in values if v.isascii() and v.isdigit() and 0 < int(v) <= MAX_ID]


class BulkActionForm(BootstrapMixin, forms.Form):
    """What to do with the selection. `group` is an id checked against the account by the view (another
    account's group answers 404); the other fields are checked here, each error next to its field."""

    action = forms.ChoiceField(choices=ACTION_CHOICES, widget=forms.HiddenInput)
    group = forms.IntegerField(label=_("Group"), required=False, min_value=1, max_value=MAX_ID)
    new_group = forms.CharField(label=_("Or a new group named"), required=False, max_length=200)
    channel = forms.ChoiceField(label=_("Unsubscribe from"), required=False, choices=CHANNEL_CHOICES)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].widget = forms.Select(
            choices=[("", _("Choose a group")), *((g.pk, g.name) for g in groups)], attrs={"class": "form-select"}
        )
        self.fields["channel"].widget = forms.RadioSelect(choices=CHANNEL_CHOICES, attrs={"class": "form-check-input"})
        self.fields["reason"].help_text = _(
            "Kept in the unsubscribe history. Empty: “Unsubscribed from the contacts list”."
        )

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action == BulkJob.Action.ADD:
            data["new_group"] = (data.get("new_group") or "").strip()
            if data.get("group") and data["new_group"]:
                self.add_error("new_group", _("Choose a group or type a new name, not both."))
            elif not data.get("group") and not data["new_group"] and "group" not in self.errors:
                self.add_error("group", _("Choose a group, or type the name of a new one."))
        elif action == BulkJob.Action.REMOVE:
            if not data.get("group") and "group" not in self.errors:
                self.add_error("group", _("Choose the group to remove the contacts from."))
        elif action == BulkJob.Action.UNSUBSCRIBE and not data.get("channel") and "channel" not in self.errors:
            self.add_error("channel", _("Choose SMS, email or both."))
        return data

    def params(self, group_id: int | None = None) -> dict:
        """The parameters the service takes for the action (the group once the view has found it)."""
        data, action = self.cleaned_data, self.cleaned_data["action"]
        if action in (BulkJob.Action.ADD, BulkJob.Action.REMOVE):
            return {"group_id": group_id}
        if action == BulkJob.Action.UNSUBSCRIBE:
            return {"channel": data["channel"], "reason": (data.get("reason") or "").strip()}
        return {}


class GroupMembersAddForm(BootstrapMixin, forms.Form):
    """Add members to a group by pasting their phones or emails (contacts chosen from a search come as ids)."""

    points = forms.CharField(
        label=_("Paste phones or emails"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "dir": "ltr"}),
        help_text=_("One per line, or separated by commas."),
    )
    create_missing = forms.BooleanField(
        label=_("Create a new contact for each phone or email that no contact has"),
        required=False,
        help_text=_("Off: they are listed for you and nothing is created."),
    )

    def __init__(self, *args, chosen: list[int] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.chosen = list(chosen)

    def clean_points(self) -> list[str]:
        values = points_split(self.cleaned_data.get("points"))
        if len(values) > MAX_POINTS:
            raise forms.ValidationError(
                _("Paste up to %(max)s phones or emails at a time."), params={"max": f"{MAX_POINTS:,}"}
            )
        return values

    def clean(self):
        data = super().clean()
        if "points" not in self.errors and not data.get("points") and not self.chosen:
            self.add_error("points", _("Paste at least one phone or email, or choose contacts from the search."))
        return data
