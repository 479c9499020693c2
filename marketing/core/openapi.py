from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from drf_spectacular.utils import OpenApiResponse

ERROR_RESPONSES = {
    "400": "The input is not valid; `details` names each field.",
    "401": "No token, or a token that is not valid or expired.",
    "403": "The token is paused, or the request comes from an address the token does not allow.",
    "404": "Not found in this account.",
    "429": "Too many requests for this token; retry after the `Retry-After` seconds.",
}


class AutoSchema(BaseAutoSchema):
    """Documents the house error shape on every operation."""

    def _get_response_bodies(self, direction="response"):
        from .api import ErrorSerializer

        responses = super()._get_response_bodies(direction)
        for status, description in ERROR_RESPONSES.items():
            if status not in responses:
                responses[status] = self._get_response_for_code(
                    OpenApiResponse(response=ErrorSerializer, description=description), status, direction=direction
                )
        return responses
