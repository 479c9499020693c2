"""Users and connected apps of the org: who can log in, with which credentials, through which app."""

from dataclasses import dataclass

from . import ids
from .errors import ApiError

DEFAULT_CLIENT_ID = "emulator-client-id"
DEFAULT_CLIENT_SECRET = "emulator-client-secret"  # noqa: S105 - the emulator's published test credential
INTEGRATION_USERNAME = "integration@example.com"
ADMIN_USERNAME = "admin@example.com"
DEFAULT_PASSWORD = "password"  # noqa: S105
DEFAULT_SECURITY_TOKEN = "TOKEN"  # noqa: S105


@dataclass
class ConnectedApp:
    client_id: str
    client_secret: str
    jwt_public_key_pem: str | None = None
    run_as_user_id: str | None = None


class UsersMixin:
    """Part of Org: expects its lock, tables, types, id factory and `_template`."""

    def _add_user(
        self,
        user_id: str,
        username: str,
        first: str,
        last: str,
        *,
        email: str | None = None,
        password: str = DEFAULT_PASSWORD,
        security_token: str = DEFAULT_SECURITY_TOKEN,
    ) -> str:
        stamp = self._stamp()
        self._tables["User"][user_id] = {
            **self._template(self.types["User"]),
            "Id": user_id,
            "Username": username,
            "FirstName": first,
            "LastName": last,
            "Name": f"{first} {last}".strip(),
            "Email": email or username,
            "IsActive": True,
            "CreatedDate": stamp,
            "LastModifiedDate": stamp,
            "SystemModstamp": stamp,
            "CreatedById": self.admin_user_id,
            "LastModifiedById": self.admin_user_id,
        }
        self._logins[username.lower()] = (user_id, password, security_token)
        return user_id

    def create_user(
        self,
        username: str,
        *,
        first_name: str = "",
        last_name: str = "User",
        email: str | None = None,
        password: str = DEFAULT_PASSWORD,
        security_token: str = DEFAULT_SECURITY_TOKEN,
    ) -> str:
        with self.lock:
            if username.lower() in self._logins:
                raise ApiError(400, "DUPLICATE_USERNAME", f"Duplicate Username: {username}", ["Username"])
            user_id = self._ids.next(ids.KEY_PREFIXES["User"])
            return self._add_user(
                user_id, username, first_name, last_name, email=email, password=password, security_token=security_token
            )

    def user_id(self, by_user: str | None) -> str:
        """`None` and "admin" mean the admin user, "integration" the integration user, else a User id."""
        if by_user is None or by_user == "admin":
            return self.admin_user_id
        if by_user == "integration":
            return self.integration_user_id
        normal = ids.normalize(by_user)
        if normal is None or normal not in self._tables["User"]:
            raise ValueError(f"No such user: {by_user}")
        return normal

    def find_user(self, username: str) -> str | None:
        found = self._logins.get((username or "").lower())
        return found[0] if found else None

    def login(self, username: str, password_and_token: str) -> str | None:
        found = self._logins.get((username or "").lower())
        if found is None:
            return None
        user_id, password, token = found
        return user_id if password_and_token == password + token else None

    def register_app(
        self,
        client_id: str,
        client_secret: str,
        *,
        jwt_public_key_pem: str | None = None,
        run_as_user_id: str | None = None,
    ) -> ConnectedApp:
        app = ConnectedApp(client_id, client_secret, jwt_public_key_pem, run_as_user_id)
        self.apps[client_id] = app
        return app
