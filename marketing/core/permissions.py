from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.permissions import BasePermission


class HasAccount(BasePermission):
    """Only calls authenticated as an account (by its API token) go through."""

    message = _("Authentication needed: send “Authorization: Bearer <token>”.")

    def has_permission(self, request, view) -> bool:
        if getattr(request.user, "account", None) is None:
            raise exceptions.NotAuthenticated(self.message)
        return True
