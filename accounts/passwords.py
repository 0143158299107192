"""Passwords set on someone's behalf, and what follows a password change.

Nobody in the back-office sets another person's password: the division issues
an initial password (external participants, printed on a convocation) or
e-mails a link to choose one. Each act is audited and, where an address is
known, announced to the person, so that one done behind their back is noticed.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.emails import mask_email
from accounts.models import User
from imagin.audit import AuditEvent, audit_log
from imagin.mail import send_templated_mail

# No 0/O, 1/l/I: the password is read off paper and typed by hand.
_PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _readable_password() -> str:
    groups = (
        "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(4)) for _ in range(4)
    )
    return "-".join(groups)


def initial_password_issue(*, user: User, by: User | None, notify: bool = False) -> str:
    """Give an external participant a new initial password and return it, once.

    It signs in as often as needed until the participant chooses their own
    (every page asks them to, `accounts.middleware`), or until it expires
    INITIAL_PASSWORD_VALIDITY_DAYS after being issued: someone who stopped
    halfway through choosing theirs is not locked out. Only its hash is kept:
    print it now (on the convocation) or issue another. With `notify` (the
    back-office's issues; a convocation announces its own), the participant is
    e-mailed, once committed, that a password was issued, never the password
    itself: one issued behind their back is then noticed.
    """
    password = _readable_password()
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.set_password(password)
        locked.must_change_password = True
        locked.initial_password_expires_at = timezone.now() + timedelta(
            days=settings.INITIAL_PASSWORD_VALIDITY_DAYS
        )
        locked.initial_password_used_at = None
        locked.save(
            update_fields=[
                "password",
                "must_change_password",
                "initial_password_expires_at",
                "initial_password_used_at",
            ]
        )
        audit_log(
            actor=by,
            action="accounts.participant.initial_password_issued",
            target=locked,
            data={"expires_at": locked.initial_password_expires_at},
        )
        if notify and locked.email:
            send_templated_mail(
                "initial-password-issued",
                to=[locked.email],
                context={"user": locked, "by": by},
                language=locked.language,
            )
    user.refresh_from_db()
    return password


def credentials_resend(*, user: User, by: User) -> str | None:
    """Issue `user` (an external participant) a new initial password, as their
    convocation did, and hand it over: e-mailed with their participant number
    when an address is known (None is returned), otherwise returned, for the
    manager to show once and give to them (printed or by hand).

    The password is in the e-mail (sealed in the queue, `imagin.mail`) and in
    the return value only: never in the audit data nor in the logs. Raises
    PermissionDenied for an account that has no convocation's credentials (an
    agent's) or is deactivated.
    """
    if not user.is_external:
        raise PermissionDenied(
            _("seuls les intervenants extérieurs ont un mot de passe initial.")
        )
    if not user.is_active:
        raise PermissionDenied(_("ce compte est désactivé."))
    with transaction.atomic():
        password = initial_password_issue(user=user, by=by)
        audit_log(
            actor=by,
            action="accounts.participant.initial_password_resent",
            target=user,
            data={
                "delivery": "email" if user.email else "handed_over",
                "to": mask_email(user.email) if user.email else "",
            },
        )
        if not user.email:
            return password
        send_templated_mail(
            "initial-password-sent",
            to=[user.email],
            context={
                "user": user,
                "password": password,
                "expires_at": user.initial_password_expires_at,
                "login_url": settings.SITE_URL + reverse("account_login"),
            },
            language=user.language,
        )
    return None


def _may_reach_by_email(user: User) -> tuple[bool, str]:
    if not user.is_active:
        return False, _("ce compte est désactivé.")
    if not user.email:
        return False, _(
            "aucune adresse électronique n'est connue pour ce compte : émettez un "
            "mot de passe initial (intervenant extérieur) ou complétez d'abord "
            "son adresse."
        )
    return True, ""


def can_send_password_reset(*, user: User, by: User) -> tuple[bool, str]:
    """Whether `by` may send `user` a link to choose a new password, and why not.

    The link goes to the address on file; whoever set that very address in
    the back-office (`accounts.email.set_by_staff`) does not send it: it could
    be their own. Once its owner confirmed the address themself
    (`accounts.email.confirmed`), it is theirs, whoever typed it first.
    """
    allowed, reason = _may_reach_by_email(user)
    if not allowed:
        return allowed, reason
    events = (
        AuditEvent.objects.for_object(user)
        .filter(action__in=["accounts.email.set_by_staff", "accounts.email.confirmed"])
        .values_list("action", "actor_id", "data")
    )
    current = user.email.casefold()
    set_by = next(
        (
            (action, actor_id)
            for action, actor_id, data in events
            if str((data or {}).get("email", "")).casefold() == current
        ),
        None,
    )
    if set_by == ("accounts.email.set_by_staff", by.pk) and by.pk != user.pk:
        return False, _(
            "vous avez vous-même saisi l'adresse électronique de ce compte : un "
            "autre membre de la division doit envoyer le lien."
        )
    return True, ""


def password_set_path(user: User) -> str:
    """The path of a one-time link to choose `user`'s password: allauth's
    "forgotten password" link, which stops working once used or once the
    password changes."""
    # allauth's forms module loads the account adapter, which imports this one.
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    return reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(user),
            "key": default_token_generator.make_token(user),
        },
    )


def password_reset_send(*, user: User, by: User) -> None:
    """E-mail `user` a one-time link to choose a new password, at the address
    on file; nobody in the back-office ever sets another person's password.

    Raises PermissionDenied with the reason when `can_send_password_reset`
    refuses. The link is the one allauth's "forgotten password" sends (it stops
    working once used or once the password changes).
    """

    allowed, reason = can_send_password_reset(user=user, by=by)
    if not allowed:
        raise PermissionDenied(reason)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        audit_log(
            actor=by,
            action="accounts.password.reset_sent",
            target=locked,
            data={"to": mask_email(locked.email)},
        )
        send_templated_mail(
            "password-reset-sent",
            to=[locked.email],
            context={
                "user": locked,
                "reset_path": password_set_path(locked),
                "site_url": settings.SITE_URL,
            },
            language=locked.language,
        )


def initial_password_mark_used(*, user: User) -> None:
    """Called at each sign-in with the initial password (the only password of
    someone who must still choose theirs): audited every time, the first one
    dated. It keeps working until replaced or expired."""
    first = User.objects.filter(
        pk=user.pk, must_change_password=True, initial_password_used_at__isnull=True
    ).update(initial_password_used_at=timezone.now())
    audit_log(
        actor=user,
        action="accounts.participant.initial_password_used",
        target=user,
        data={"first_sign_in": bool(first)},
    )


def password_chosen(*, user: User) -> bool:
    """The user chose a personal password: lift the first-login restriction.

    The initial password stops working there (the personal one replaced it).
    Returns whether an initial password was replaced, which `user` also says
    (`initial_password_replaced`) to the rest of the request.
    """
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not locked.must_change_password:
            return False
        locked.must_change_password = False
        locked.initial_password_expires_at = None
        locked.save(
            update_fields=["must_change_password", "initial_password_expires_at"]
        )
        audit_log(
            actor=user, action="accounts.participant.password_chosen", target=locked
        )
    user.must_change_password = False
    user.initial_password_replaced = True
    return True
