"""How the token authentications appear in the OpenAPI schema (loaded by TokensConfig.ready)."""

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension

from .authentication import BearerTokenAuthentication, LegacyBodyTokenAuthentication


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = BearerTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": _("An API token of the account.")}


class LegacyBodyTokenScheme(OpenApiAuthenticationExtension):
    target_class = LegacyBodyTokenAuthentication
    name = "legacyBodyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "query",
            "name": "json",
            "description": 'The token inside the JSON document: {"User": {"Username": …, "Token": …}}.',
        }
