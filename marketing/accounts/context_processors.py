from .roles import Perm, has_perm
from .selectors import memberships_for_user


class _Perms:
    """`{% if perms_here.users_manage %}` in templates: the current membership's permissions."""

    def __init__(self, membership):
        self._membership = membership

    def __getattr__(self, name: str) -> bool:
        value = name.replace("_", ".", 1)
        if value not in Perm.values:
            raise AttributeError(name)
        return has_perm(self._membership, value)


def current_account(request) -> dict:
    membership = getattr(request, "membership", None)
    if membership is None:
        return {"current_account": None, "current_membership": None, "perms_here": _Perms(None)}

    def other_memberships():
        return [m for m in memberships_for_user(user=request.user) if m.account_id != membership.account_id]

    return {
        "current_account": membership.account,
        "current_membership": membership,
        "perms_here": _Perms(membership),
        "other_memberships": other_memberships,
    }
