"""What the e-mail address tests share: the profile form as posted, the link
from the outbox, a page's text, an approved request, whether an address is
trusted."""

from __future__ import annotations

import html
import re
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.emails import email_address_set_by_staff
from accounts.services import (
    external_request_approve,
    external_request_submit,
)
from tests import factories

NEW = "paul.nouveau@exemple.invalid"


def profile_data(email: str, **extra) -> dict:
    return {
        "email": email,
        "phone": "06 12 34 56 78",
        "address": "1 rue Neuve",
        **extra,
    }


def post_profile(client, data: dict, password: str = factories.PASSWORD):
    """Post the profile form; when allauth asks for the password again (a new
    address), type it, which posts the form again as it was."""
    response = client.post(reverse("accounts:profile"), data)
    if response.status_code == 302 and response["Location"].startswith(
        reverse("account_reauthenticate")
    ):
        response = client.post(response["Location"], {"password": password})
    return response


def ask_for(client, user, email, capture) -> str:
    """Ask for `email` on the profile; return the confirmation link mailed."""
    client.force_login(user)
    with capture(execute=True):
        response = post_profile(client, profile_data(email))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:profile")
    return link_from_outbox(email)


def link_from_outbox(email: str) -> str:
    from django.core import mail

    message = [m for m in mail.outbox if m.to == [email]][-1]
    return re.search(r"https?://\S+/comptes/confirm-email/\S+/", message.body).group(0)


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]


PDF = b"%PDF-1.4\n%%EOF\n"


def approved_request(manager, capture, email="req@exemple.invalid"):
    """An external participant made from a visitor's creation request."""
    fields = {
        "category": "private",
        "last_name": "Petit",
        "first_name": "Jeanne",
        "birth_date": date(1968, 3, 14),
        "email": email,
        "phone": "06 00 00 00 00",
        "address": "8 rue des Carmes",
        "postal_code": "76000",
        "commune_name": "Rouen",
        "employer": "Cabinet Petit",
        "disciplines_taught": "Comptabilité",
        "holder": "Jeanne Petit",
        "iban": "FR7630006000011234567890189",
        "bic": "AGRIFRPP",
    }
    with capture(execute=True):
        request = external_request_submit(
            fields=fields,
            rib_document=SimpleUploadedFile("rib.pdf", PDF, "application/pdf"),
        )
        return external_request_approve(request=request, by=manager)


def trusted(user, email=None):
    email_address_set_by_staff(user=user, email=email or user.email, by=None)
    user.refresh_from_db()
    return user
