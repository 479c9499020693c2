"""The error shape every Salesforce REST resource answers with."""


class ApiError(Exception):
    """An error answered as `[{"message", "errorCode", "fields"?}]` with an HTTP status."""

    def __init__(self, status: int, code: str, message: str, fields: list[str] | None = None):
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields

    def as_json(self) -> list[dict]:
        body = {"message": self.message, "errorCode": self.code}
        if self.fields is not None:
            body["fields"] = list(self.fields)
        return [body]

    def as_record_error(self) -> dict:
        """The per-record form used by sObject Collections."""
        return {"statusCode": self.code, "message": self.message, "fields": list(self.fields or [])}


def not_found() -> ApiError:
    return ApiError(404, "NOT_FOUND", "The requested resource does not exist")


def entity_deleted() -> ApiError:
    return ApiError(404, "ENTITY_IS_DELETED", "entity is deleted", [])
