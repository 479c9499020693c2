"""Roles (SPEC ACC-3) and the one permission check every screen, API and task uses."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ACCOUNT_MANAGER = "account_manager", _("Account manager")
    DEPARTMENT_MANAGER = "department_manager", _("Department manager")
    USER = "user", _("User")
    REPORTS_ONLY = "reports_only", _("Reports only")
    SAVED_MESSAGES_ONLY = "saved_messages_only", _("Saved messages only")
    FIXED_SENDER = "fixed_sender", _("Fixed sender")


class Perm(models.TextChoices):
    ACCOUNT_SETTINGS = "account.settings", _("Change account settings")
    DEPARTMENTS_MANAGE = "departments.manage", _("Manage departments")
    USERS_MANAGE = "users.manage", _("Manage users")
    TOKENS_MANAGE = "tokens.manage", _("Manage API tokens")
    INTEGRATIONS_MANAGE = "integrations.manage", _("Manage integrations")
    CONTACTS_VIEW = "contacts.view", _("View contacts")
    CONTACTS_EDIT = "contacts.edit", _("Add, edit and import contacts")
    MESSAGES_COMPOSE = "messages.compose", _("Write new messages")
    MESSAGES_SEND = "messages.send", _("Send messages")
    MESSAGES_CHOOSE_SENDER = "messages.choose_sender", _("Choose the sender name")
    AUTOMATIONS_MANAGE = "automations.manage", _("Build automations")
    REPORTS_VIEW = "reports.view", _("View reports")


_WORK = {
    Perm.CONTACTS_VIEW,
    Perm.CONTACTS_EDIT,
    Perm.MESSAGES_COMPOSE,
    Perm.MESSAGES_SEND,
    Perm.MESSAGES_CHOOSE_SENDER,
    Perm.AUTOMATIONS_MANAGE,
    Perm.REPORTS_VIEW,
}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.ACCOUNT_MANAGER: frozenset(Perm.values),
    Role.DEPARTMENT_MANAGER: frozenset(_WORK | {Perm.USERS_MANAGE}),
    Role.USER: frozenset(_WORK),
    Role.REPORTS_ONLY: frozenset({Perm.REPORTS_VIEW}),
    # Sends messages someone else saved; sees the groups it sends to, writes nothing new.
    Role.SAVED_MESSAGES_ONLY: frozenset({Perm.MESSAGES_SEND, Perm.CONTACTS_VIEW}),
    Role.FIXED_SENDER: frozenset(_WORK - {Perm.MESSAGES_CHOOSE_SENDER}),
}

# Roles a manager may hand out: never more than its own.
ASSIGNABLE_ROLES: dict[str, tuple[str, ...]] = {
    Role.ACCOUNT_MANAGER: tuple(Role.values),
    Role.DEPARTMENT_MANAGER: tuple(r for r in Role.values if r != Role.ACCOUNT_MANAGER),
}


def has_perm(membership, perm: str) -> bool:
    """True when `membership` (active, of an active account) grants `perm`."""
    if membership is None or not membership.is_active or not membership.account.is_active:
        return False
    return perm in ROLE_PERMISSIONS.get(membership.role, frozenset())


def can_manage_membership(actor, target) -> bool:
    """Account managers manage everyone in the account; department managers their own department."""
    if not has_perm(actor, Perm.USERS_MANAGE) or actor.account_id != target.account_id:
        return False
    if actor.role == Role.ACCOUNT_MANAGER:
        return True
    return (
        actor.department_id is not None
        and target.department_id == actor.department_id
        and target.role != Role.ACCOUNT_MANAGER
    )


def assignable_roles(actor) -> tuple[str, ...]:
    if not has_perm(actor, Perm.USERS_MANAGE):
        return ()
    return ASSIGNABLE_ROLES.get(actor.role, ())
