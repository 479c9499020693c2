"""The base of every REST API view: an account, one error shape, input validation."""

from rest_framework import serializers
from rest_framework.views import APIView


class AccountApiMixin:
    @property
    def account(self):
        return self.request.user.account

    def validate(self, serializer_class: type[serializers.Serializer], data) -> dict:
        serializer = serializer_class(data=data)
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
