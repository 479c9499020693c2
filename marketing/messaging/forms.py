"""The compose screen's form (SPEC MSG-1…4): the content the services check, and when to send it."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts.models import Channel, Group
from marketing.accounts.forms import BootstrapMixin
from marketing.accounts.roles import Perm, has_perm

from .models import Message

CONTENT_FIELDS = ("name", "sender", "subject", "body", "group_ids", "exclude_group_ids", "allow_duplicates")


class GroupChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Group) -> str:
        return obj.name


class MessageForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("Message name"), max_length=200, required=False)
    sender = forms.CharField(label=_("Sender"), max_length=254, required=False)
    subject = forms.CharField(label=_("Subject"), max_length=998, required=False)
    body = forms.CharField(label=_("Message"), required=False, strip=False, widget=forms.Textarea(attrs={"rows": 8}))
    group_ids = GroupChoiceField(label=_("Send to the groups"), queryset=Group.objects.none(), required=False)
    exclude_group_ids = GroupChoiceField(
        label=_("Leave out the members of"), queryset=Group.objects.none(), required=False
    )
    allow_duplicates = forms.BooleanField(
        label=_("Allow duplicates"),
        required=False,
        help_text=_("One message per contact even when several share a phone or email (sent once per different text)."),
    )
    scheduled_at = forms.DateTimeField(
        label=_("Send at"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    test_to = forms.CharField(label=_("Send a test to"), max_length=254, required=False)

    def __init__(self, *args, account, membership, channel: str, user_email: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.channel = channel
        groups = Group.objects.filter(account=account).order_by("name")
        for name in ("group_ids", "exclude_group_ids"):
            self.fields[name].queryset = groups
            self.fields[name].widget.attrs.update({"size": min(max(groups.count(), 3), 8)})
        self.fields["name"].widget.attrs["dir"] = "auto"
        self.fields["subject"].widget.attrs["dir"] = "auto"
        body = self.fields["body"].widget
        body.attrs.update({"dir": "auto", "data-placeholder-target": "1"})
        if channel == Channel.SMS:
            del self.fields["subject"]
            body.attrs["data-sms-counter"] = "sms-counter"
            self.fields["sender"].help_text = _("Up to 11 English letters and digits, or a phone number.")
            self.fields["test_to"].help_text = _("A mobile phone number.")
            self.fields["test_to"].widget.attrs.update({"dir": "ltr", "inputmode": "tel"})
        else:
            self.fields["sender"].label = _("From address")
            self.fields["sender"].widget.attrs["dir"] = "ltr"
            body.attrs.update({"data-email-body": "1", "dir": "ltr", "spellcheck": "false"})
            self.fields["body"].label = _("HTML")
            test_to = self.fields["test_to"]
            test_to.disabled = True
            test_to.initial = user_email
            test_to.help_text = _("The test goes to your own email address.")
        if not has_perm(membership, Perm.MESSAGES_CHOOSE_SENDER):
            sender = self.fields["sender"]
            sender.disabled = True
            sender.initial = membership.fixed_sender_name
            sender.help_text = _("Your role sends with this sender only.")
        self.can_compose = has_perm(membership, Perm.MESSAGES_COMPOSE)
        if not self.can_compose:
            for name in CONTENT_FIELDS:
                if name in self.fields:
                    self.fields[name].disabled = True

    def content(self) -> dict:
        """The cleaned content as the services take it."""
        data = self.cleaned_data
        content = {
            "name": data.get("name") or "",
            "sender": data.get("sender") or "",
            "subject": data.get("subject") or "",
            "body": data.get("body") or "",
            "group_ids": [g.pk for g in data.get("group_ids") or ()],
            "exclude_group_ids": [g.pk for g in data.get("exclude_group_ids") or ()],
            "allow_duplicates": bool(data.get("allow_duplicates")),
        }
        if self.channel != Channel.EMAIL:
            content["subject"] = ""
        return content

    @staticmethod
    def initial_for(message: Message) -> dict:
        return {
            "name": message.name,
            "sender": message.sender,
            "subject": message.subject,
            "body": message.body,
            "group_ids": message.group_ids,
            "exclude_group_ids": message.exclude_group_ids,
            "allow_duplicates": message.allow_duplicates,
            "scheduled_at": timezone.localtime(message.scheduled_at) if message.scheduled_at else None,
        }
