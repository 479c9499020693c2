"""The base of every REST API view: an account, one error shape, input validation."""

from django.http import QueryDict
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.views import APIView

from .json_types import json_type_errors


class AccountApiMixin:
    @property
    def account(self):
        return self.request.user.account

    @property
    def actor(self):
        """Who acts, for the audit trail: the request's API token."""
        return self.request.auth

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # who is asking is answered first: 401 before 400
        unknown = sorted(set(request.query_params) - self.query_parameters())
        if unknown:
            # A misspelt filter would otherwise answer with everything.
            raise serializers.ValidationError({name: [_("Unknown parameter.")] for name in unknown})

    def query_parameters(self) -> set[str]:
        names = set()
        for authentication in self.authentication_classes:  # a credential carried in the URL (legacy `json`)
            names |= set(getattr(authentication, "query_parameters", ()))
        filterset_class = getattr(self, "filterset_class", None)
        if filterset_class is not None:
            names |= set(filterset_class.base_filters)
        paginator = getattr(self, "paginator", None)
        if paginator is not None:
            names |= {paginator.page_query_param, paginator.page_size_query_param}
        return names

    def validate(self, serializer_class: type[serializers.Serializer], data, *, partial: bool = False) -> dict:
        """The validated data; `partial` (PATCH) leaves out the fields not sent, required or not."""
        serializer = serializer_class(data=data, partial=partial)
        if isinstance(data, dict) and not isinstance(data, QueryDict):  # a JSON body: no coercion between types
            type_errors = json_type_errors(serializer, data)
            if type_errors:
                raise serializers.ValidationError(type_errors)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class AccountApiView(AccountApiMixin, APIView):
    pass


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    details = serializers.JSONField()


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()
