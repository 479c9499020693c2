"""Messages over REST (SPEC API-1, MSG-1): write, send, pause, resume, cancel, and read a message with its
counts and its recipients.

A token acts for its account as a whole (`membership=None`): only users who may manage tokens issue them, and
their role may choose the sender, so a token is held to every rule of the message itself (sender format, known
placeholders, the account's own groups) but to no one user's fixed sender name.
"""

import json
from collections.abc import Mapping

import django_filters
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ParseError
from rest_framework.generics import ListAPIView
from rest_framework.response import Response

from contacts.models import Channel
from marketing.core.api import AccountApiMixin, AccountApiView, ErrorSerializer
from marketing.core.errors import ApplicationError, NotFound
from marketing.core.filters import StrictFilterSet
from marketing.core.openapi import AutoSchema
from marketing.core.parsers import BoundedJSONParser

from . import selectors, services
from .models import Message, Recipient
from .personalize import placeholders_in

MAX_ID = 2**63 - 1  # the largest database id: anything above is refused before it reaches a query
MAX_GROUPS = 1000
MAX_BODY = 200_000  # characters: a long HTML email fits; anything longer is a mistake, not a message


class StorableJSONParser(BoundedJSONParser):
    """JSON whose text PostgreSQL can store: a lone surrogate escape ("\\ud800") is refused with a reason
    instead of failing in the database."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except (UnicodeEncodeError, TypeError, ValueError):
            raise ParseError(
                _("The JSON holds characters that are not valid Unicode (a lone surrogate escape).")
            ) from None
        return data


JSON_ONLY = [StorableJSONParser]


# An input that refuses keys it does not know: a misspelt `exclude_group_id` would otherwise send to everyone it
# was meant to leave out. (A comment, not a docstring: the schema would show it as every input's description.)
class StrictInput(serializers.Serializer):
    def to_internal_value(self, data):
        unknown = sorted(set(data) - set(self.fields)) if isinstance(data, Mapping) else []
        errors = {str(name): [_("Not a field this request takes.")] for name in unknown}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            errors = {**exc.detail, **errors}
            value = None
        if errors:
            raise serializers.ValidationError(errors)
        return value


class StrictInputSchema(AutoSchema):
    """Says in the schema what StrictInput does: no other keys."""

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request" and isinstance(serializer, StrictInput):
            schema["additionalProperties"] = False
        return schema


def _id_list(help_text: str, **kwargs) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        max_length=MAX_GROUPS,
        help_text=help_text,
        **kwargs,
    )


class MessageCreateInput(StrictInput):
    channel = serializers.ChoiceField(choices=Channel.choices)
    name = serializers.CharField(max_length=200, allow_blank=True)
    sender = serializers.CharField(
        max_length=254,
        allow_blank=True,
        required=False,
        default="",
        help_text="SMS: up to 11 English letters and digits, or a phone number. Email: the from-address (required).",
    )
    subject = serializers.CharField(
        max_length=998, allow_blank=True, required=False, default="", help_text="Email only (required there)."
    )
    body = serializers.CharField(
        max_length=MAX_BODY,
        allow_blank=True,
        trim_whitespace=False,
        help_text="Placeholders such as [#First name#] or [#first_name#]; an unknown one is refused, named.",
    )
    group_ids = _id_list("Groups of the account to send to.", min_length=1)
    exclude_group_ids = _id_list("Members of these groups are left out.", required=False, default=list)
    allow_duplicates = serializers.BooleanField(
        required=False,
        default=False,
        help_text="One message per contact row when the personalized content differs, even to a shared phone or email.",
    )


class MessageSendInput(StrictInput):
    at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="When to send (ISO 8601). Without a UTC offset it is read in the account's time zone. Left out, "
        "null or in the past: now.",
    )


class MessageOutput(serializers.Serializer):
    id = serializers.IntegerField()
    channel = serializers.ChoiceField(choices=Channel.choices)
    name = serializers.CharField()
    sender = serializers.CharField()
    subject = serializers.CharField()
    body = serializers.CharField()
    group_ids = serializers.ListField(child=serializers.IntegerField())
    exclude_group_ids = serializers.ListField(child=serializers.IntegerField())
    allow_duplicates = serializers.BooleanField()
    status = serializers.ChoiceField(choices=Message.Status.choices)
    stop_reason = serializers.CharField(help_text="Why sending stopped on its own, e.g. `out_of_credits`; or empty.")
    created_at = serializers.DateTimeField()
    scheduled_at = serializers.DateTimeField(allow_null=True)
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)


class CountsOutput(serializers.Serializer):
    recipients = serializers.IntegerField(help_text="Every recipient row, skipped ones included.")
    queued = serializers.IntegerField()
    sending = serializers.IntegerField()
    sent = serializers.IntegerField()
    delivered = serializers.IntegerField()
    failed = serializers.IntegerField()
    bounced = serializers.IntegerField()
    unknown = serializers.IntegerField(help_text="Interrupted while being handed over; never sent again.")
    skipped = serializers.IntegerField()
    skipped_by_reason = serializers.DictField(
        child=serializers.IntegerField(), help_text="Skipped rows by reason (`suppressed`, `duplicate`, …)."
    )
    segments = serializers.IntegerField(help_text="SMS segments handed to the provider.")
    credits_used = serializers.IntegerField()
    opened = serializers.IntegerField()
    clicked = serializers.IntegerField()
    unsubscribed = serializers.IntegerField()


class MessageDetailOutput(MessageOutput):
    counts = CountsOutput()


class RecipientOutput(serializers.Serializer):
    id = serializers.IntegerField()
    contact = serializers.IntegerField(
        source="contact_id", allow_null=True, help_text="Null once the contact was deleted."
    )
    point = serializers.CharField(help_text="The phone or email it was sent to.")
    status = serializers.ChoiceField(choices=Recipient.Status.choices)
    skip_reason = serializers.CharField(help_text="Why it was skipped; empty otherwise.")
    segments = serializers.IntegerField()
    provider_id = serializers.CharField()
    error_code = serializers.CharField()
    created_at = serializers.DateTimeField()
    attempted_at = serializers.DateTimeField(allow_null=True)
    sent_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    failed_at = serializers.DateTimeField(allow_null=True)
    opened_at = serializers.DateTimeField(allow_null=True)
    clicked_at = serializers.DateTimeField(allow_null=True)
    unsubscribed_at = serializers.DateTimeField(allow_null=True)


class MessageFilter(StrictFilterSet):
    status = django_filters.ChoiceFilter(choices=Message.Status.choices)
    channel = django_filters.ChoiceFilter(choices=Channel.choices)

    class Meta:
        model = Message
        fields = []


class RecipientFilter(StrictFilterSet):
    status = django_filters.ChoiceFilter(choices=Recipient.Status.choices)
    skip_reason = django_filters.ChoiceFilter(choices=Recipient.Skip.choices)

    class Meta:
        model = Recipient
        fields = []


def _detail(message: Message) -> dict:
    message.refresh_from_db()
    return {**MessageOutput(message).data, "counts": CountsOutput(selectors.message_counts(message=message)).data}


def _per_field(exc: ApplicationError, data: dict) -> ApplicationError:
    """A service's refusal as the API answers input errors: 400, `details` mapping each field to its messages."""
    details = exc.details if isinstance(exc.details, dict) else {}
    field = details.get("field")
    if field is None and details.get("placeholders"):
        named = set(details["placeholders"])
        field = next((f for f in ("body", "subject") if named & set(placeholders_in(data.get(f, "")))), None)
    if not isinstance(field, str):
        return exc  # already per field (several refusals), or about no one field
    code = "invalid" if isinstance(exc, NotFound) else exc.code
    return ApplicationError(exc.message, code=code, details={field: [exc.message]})


STATE_CONFLICT = OpenApiResponse(ErrorSerializer, description="The message's status does not allow this.")
CREATE_REFUSED = (
    "The input is not valid; `details` maps each field to its messages: an unknown field, an unknown "
    "placeholder (code `unknown_placeholder`, naming it), a group that is not the account's, a sender "
    "the channel does not take."
)


@extend_schema(summary="Messages of the account, newest first")
class MessageListApi(AccountApiMixin, ListAPIView):
    parser_classes = JSON_ONLY
    schema = StrictInputSchema()
    serializer_class = MessageOutput
    filterset_class = MessageFilter
    queryset = Message.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        return selectors.message_list(account=self.account)

    @extend_schema(
        summary="Write a message (a draft)",
        description="Nothing is sent until `POST /api/v1/messages/{id}/send/`.",
        request=MessageCreateInput,
        responses={
            201: MessageDetailOutput,
            400: OpenApiResponse(ErrorSerializer, description=CREATE_REFUSED),
        },
    )
    def post(self, request):
        data = self.validate(MessageCreateInput, request.data)
        try:
            message = services.message_create(account=self.account, membership=None, **data)
        except ApplicationError as exc:
            raise _per_field(exc, data) from exc
        return Response(_detail(message), status=status.HTTP_201_CREATED)


class MessageDetailApi(AccountApiView):
    parser_classes = JSON_ONLY
    schema = StrictInputSchema()

    @extend_schema(summary="One message, with its counts", responses=MessageDetailOutput)
    def get(self, request, pk: int):
        return Response(_detail(selectors.message_get(account=self.account, pk=pk)))


class MessageSendApi(AccountApiView):
    parser_classes = JSON_ONLY
    schema = StrictInputSchema()

    @extend_schema(
        summary="Send a message, now or at a time",
        description="Accepted: sending runs in the background; follow `status` and `counts` on the message. A "
        "message is sent once: sending one that has started answers 409. Sending a scheduled message again "
        "moves it to the new time (or now).",
        request=MessageSendInput,
        responses={202: MessageDetailOutput, 409: STATE_CONFLICT},
    )
    def post(self, request, pk: int):
        message = selectors.message_get(account=self.account, pk=pk)
        with timezone.override(self.account.time_zone):  # a time without an offset is the account's
            data = self.validate(MessageSendInput, request.data)
        message = services.message_send(account=self.account, message=message, at=data["at"])
        return Response(_detail(message), status=status.HTTP_202_ACCEPTED)


class _MessageActionApi(AccountApiView):
    parser_classes = JSON_ONLY
    schema = StrictInputSchema()

    def act(self, action, pk: int) -> Response:
        message = action(account=self.account, message=selectors.message_get(account=self.account, pk=pk))
        return Response(_detail(message))


def _action_schema(summary: str, description: str):
    return extend_schema(
        summary=summary,
        description=description,
        request=None,
        responses={200: MessageDetailOutput, 409: STATE_CONFLICT},
    )


class MessagePauseApi(_MessageActionApi):
    @_action_schema("Pause a message that is sending", "What is still queued waits. 409 unless it is sending.")
    def post(self, request, pk: int):
        return self.act(services.message_pause, pk)


class MessageResumeApi(_MessageActionApi):
    @_action_schema("Resume a paused message", "Sending goes on in the background. 409 unless it is paused.")
    def post(self, request, pk: int):
        return self.act(services.message_resume, pk)


class MessageCancelApi(_MessageActionApi):
    @_action_schema(
        "Cancel a scheduled, sending or paused message",
        "What is still queued is never sent (skipped as `cancelled`) and its SMS credits go back to the account. "
        "409 once the message has finished.",
    )
    def post(self, request, pk: int):
        return self.act(services.message_cancel, pk)


@extend_schema(summary="Recipients of a message, in the order they were written")
class MessageRecipientsApi(AccountApiMixin, ListAPIView):
    parser_classes = JSON_ONLY
    serializer_class = RecipientOutput
    filterset_class = RecipientFilter
    queryset = Recipient.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        message = selectors.message_get(account=self.account, pk=self.kwargs["pk"])
        return selectors.recipient_list(account=self.account, message=message)


api_urlpatterns = [
    path("messages/", MessageListApi.as_view(), name="message-list"),
    path("messages/<int:pk>/", MessageDetailApi.as_view(), name="message-detail"),
    path("messages/<int:pk>/send/", MessageSendApi.as_view(), name="message-send"),
    path("messages/<int:pk>/pause/", MessagePauseApi.as_view(), name="message-pause"),
    path("messages/<int:pk>/resume/", MessageResumeApi.as_view(), name="message-resume"),
    path("messages/<int:pk>/cancel/", MessageCancelApi.as_view(), name="message-cancel"),
    path("messages/<int:pk>/recipients/", MessageRecipientsApi.as_view(), name="message-recipients"),
]
