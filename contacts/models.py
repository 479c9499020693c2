from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketing.core.models import BackgroundJob, TenantModel

from .schema import Gender

# The built-in fields are defined once in `schema`; the columns below are the database's side of it (their
# lengths equal the schema's: tests/contacts/test_schema.py). `source` holds a `sources.Source` value.


class CustomField(TenantModel):
    """An account's own contact field (SPEC CON-3): typed, labelled in any language, with an API name."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        NUMBER = "number", _("Number")
        DATE = "date", _("Date")
        CHOICE = "choice", _("Choice")

    api_name = models.CharField(_("API name"), max_length=64)
    label = models.CharField(_("label"), max_length=200)
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices, default=Kind.TEXT)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    is_legacy_slot = models.BooleanField(_("legacy slot"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["label", "id"]
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        constraints = [
            models.UniqueConstraint(fields=["account", "api_name"], name="customfield_unique_api_name"),
            models.UniqueConstraint(fields=["account", "label"], name="customfield_unique_label"),
        ]

    def __str__(self) -> str:
        return self.label


class Contact(TenantModel):
    """A person the business can reach: a phone, an email, or both (SPEC CON-1)."""

    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    email = models.CharField(_("email"), max_length=254, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    additional_date = models.DateField(_("additional date"), null=True, blank=True)
    registration_date = models.DateField(_("registration date"), null=True, blank=True)
    external_ref = models.CharField(_("external reference"), max_length=100, blank=True)
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)
    source = models.CharField(_("source"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        # The contact point leads each matching index: the upsert engine probes by point alone, so a probe can
        # never be planned as a walk through the whole account (storage.records_find).
        constraints = [
            models.UniqueConstraint(
                fields=["external_ref", "account"], condition=~Q(external_ref=""), name="contact_unique_ref"
            ),
            models.CheckConstraint(condition=~Q(email="", phone=""), name="contact_has_a_point"),
        ]
        indexes = [
            models.Index(fields=["email", "account"], name="contact_email_account"),
            models.Index(fields=["phone", "account"], name="contact_phone_account"),
        ]

    def __str__(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return name or self.email or self.phone


class WriterTurn(models.Model):
    """The account's turn of writing contacts (storage.writers_turn): its row is locked by the writer whose
    turn it is, and its number counts the turns."""

    account = models.OneToOneField("accounts.Account", on_delete=models.CASCADE, primary_key=True, related_name="+")
    number = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.account_id}: {self.number}"


class Group(TenantModel):
    """A list of contacts (SPEC CON-4)."""

    class Kind(models.TextChoices):
        REGULAR = "regular", _("Regular")
        EXTERNAL = "external", _("External source")
        CLICKERS = "clickers", _("Saved clickers")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.REGULAR)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        constraints = [models.UniqueConstraint(fields=["account", "name"], name="group_unique_name")]

    def __str__(self) -> str:
        return self.name


class GroupMembership(TenantModel):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="memberships")
    joined_at = models.DateTimeField(_("joined"), default=timezone.now)
    source = models.CharField(_("source"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("group membership")
        verbose_name_plural = _("group memberships")
        constraints = [models.UniqueConstraint(fields=["group", "contact"], name="membership_unique_contact")]
        indexes = [models.Index(fields=["contact"], name="membership_contact")]


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")


class Suppression(TenantModel):
    """An unsubscribed contact point on one channel (SPEC UNS-1). Present means: send nothing there."""

    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    point = models.CharField(_("contact point"), max_length=254)
    reason = models.TextField(_("reason"), blank=True)  # a person's words, or a stored text (core.texts)
    source = models.CharField(_("source"), max_length=32)
    created_at = models.DateTimeField(_("date"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("unsubscribe")
        verbose_name_plural = _("unsubscribes")
        constraints = [models.UniqueConstraint(fields=["account", "channel", "point"], name="suppression_unique_point")]


class SuppressionEvent(TenantModel):
    """Append-only history of suppressions and explicit re-subscriptions (SPEC UNS-2, UNS-4)."""

    class Action(models.TextChoices):
        SUPPRESSED = "suppressed", _("Unsubscribed")
        RESUBSCRIBED = "resubscribed", _("Re-subscribed")

    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    point = models.CharField(_("contact point"), max_length=254)
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    reason = models.TextField(_("reason"), blank=True)  # a person's words, or a stored text (core.texts)
    source = models.CharField(_("source"), max_length=32)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(_("date"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("unsubscribe history entry")
        verbose_name_plural = _("unsubscribe history")
        indexes = [models.Index(fields=["account", "point"], name="suppressionevent_point")]


class ImportJob(BackgroundJob):
    """One import run (SPEC IMP-1…7): its file, choices, progress and outcome."""

    filename = models.CharField(_("file"), max_length=255)
    file = models.FileField(upload_to="imports/", blank=True)
    mapping = models.JSONField(_("mapping"), default=list)
    options = models.JSONField(_("options"), default=dict)
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.SET_NULL)
    rows_read = models.PositiveIntegerField(default=0)
    rows_new = models.PositiveIntegerField(default=0)
    rows_updated = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    rejected_file = models.FileField(upload_to="imports/", blank=True)
    consent = models.BooleanField(_("consent given"), default=False)

    class Meta(BackgroundJob.Meta):
        verbose_name = _("import")
        verbose_name_plural = _("imports")


class RememberedMapping(TenantModel):
    """The mapping a person chose for a set of headers, offered again next time."""

    signature = models.CharField(max_length=64)
    mapping = models.JSONField(default=dict)  # header key -> field
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "signature"], name="remembered_mapping_unique")]


class BulkJob(BackgroundJob):
    """One bulk action on a large selection of contacts (SPEC CON-4, CON-7), run in the background.

    `selection` is the chosen contact ids, or the search and filters of the contacts list (its query
    string) with the highest contact id there was when the person confirmed. The worker walks it by id,
    newest first: `cursor` is the last contact id done, written in the same transaction as each chunk's
    work, so a rerun goes on from there.
    """

    class Action(models.TextChoices):
        ADD = "add", _("Add to a group")
        REMOVE = "remove", _("Remove from a group")
        UNSUBSCRIBE = "unsubscribe", _("Unsubscribe")
        DELETE = "delete", _("Delete")

    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    selection = models.JSONField(_("selection"), default=dict)
    params = models.JSONField(_("parameters"), default=dict)
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    group_name = models.CharField(_("group"), max_length=200, blank=True)
    total = models.PositiveIntegerField(_("contacts"), default=0)
    done = models.PositiveIntegerField(_("done"), default=0)
    cursor = models.BigIntegerField(null=True, blank=True)
    result = models.JSONField(_("result"), default=dict)

    class Meta(BackgroundJob.Meta):
        verbose_name = _("bulk action")
        verbose_name_plural = _("bulk actions")
