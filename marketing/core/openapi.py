from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from drf_spectacular.utils import OpenApiResponse

ERROR_RESPONSES = {
    "400": "The input is not valid; `details` names each field.",
    "401": "No token, or a token that is not valid or expired.",
    "403": "The token is paused, or the request comes from an address the token does not allow.",
    "404": "Not found in this account.",
    "429": "Too many requests for this token; retry after the `Retry-After` seconds.",
}
BODY_TOO_LARGE = "The request body is larger than the server takes; `message` names the limit."
CONFLICT = "The name is taken by another row of the account (a group, a field label or API name)."


class AutoSchema(BaseAutoSchema):
    """Documents the house error shape on every operation."""

    def _get_response_bodies(self, direction="response"):
        from .api import ErrorSerializer

        responses = super()._get_response_bodies(direction)
        errors = dict(ERROR_RESPONSES)
        if self.method in ("POST", "PUT", "PATCH"):
            errors["409"] = CONFLICT
            errors["413"] = BODY_TOO_LARGE
        for status, description in errors.items():
            if status not in responses:
                responses[status] = self._get_response_for_code(
                    OpenApiResponse(response=ErrorSerializer, description=description), status, direction=direction
                )
        return responses


NO_NULL_CHARACTER = "^[^\\u0000]*$"


def _forbid_null_characters(node) -> None:
    if isinstance(node, list):
        for item in node:
            _forbid_null_characters(item)
    elif isinstance(node, dict):
        if node.get("type") == "string" and not ({"format", "enum", "pattern"} & node.keys()):
            node["pattern"] = NO_NULL_CHARACTER
        for value in node.values():
            _forbid_null_characters(value)


def forbid_null_characters_hook(result, generator, request, public):
    """Text never holds a NUL character (PostgreSQL cannot store one, and the API refuses it): every plain
    string a caller sends says so, in bodies and in query parameters alike."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request"):  # answers may quote what was sent; only what is sent is held to it
            _forbid_null_characters(component)
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict):
                _forbid_null_characters(operation.get("parameters", []))
    return result
