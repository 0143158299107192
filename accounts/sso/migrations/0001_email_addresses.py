"""Give every existing address its allauth EmailAddress, verified or not.

Single sign-on now links a first sign-in only through a verified primary
EmailAddress (accounts/emails.py). For addresses already there, verified means:

- the account was never signed in to (no `last_login`) and was not made from a
  visitor's creation request: nobody but the division could have set it;
- or a single sign-on already linked to the account said this very address
  was verified.

Every other address (typed in a profile, or in a creation request) stays
unverified until its owner confirms it. An address already verified by
another account is never verified twice. Running it again changes nothing.
"""

from __future__ import annotations

from django.db import migrations


def _provider_verified(account) -> str:
    data = account.extra_data or {}
    for claims in (data.get("userinfo") or {}, data.get("id_token") or {}):
        if claims.get("email") and claims.get("email_verified") is True:
            return str(claims["email"]).strip().lower()
    return ""


def addresses_from_users(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    EmailAddress = apps.get_model("account", "EmailAddress")
    SocialAccount = apps.get_model("socialaccount", "SocialAccount")
    Request = apps.get_model("accounts", "ExternalParticipantRequest")

    from_requests = set(
        Request.objects.exclude(participant=None).values_list(
            "participant_id", flat=True
        )
    )
    vouched: dict[int, set[str]] = {}
    for account in SocialAccount.objects.all():
        email = _provider_verified(account)
        if email:
            vouched.setdefault(account.user_id, set()).add(email)

    for user in User.objects.exclude(email="").order_by("pk").iterator():
        email = user.email.strip().lower()
        if not email:
            continue
        address = EmailAddress.objects.filter(user_id=user.pk, email=email).first()
        if address is None:
            trusted = (
                user.last_login is None and user.pk not in from_requests
            ) or email in vouched.get(user.pk, set())
            taken = EmailAddress.objects.filter(email=email, verified=True).exists()
            EmailAddress.objects.filter(user_id=user.pk, primary=True).update(
                primary=False
            )
            EmailAddress.objects.create(
                user_id=user.pk,
                email=email,
                primary=True,
                verified=trusted and not taken,
            )
        elif not address.primary:
            EmailAddress.objects.filter(user_id=user.pk, primary=True).update(
                primary=False
            )
            address.primary = True
            address.save(update_fields=["primary"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_language"),
        ("account", "0009_emailaddress_unique_primary_email"),
        ("socialaccount", "0006_alter_socialaccount_extra_data"),
    ]

    operations = [
        migrations.RunPython(addresses_from_users, migrations.RunPython.noop),
    ]
