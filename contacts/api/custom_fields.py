"""Custom fields over REST (SPEC CON-3): list and read; create with the same checks as the fields screen."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response

from marketing.core.api import AccountApiMixin, AccountApiView

from .. import fields, selectors
from ..models import CustomField
from ..serializers import CustomFieldInput, CustomFieldOutput
from .common import JSON_ONLY


@extend_schema(summary="Custom fields of the account")
class CustomFieldListApi(AccountApiMixin, ListAPIView):
    parser_classes = JSON_ONLY
    serializer_class = CustomFieldOutput
    queryset = CustomField.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        return selectors.custom_field_list(account=self.account)

    @extend_schema(
        summary="Create a custom field",
        description="Its API name never changes afterwards. Editing and deleting fields are done on the fields screen.",
        request=CustomFieldInput,
        responses={201: CustomFieldOutput},
    )
    def post(self, request):
        data = self.validate(CustomFieldInput, request.data)
        field = fields.custom_field_create(
            account=self.account,
            actor=self.actor,
            label=data["label"],
            api_name=data["api_name"],
            kind=data["kind"],
            choices=data.get("choices") or (),
        )
        return Response(CustomFieldOutput(field).data, status=status.HTTP_201_CREATED)


class CustomFieldDetailApi(AccountApiView):
    parser_classes = JSON_ONLY

    @extend_schema(summary="One custom field", responses=CustomFieldOutput)
    def get(self, request, pk: int):
        return Response(CustomFieldOutput(selectors.custom_field_get(account=self.account, pk=pk)).data)
