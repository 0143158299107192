"""Views of the accounts app: a participant's own pages and the public request."""

from __future__ import annotations

from allauth.core import ratelimit
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_supported_language_variant
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.emails import email_to_confirm
from accounts.forms_profile import (
    ExternalParticipantRequestForm,
    FinancialFileForm,
    ProfileForm,
)
from accounts.http import AuthenticatedHttpRequest
from accounts.models import FinancialFile
from accounts.services import (
    external_request_submit,
    financial_file_save,
    user_language_set,
)
from accounts.views_email import profile_email_change, profile_email_reauthenticate
from imagin.http import private_file_response
from imagin.uploads import CONTENT_TYPES


@require_POST
def language_choose(request: HttpRequest) -> HttpResponse:
    """The header's language switch: back to the page, in the language chosen
    (kept in a cookie), which is also a signed-in user's e-mail language.

    Only the site's languages are taken ("EN" or "en-gb" are English); anything
    else leaves everything as it was."""
    next_url = request.POST.get("next") or request.headers.get("referer") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ) or any(ord(character) < 32 for character in next_url):
        next_url = "/"
    response = redirect(next_url)
    try:
        language = get_supported_language_variant(
            request.POST.get("language", "").strip().lower()[:16]
        )
    except LookupError:
        return response
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    if request.user.is_authenticated:
        user_language_set(user=request.user, language=language)
    return response


def back_office_login(request: HttpRequest) -> HttpResponse:
    """Stand in for the admin's own login page.

    The back-office has no sign-in of its own, so it cannot bypass the site's
    rate limits: visitors are sent to the one sign-in page, and signed-in users
    without a back-office role are refused rather than sent round in a loop.
    """
    if request.user.is_authenticated:
        raise PermissionDenied
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("admin:index")
    return redirect_to_login(next_url, login_url=reverse("account_login"))


@login_required
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The signed-in person's contact details; nobody else's can be reached."""
    to_confirm = email_to_confirm(request.user)
    # A change waiting for confirmation is what the field shows: saving the
    # other details as shown keeps it; typing the current address cancels it.
    pending = to_confirm.email if to_confirm and not to_confirm.primary else None
    form = ProfileForm(
        request.POST or None,
        instance=request.user,
        initial={"email": pending} if pending else None,
    )
    if request.method == "POST":
        if form.is_valid():
            email = form.cleaned_data["email"]
            profile_email_reauthenticate(request, email, to_confirm)
            form.save()
            messages.success(request, _("Vos coordonnées sont enregistrées."))
            profile_email_change(request, email, to_confirm)
            return redirect("accounts:profile")
        messages.error(
            request,
            _(
                "Vos coordonnées n'ont pas été enregistrées : "
                "corrigez les champs signalés."
            ),
        )
    return render(
        request,
        "accounts/user_profile.html",
        {"form": form, "email_to_confirm": to_confirm},
    )


@login_required
def financial_file(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The signed-in participant's bank details, shown masked, and their update."""
    file = FinancialFile.objects.filter(user=request.user).first()
    form = FinancialFileForm(
        request.POST or None,
        request.FILES or None,
        has_document=bool(file and file.rib_document),
        initial={"holder": file.holder, "bic": file.bic}
        if file
        else {"holder": request.user.get_full_name()},
    )
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            financial_file_save(
                user=request.user,
                by=request.user,
                holder=data["holder"],
                iban=data["iban"],
                bic=data["bic"],
                nir=data.get("nir", ""),
                rib_document=data.get("rib_document") or None,
            )
            messages.success(
                request,
                _(
                    "Votre dossier financier est enregistré. La division des examens "
                    "et concours va le vérifier."
                ),
            )
            return redirect("accounts:financial_file")
        messages.error(
            request,
            _(
                "Votre dossier financier n'a pas été enregistré : "
                "corrigez les champs signalés."
            ),
        )
    return render(
        request,
        "accounts/financialfile_detail.html",
        {
            "file": file,
            "form": form,
            "to_renew": bool(file and file.is_to_renew(timezone.now())),
        },
    )


@login_required
@require_GET
def rib_download(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """The participant's own RIB; there is no URL for anyone else's."""
    file = FinancialFile.objects.filter(user=request.user).first()
    if file is None or not file.rib_document:
        raise Http404
    return document_response(file.rib_document, download_name="rib")


def document_response(field_file, *, download_name: str) -> HttpResponseBase:
    """Stream a private document as an attachment, never rendered inline."""
    suffix = "." + field_file.name.rsplit(".", 1)[-1].lower()
    return private_file_response(
        field_file.open("rb"),
        filename=f"{download_name}{suffix}",
        content_type=CONTENT_TYPES.get(suffix, "application/octet-stream"),
    )


def request_create(request: HttpRequest) -> HttpResponse:
    """Public form: ask for an external participant to be created."""
    form = ExternalParticipantRequestForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            # Only requests that would be recorded (and e-mailed) count: someone
            # correcting their form is never locked out by their own mistakes.
            if not ratelimit.consume(request, action="external_participant_request"):
                messages.error(
                    request,
                    _(
                        "Trop de demandes ont été envoyées depuis votre connexion. "
                        "Réessayez dans une heure."
                    ),
                )
                return render(
                    request,
                    "accounts/externalparticipantrequest_form.html",
                    {"form": form},
                    status=429,
                )
            fields = {
                name: value
                for name, value in form.cleaned_data.items()
                if name not in {"rib_document", "consent"}
            }
            created = external_request_submit(
                fields=fields, rib_document=form.cleaned_data["rib_document"]
            )
            request.session["external_request_email"] = created.email
            return redirect("accounts:request_done")
        messages.error(
            request,
            _(
                "Votre demande n'a pas été envoyée : corrigez les "
                "champs signalés. Le RIB est à joindre de nouveau."
            ),
        )
    return render(
        request, "accounts/externalparticipantrequest_form.html", {"form": form}
    )


def request_done(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/externalparticipantrequest_done.html",
        {"email": request.session.get("external_request_email", "")},
    )
