"""A person's e-mail address, and when IMAG'IN may trust it.

The address is `User.email`, mirrored by allauth's primary `EmailAddress`
(which says whether it was verified). Single sign-on links a first sign-in to
an account only through a verified primary address (`verified_owners`), so
which addresses count as verified is a security rule:

- an address the exam division enters for an account nobody has signed in
  to yet (creation in the back-office, demo data) is trusted: verified at once
  (`email_address_set_by_staff`). Entered later, for an account in use, it is
  not: the division could otherwise point someone's account at a mailbox (and
  a single sign-on) of its choosing; its owner confirms it from their profile;
- an address a person types (their profile, a creation request) is not: it
  takes effect, verified, only when its owner follows the link e-mailed to it
  while signed in to the account that asked (`email_change_request`, then
  `AccountAdapter.confirm_email`).
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.core import ratelimit
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy

from accounts.models import User
from imagin.audit import audit_log
from imagin.mail import send_templated_mail


def normalize(email: str) -> str:
    return (email or "").strip().lower()


def email_taken(email: str, *, user: User) -> bool:
    """Whether `email` is already another account's address (as its address,
    or verified by it): nobody may take or confirm it then."""
    email = normalize(email)
    return (
        User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists()
        or EmailAddress.objects.filter(email=email, verified=True)
        .exclude(user_id=user.pk)
        .exists()
    )


TAKEN_MESSAGE = gettext_lazy(
    "Cette adresse est déjà celle d'un autre compte. Contactez la division des "
    "examens et concours."
)


def verified_owners(email: str) -> list[User]:
    """The active accounts whose own address is `email`, verified."""
    return [
        address.user
        for address in EmailAddress.objects.filter(
            email=normalize(email),
            verified=True,
            primary=True,
            user__is_active=True,
        ).select_related("user")[:2]
        if normalize(address.user.email) == normalize(email)
    ]


def email_to_confirm(user: User) -> EmailAddress | None:
    """The address waiting for its owner's confirmation: a requested change,
    or else the current address if it was never verified."""
    addresses = list(EmailAddress.objects.filter(user_id=user.pk, verified=False))
    for address in addresses:
        if not address.primary:
            return address
    current = normalize(user.email)
    return next((a for a in addresses if a.email == current), None)


def _primary_set(user: User, email: str, *, verified: bool) -> bool:
    """Make `email` the locked `user`'s only address; verified only if asked
    and no other account verified it first. Returns whether it is verified."""
    EmailAddress.objects.filter(user_id=user.pk).exclude(email=email).delete()
    if user.email != email:
        user.email = email
        user.save(update_fields=["email"])
    if not email:
        return False
    if (
        verified
        and EmailAddress.objects.filter(email=email, verified=True)
        .exclude(user_id=user.pk)
        .exists()
    ):
        verified = False
    address, _created = EmailAddress.objects.get_or_create(user_id=user.pk, email=email)
    address.primary = True
    address.verified = verified or address.verified
    address.save(update_fields=["primary", "verified"])
    return address.verified


def email_address_set_by_staff(*, user: User, email: str, by: User | None) -> bool:
    """The exam division sets `user`'s address (back-office, demo data).

    Trusted, so verified at once, if nobody has signed in to the account yet
    and no other account verified the address first; otherwise kept
    unverified until its owner confirms it. Any pending change is dropped.
    Returns whether the address is verified; audited as
    `accounts.email.set_by_staff`.
    """
    email = normalize(email)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        verified = _primary_set(locked, email, verified=locked.last_login is None)
        audit_log(
            actor=by,
            action="accounts.email.set_by_staff",
            target=locked,
            data={"email": email, "verified": verified},
        )
    user.email = email
    return verified


def email_address_set_unverified(*, user: User, email: str) -> None:
    """Record an address someone typed for themself (a creation request):
    `user`'s address, to be confirmed before single sign-on may use it. The
    caller audits the act it is part of."""
    email = normalize(email)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        _primary_set(locked, email, verified=False)
    user.email = email


class EmailChangeRefused(ValidationError):
    pass


def email_change_request(
    *, user: User, email: str, request: HttpRequest
) -> EmailAddress | None:
    """`user` asks for `email` to become their address.

    Nothing changes until they follow the link e-mailed to the new address
    (see `AccountAdapter.confirm_email`); their mail keeps going to the
    current address meanwhile. Asking for the current address again cancels
    a pending change (returns None). Raises EmailChangeRefused if another
    account has the address. Audited as `accounts.email.change_requested`.
    """
    email = normalize(email)
    if email_taken(email, user=user):
        raise EmailChangeRefused(TAKEN_MESSAGE, code="taken")
    pending = EmailAddress.objects.filter(user_id=user.pk, primary=False)
    if email == normalize(user.email):
        pending.delete()
        return None
    with transaction.atomic():
        pending.exclude(email=email).delete()
        address, _created = EmailAddress.objects.get_or_create(
            user_id=user.pk, email=email
        )
        if address.verified:
            # Already proven theirs (an older address of theirs, say): no link
            # needed, it simply becomes their address again.
            address.set_as_primary()
            EmailAddress.objects.filter(user_id=user.pk).exclude(pk=address.pk).delete()
            audit_log(
                actor=user,
                action="accounts.email.confirmed",
                target=user,
                data={"email": email},
            )
            return None
        audit_log(
            actor=user,
            action="accounts.email.change_requested",
            target=user,
            data={"email": email},
        )
    address.user = user
    email_confirmation_send(address=address, request=request)
    return address


def email_confirmation_send(*, address: EmailAddress, request: HttpRequest) -> bool:
    """E-mail the confirmation link to `address`; at most one message per
    address every few minutes (allauth's `confirm_email` rate limit).
    Returns whether a message was sent."""
    if not ratelimit.consume(request, action="confirm_email", key=address.email):
        return False
    address.send_confirmation(request)
    return True


def email_change_confirmed(*, user: User, previous: str, email: str) -> None:
    """Record that `user` confirmed `email` (now their verified address) and
    tell the previous address, if any, that it no longer receives their mail.
    Audited as `accounts.email.confirmed`."""
    audit_log(
        actor=user,
        action="accounts.email.confirmed",
        target=user,
        data={"email": email},
    )
    previous = normalize(previous)
    if previous and previous != email:
        send_templated_mail(
            "email-changed",
            to=[previous],
            context={
                "user": user,
                "new_email": email,
                "profile_url": settings.SITE_URL + reverse("accounts:profile"),
            },
            language=user.language,
        )


def mask_email(address: str) -> str:
    """ "c***@exemple.fr": enough to recognise one's address in a log or a
    message, not enough to harvest it."""
    local, _at, domain = (address or "").partition("@")
    if not domain:
        return "***" if address else ""
    return f"{local[:1]}***@{domain}"
