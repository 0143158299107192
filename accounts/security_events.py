"""The audit trail of security events: sign-ins and sign-outs, passwords,
roles, and staff downloads of personal documents.

Connected in `AccountsConfig.ready`. Role changes are caught at the model
level (the m2m change of `User.groups`, `is_staff`/`is_superuser` on save) so
that no path escapes the log: the back-office's user form, a management
command, the shell. Who acts is known through `acting_as`, which the
back-office wraps around its user form; elsewhere the event is the system's.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from allauth.core.internal.httpkit import get_client_ip
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from imagin.audit import audit_log
from imagin.mail import send_templated_mail

# What a failed sign-in keeps of the identifier typed: enough to recognise an
# attack on an account, not a place to store a pasted password at length.
IDENTIFIER_LIMIT = 150
USER_AGENT_LIMIT = 200

# Whoever is acting in this request (the back-office sets it around its user
# form); None: the system or a command.
_acting_user: ContextVar[Any] = ContextVar("acting_user", default=None)

ROLE_FLAGS = {
    "is_staff": "accès au back-office (is_staff)",
    "is_superuser": "superutilisateur",
}


@contextlib.contextmanager
def acting_as(user: Any) -> Iterator[None]:
    """Record `user` as the author of the role changes made inside the block;
    role changes by an acting user who is not a superuser are refused."""
    token = _acting_user.set(user if getattr(user, "pk", None) else None)
    try:
        yield
    finally:
        _acting_user.reset(token)


def _client(request: HttpRequest | None) -> dict[str, str]:
    if request is None:
        return {}
    try:
        ip = get_client_ip(request) or ""
    except Exception:  # noqa: BLE001 - a missing address never blocks a sign-in
        ip = request.META.get("REMOTE_ADDR", "")
    agent = request.META.get("HTTP_USER_AGENT", "")
    return {"ip": ip[:64], "user_agent": agent[:USER_AGENT_LIMIT]}


def _unknown_account() -> models.Model:
    """The target of events about no known account (a sign-in with an unknown
    identifier): user number 0, which no account has (ids start at 1)."""
    return get_user_model()(pk=0)


# Sign-ins, sign-outs, passwords -------------------------------------------


def on_signed_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    method = "sso" if kwargs.get("sociallogin") is not None else "password"
    audit_log(
        actor=user,
        action="accounts.sign_in.succeeded",
        target=user,
        data={"method": method, **_client(request)},
    )


def on_sign_in_failed(
    sender: Any,
    credentials: dict[str, Any],
    request: HttpRequest | None = None,
    **kwargs: Any,
) -> None:
    # Django has already masked anything that looks like a password in
    # `credentials`; only the identifier is read, never kept past its limit.
    identifier = ""
    for key in ("username", "login", "email"):
        value = credentials.get(key)
        if isinstance(value, str) and value:
            identifier = value
            break
    identifier = identifier[:IDENTIFIER_LIMIT]
    User = get_user_model()
    account = (
        User.objects.filter(username__iexact=identifier).first()
        if identifier and "\x00" not in identifier
        else None
    )
    audit_log(
        actor=None,
        action="accounts.sign_in.failed",
        target=account or _unknown_account(),
        data={
            "identifier": identifier,
            "known_account": account is not None,
            **_client(request),
        },
    )


def on_signed_out(
    sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any
) -> None:
    if user is None or getattr(user, "pk", None) is None:
        return  # nobody was signed in
    audit_log(
        actor=user, action="accounts.sign_out", target=user, data=_client(request)
    )


def password_reset_requested(*, request: HttpRequest | None, user: Any) -> None:
    """Someone asked "forgotten password" for `user` (the link goes to their
    address); called by the account adapter when it sends the e-mail."""
    by = getattr(request, "user", None)
    audit_log(
        actor=by if getattr(by, "is_authenticated", False) else None,
        action="accounts.password.reset_requested",
        target=user,
        data=_client(request),
    )


def _password_changed_mail(user: Any) -> None:
    """Tell the owner their password changed: if it was not them, they call
    the division before anyone uses the account (no link in this e-mail)."""
    if not user.email:
        return
    send_templated_mail(
        "password-changed",
        to=[user.email],
        context={
            "user": user,
            "changed_at": timezone.now(),
            "site_url": settings.SITE_URL,
        },
        language=user.language,
    )


def on_password_reset(
    sender: Any, request: HttpRequest, user: Any, **kwargs: Any
) -> None:
    audit_log(
        actor=user,
        action="accounts.password.reset_completed",
        target=user,
        data=_client(request),
    )
    _password_changed_mail(user)


def on_password_changed(
    sender: Any, request: HttpRequest, user: Any, **kwargs: Any
) -> None:
    audit_log(
        actor=user,
        action="accounts.password.changed",
        target=user,
        data=_client(request),
    )
    _password_changed_mail(user)


# Roles ----------------------------------------------------------------------


def _refuse_unless_superuser() -> None:
    by = _acting_user.get()
    if by is not None and not by.is_superuser:
        raise PermissionDenied(_("Seul un superutilisateur donne ou retire des rôles."))


def _role_event(*, user: Any, granted: bool, role: str, deleted: bool = False) -> None:
    by = _acting_user.get()
    extra = {"account_deleted": True} if deleted else {}
    audit_log(
        actor=by,
        action="accounts.role.granted" if granted else "accounts.role.revoked",
        target=user,
        data={
            "role": role,
            "to": user.get_username(),
            "by": by.get_username() if by is not None else "système",
            **extra,
        },
    )


def _group_label(group: Group) -> str:
    return group.name


def _permission_label(permission: Permission) -> str:
    return f"permission {permission.content_type.app_label}.{permission.codename}"


def _rights_changed(label: Any, related: Any, forward_name: str, reverse_name: str):
    """A receiver of the m2m changes of a user's groups (roles) or single
    permissions, from either side (`user.groups.add`, `group.user_set.add`)."""

    def receiver(
        sender: Any,
        instance: Any,
        action: str,
        reverse: bool,
        model: Any,
        pk_set: set[int] | None,
        **kwargs: Any,
    ) -> None:
        if action in ("pre_add", "pre_remove", "pre_clear"):
            _refuse_unless_superuser()
        if action == "pre_clear":
            # What the clear removes is gone afterwards: read it now.
            manager = getattr(instance, reverse_name if reverse else forward_name)
            instance._rights_cleared = list(manager.all())
            return
        if action == "post_clear":
            cleared, instance._rights_cleared = (
                getattr(instance, "_rights_cleared", []),
                [],
            )
            for other in cleared:
                user, right = (other, instance) if reverse else (instance, other)
                _role_event(user=user, granted=False, role=label(right))
            return
        if action not in ("post_add", "post_remove") or not pk_set:
            return
        granted = action == "post_add"
        others = model.objects.filter(pk__in=pk_set)
        if model is related and related is Permission:
            others = others.select_related("content_type")
        for other in others:
            user, right = (other, instance) if reverse else (instance, other)
            _role_event(user=user, granted=granted, role=label(right))

    return receiver


on_groups_changed = _rights_changed(_group_label, Group, "groups", "user_set")
on_permissions_changed = _rights_changed(
    _permission_label, Permission, "user_permissions", "user_set"
)


def on_user_pre_save(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Remember the rights flags as stored, to log what the save changes."""
    if kwargs.get("raw"):
        return
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and not set(update_fields) & set(ROLE_FLAGS):
        instance._stored_flags = None  # a sign-in's last_login: nothing to compare
        return
    if instance.pk is None:
        stored = dict.fromkeys(ROLE_FLAGS, False)
    else:
        stored = sender.objects.filter(pk=instance.pk).values(
            *ROLE_FLAGS
        ).first() or dict.fromkeys(ROLE_FLAGS, False)
    changed = {
        flag: bool(getattr(instance, flag))
        for flag in ROLE_FLAGS
        if bool(getattr(instance, flag)) != bool(stored[flag])
    }
    if changed:
        _refuse_unless_superuser()
    instance._stored_flags = changed


def on_user_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    changed = getattr(instance, "_stored_flags", None) or {}
    instance._stored_flags = None
    for flag, value in changed.items():
        _role_event(user=instance, granted=value, role=ROLE_FLAGS[flag])


def on_user_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    """An account removed with its rights: each right is logged as withdrawn
    (the event keeps the account's number and name)."""
    rights = [label for flag, label in ROLE_FLAGS.items() if getattr(instance, flag)]
    rights += list(instance.groups.values_list("name", flat=True))
    rights += [
        _permission_label(permission)
        for permission in instance.user_permissions.select_related("content_type")
    ]
    for right in rights:
        _role_event(user=instance, granted=False, role=right, deleted=True)


# Downloads ------------------------------------------------------------------


def download_recorded(
    *, by: Any, target: models.Model, action: str, data: dict[str, Any] | None = None
) -> None:
    """A member of staff downloaded a personal document (a RIB, a supporting
    document): who, which, when. Written before the file is streamed."""
    audit_log(actor=by, action=action, target=target, data=data or {})


def connect() -> None:
    # Connected from AccountsConfig.ready(): the user model (and allauth's
    # signals, which import its models) exist only once the registry is ready.
    from allauth.account import signals as account_signals
    from django.contrib.auth import signals as auth_signals
    from django.db.models.signals import m2m_changed, post_save, pre_delete, pre_save

    User = get_user_model()
    account_signals.user_logged_in.connect(
        on_signed_in, dispatch_uid="accounts.security.signed_in"
    )
    auth_signals.user_login_failed.connect(
        on_sign_in_failed, dispatch_uid="accounts.security.sign_in_failed"
    )
    auth_signals.user_logged_out.connect(
        on_signed_out, dispatch_uid="accounts.security.signed_out"
    )
    account_signals.password_reset.connect(
        on_password_reset, dispatch_uid="accounts.security.password_reset"
    )
    account_signals.password_changed.connect(
        on_password_changed, dispatch_uid="accounts.security.password_changed"
    )
    m2m_changed.connect(
        on_groups_changed,
        sender=User.groups.through,
        dispatch_uid="accounts.security.groups_changed",
    )
    m2m_changed.connect(
        on_permissions_changed,
        sender=User.user_permissions.through,
        dispatch_uid="accounts.security.permissions_changed",
    )
    pre_save.connect(
        on_user_pre_save, sender=User, dispatch_uid="accounts.security.user_pre_save"
    )
    post_save.connect(
        on_user_saved, sender=User, dispatch_uid="accounts.security.user_saved"
    )
    pre_delete.connect(
        on_user_deleted, sender=User, dispatch_uid="accounts.security.user_deleted"
    )
