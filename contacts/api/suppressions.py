"""Unsubscribes over REST (SPEC UNS): list and add. There is no delete: re-subscribing is an explicit,
recorded action on the unsubscribe screen (SPEC UNS-4)."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.response import Response

from marketing.core.api import AccountApiMixin
from marketing.core.filters import StrictFilterSet

from .. import selectors, services
from ..models import Channel, Suppression
from ..serializers import SuppressionOutput, SuppressionsAddInput, SuppressionsAddOutput
from .common import JSON_ONLY, SOURCE


class SuppressionFilter(StrictFilterSet):
    point = django_filters.CharFilter(method="filter_point", help_text="Part of the phone number or email address.")
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    created_after = django_filters.DateFilter(method="filter_created_after", help_text="Unsubscribed on or after.")
    created_before = django_filters.DateFilter(method="filter_created_before", help_text="Unsubscribed on or before.")

    class Meta:
        model = Suppression
        fields = ["channel"]

    def _selected(self, queryset, **filters):
        return queryset & selectors.suppression_list(account=self.request.user.account, **filters)

    def filter_point(self, queryset, name, value):
        return self._selected(queryset, search=value)

    def filter_created_after(self, queryset, name, value):
        return self._selected(queryset, date_from=value)

    def filter_created_before(self, queryset, name, value):
        return self._selected(queryset, date_to=value)


@extend_schema(
    summary="Unsubscribed contact points",
    description="Nothing is sent to these points on their channel. There is no delete: re-subscribing is an "
    "explicit, recorded action on the unsubscribe screen (SPEC UNS-4).",
)
class SuppressionListApi(AccountApiMixin, ListAPIView):
    parser_classes = JSON_ONLY
    serializer_class = SuppressionOutput
    filterset_class = SuppressionFilter
    queryset = Suppression.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        return selectors.suppression_list(account=self.account)

    @extend_schema(
        summary="Unsubscribe contact points",
        description="Phone numbers are unsubscribed from SMS, email addresses from email (source `api`). Points "
        "already unsubscribed are counted in `already`; values that are not a phone or an email come back in "
        "`rejected`. Re-subscribing is not possible over the API (SPEC UNS-4).",
        request=SuppressionsAddInput,
        responses=SuppressionsAddOutput,
    )
    def post(self, request):
        data = self.validate(SuppressionsAddInput, request.data)
        result = services.suppressions_add(
            account=self.account, points=data["points"], reason=data["reason"], source=SOURCE
        )
        rejected = [{"point": point, "reason": reason} for point, reason in result["rejected"]]
        return Response({"added": result["added"], "already": result["already"], "rejected": rejected})
