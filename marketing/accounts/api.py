import django_filters
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.response import Response

from marketing.core.api import AccountApiMixin, AccountApiView
from marketing.core.filters import StrictFilterSet

from . import selectors
from .models import Account, Department


class AccountOutput(serializers.ModelSerializer):
    class Meta:
        model = Account
        fields = ["slug", "name", "default_region", "time_zone", "language", "sms_credits"]


class DepartmentOutput(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "name", "created_at"]


class DepartmentFilter(StrictFilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains", help_text="Part of the name, any case.")

    class Meta:
        model = Department
        fields = ["name"]


class AccountDetailApi(AccountApiView):
    @extend_schema(responses=AccountOutput, summary="The account this token belongs to")
    def get(self, request):
        return Response(AccountOutput(self.account).data)


@extend_schema(summary="Departments of the account")
class DepartmentListApi(AccountApiMixin, ListAPIView):
    serializer_class = DepartmentOutput
    filterset_class = DepartmentFilter
    queryset = Department.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        return selectors.department_list(account=self.account).order_by("name", "id")


class DepartmentDetailApi(AccountApiView):
    @extend_schema(responses=DepartmentOutput, summary="One department")
    def get(self, request, pk: int):
        return Response(DepartmentOutput(selectors.department_get(account=self.account, pk=pk)).data)


api_urlpatterns = [
    path("account/", AccountDetailApi.as_view(), name="account"),
    path("departments/", DepartmentListApi.as_view(), name="department-list"),
    path("departments/<int:pk>/", DepartmentDetailApi.as_view(), name="department-detail"),
]
