from rest_framework.throttling import SimpleRateThrottle


class TokenRateThrottle(SimpleRateThrottle):
    """Per-token request rate (SPEC API-4); over it the API answers 429 with Retry-After."""

    scope = "token"

    def get_cache_key(self, request, view):
        token = getattr(request, "auth", None)
        if token is None or not getattr(token, "pk", None):
            return None
        return self.cache_format % {"scope": self.scope, "ident": token.pk}
