from django.db.models import Count, QuerySet

from marketing.core.tenancy import tenant_get

from .models import Account, Department, Membership, User
from .roles import Perm, Role, has_perm


def memberships_for_user(*, user: User) -> QuerySet[Membership]:
    """The accounts a user can work in (active memberships of active accounts)."""
    return (
        Membership.objects.filter(user=user, is_active=True, account__is_active=True)
        .select_related("account", "department")
        .order_by("account__name", "account_id")
    )


def membership_current(*, user: User, account_id: int | None) -> Membership | None:
    memberships = list(memberships_for_user(user=user))
    chosen = next((m for m in memberships if m.account_id == account_id), None)
    # Without a choice in the session, the oldest account is the user's home.
    return chosen or min(memberships, key=lambda m: m.account_id, default=None)


def memberships_visible(*, account: Account, actor: Membership) -> QuerySet[Membership]:
    """Memberships `actor` may see and manage: the whole account, or its own department."""
    qs = Membership.objects.filter(account=account).select_related("user", "department")
    if not has_perm(actor, Perm.USERS_MANAGE):
        return qs.none()
    if actor.role == Role.ACCOUNT_MANAGER:
        return qs
    if actor.department_id is None:
        return qs.none()
    return qs.filter(department_id=actor.department_id).exclude(role=Role.ACCOUNT_MANAGER)


def membership_get(*, account: Account, actor: Membership, pk: int) -> Membership:
    return tenant_get(memberships_visible(account=account, actor=actor), account=account, pk=pk)


def department_list(*, account: Account) -> QuerySet[Department]:
    return Department.objects.filter(account=account).annotate(member_count=Count("memberships"))


def department_get(*, account: Account, pk: int) -> Department:
    return tenant_get(Department, account=account, pk=pk)
