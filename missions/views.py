"""A participant's mission pages: declarations (competences, availability) and
convocations, each showing only the signed-in person's own data; and the
centre head's pages, where they certify the service done of their centres'
missions (missions.certification)."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedHttpRequest
from imagin.http import private_file_response
from missions import certification, selectors
from missions.certificates import certificate_of
from missions.convocations import Convocation, convocations_pdf
from missions.forms import AvailabilityForm, CompetencesForm
from missions.models import ExamSession
from missions.services import availability_save, competences_save
from missions.wishes import WishesForm, wish_initial, wishes_save


@login_required
@require_GET
def declarations(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "missions/declarations.html",
        {"sessions": selectors.sessions_with_exams()},
    )


def _session(pk: int) -> ExamSession:
    return get_object_or_404(selectors.sessions_with_exams(), pk=pk)


@login_required
def competences(request: AuthenticatedHttpRequest, session_pk: int) -> HttpResponse:
    session = _session(session_pk)
    epreuves = list(selectors.session_epreuves(session))
    initial = {
        "epreuves": [
            str(pk) for pk in selectors.declared_competences(request.user, session)
        ]
    }
    form = CompetencesForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        epreuves=epreuves,
    )
    if request.method == "POST" and form.is_valid():
        try:
            competences_save(
                participant=request.user,
                session=session,
                epreuve_ids=form.epreuve_ids(),
                by=request.user,
            )
        except ValidationError as refused:
            messages.error(request, " ".join(refused.messages))
        else:
            messages.success(request, _("Vos compétences sont enregistrées."))
            return redirect("missions:competences", session_pk=session.pk)
    elif request.method == "POST":
        messages.error(
            request, _("Une épreuve cochée n'existe pas dans cette session.")
        )
    checked = set(form["epreuves"].value() or [])
    groups = [
        (discipline, [(e, str(e.pk) in checked) for e in items])
        for discipline, items in groupby(epreuves, key=lambda e: e.discipline)
    ]
    return render(
        request,
        "missions/competences.html",
        {"session": session, "form": form, "groups": groups},
    )


@login_required
def availability(request: AuthenticatedHttpRequest, session_pk: int) -> HttpResponse:
    session = _session(session_pk)
    posted_wishes = request.method == "POST" and "wishes" in request.POST
    wishes_form = WishesForm(
        request.POST if posted_wishes else None,
        initial=wish_initial(request.user, session),
        session=session,
    )
    if posted_wishes:
        return _wishes(request, session, wishes_form)
    days = selectors.session_days(session)
    declared = selectors.declared_half_days(request.user, session)
    form = AvailabilityForm(
        request.POST if request.method == "POST" else None,
        initial={"half_days": sorted(declared)},
        days=days,
    )
    if request.method == "POST" and form.is_valid():
        every_day = "every_day" in request.POST
        try:
            availability_save(
                participant=request.user,
                session=session,
                half_days=form.every_half_day() if every_day else form.chosen(),
                by=request.user,
            )
        except ValidationError as refused:
            messages.error(request, " ".join(refused.messages))
        else:
            messages.success(
                request,
                _("Vous êtes déclaré(e) disponible tous les jours de la session.")
                if every_day
                else _("Vos disponibilités sont enregistrées."),
            )
            return redirect("missions:availability", session_pk=session.pk)
    elif request.method == "POST":
        messages.error(
            request, _("Une demi-journée cochée ne fait pas partie de cette session.")
        )
    calendar = _calendar(days, set(form["half_days"].value() or []))
    return render(
        request,
        "missions/availability.html",
        {
            "session": session,
            "form": form,
            "calendar": calendar,
            "wishes_form": wishes_form,
        },
    )


def _calendar(days, checked: set[str]):
    return [
        (
            day,
            [
                (f"{day:%Y-%m-%d}:{half}", label, f"{day:%Y-%m-%d}:{half}" in checked)
                for half, label in (("am", _("Matin")), ("pm", _("Après-midi")))
            ],
        )
        for day in days
    ]


def _wishes(
    request: AuthenticatedHttpRequest, session: ExamSession, form: WishesForm
) -> HttpResponse:
    """« Mes souhaits pour la session », posted from the availability page."""
    if form.is_valid():
        try:
            wishes_save(
                participant=request.user,
                session=session,
                max_missions=form.cleaned_data["max_missions"],
                centres=list(form.cleaned_data["centres"]),
                by=request.user,
            )
        except ValidationError as refused:
            messages.error(request, " ".join(refused.messages))
        else:
            messages.success(
                request, _("Vos souhaits pour la session sont enregistrés.")
            )
            return redirect("missions:availability", session_pk=session.pk)
    days = selectors.session_days(session)
    declared = selectors.declared_half_days(request.user, session)
    calendar = _calendar(days, declared)
    return render(
        request,
        "missions/availability.html",
        {
            "session": session,
            "form": AvailabilityForm(
                initial={"half_days": sorted(declared)}, days=days
            ),
            "calendar": calendar,
            "wishes_form": form,
        },
    )


@login_required
@require_GET
def convocations(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "missions/convocations.html",
        {"assignments": selectors.my_convocations(request.user)},
    )


@login_required
@require_GET
def convocation_download(
    request: AuthenticatedHttpRequest, assignment_pk: int
) -> HttpResponseBase:
    """The convocation of one of the participant's own missions (404 otherwise).

    It never carries the initial password: only its hash is kept.
    """
    assignment = (
        selectors.my_convocations(request.user).filter(pk=assignment_pk).first()
    )
    if assignment is None:
        raise Http404
    pdf = convocations_pdf([Convocation(request.user, [assignment])])
    return private_file_response(
        pdf, filename=f"convocation-{assignment.pk}.pdf", content_type="application/pdf"
    )


# ------------------------------------------------- the centre head's pages

# A day's missions of a large centre on one screen, with their participants.
CENTRE_MISSIONS_PER_PAGE = 10


def _headed(request: AuthenticatedHttpRequest) -> None:
    """Only a centre head reaches these pages (others: 403)."""
    if not certification.is_centre_head(request.user):
        raise PermissionDenied


@login_required
@require_GET
def centre_missions(request: AuthenticatedHttpRequest) -> HttpResponse:
    _headed(request)
    paginator = Paginator(
        certification.centre_missions(request.user), CENTRE_MISSIONS_PER_PAGE
    )
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "missions/centre_missions.html",
        {
            "page_obj": page,
            "missions": [_mission_rows(mission, {}) for mission in page],
        },
    )


def _mission_rows(mission, typed: dict[int, tuple[str, str]]):
    """The mission and, per convoked person, their certificate, whether it can
    still change, and the choice and comment to show (typed or certified)."""
    rows = []
    for assignment in mission.convoked:
        certificate = certificate_of(assignment)
        if assignment.pk in typed:
            choice, comment = typed[assignment.pk]
        elif certificate is not None:
            choice = "present" if certificate.present else "absent"
            comment = certificate.comment
        else:
            choice, comment = "", ""
        rows.append(
            {
                "assignment": assignment,
                "certificate": certificate,
                "locked": certification.is_locked(assignment),
                "choice": choice,
                "comment": comment,
            }
        )
    return {"mission": mission, "rows": rows}


def _typed(request: AuthenticatedHttpRequest, mission) -> dict[int, tuple[str, str]]:
    return {
        a.pk: (
            request.POST.get(f"presence-{a.pk}", ""),
            request.POST.get(f"comment-{a.pk}", "")[: certification.COMMENT_MAX],
        )
        for a in mission.convoked
    }


@login_required
def centre_mission(request: AuthenticatedHttpRequest, mission_pk: int) -> HttpResponse:
    """One mission of the head's centres: certify its participants (POST)."""
    _headed(request)
    # With its convoked people loaded (`convoked`, from the prefetch).
    mission: Any = certification.centre_mission(request.user, mission_pk)
    if mission is None:
        raise Http404
    typed: dict[int, tuple[str, str]] = {}
    if request.method == "POST":
        typed = _typed(request, mission)
        open_rows = [a for a in mission.convoked if not certification.is_locked(a)]
        if "all_present" in request.POST:
            wishes = [
                certification.Certification(a, True, typed[a.pk][1]) for a in open_rows
            ]
        else:
            wishes = [
                certification.Certification(
                    a, typed[a.pk][0] == "present", typed[a.pk][1]
                )
                for a in open_rows
                if typed[a.pk][0] in ("present", "absent")
            ]
        try:
            certification.service_certify_each(wishes, by=request.user)
        except ValidationError as refused:
            messages.error(request, " ".join(refused.messages))
        else:
            messages.success(
                request,
                ngettext(
                    "Service fait enregistré pour %(count)d intervenant.",
                    "Service fait enregistré pour %(count)d intervenants.",
                    len(wishes),
                )
                % {"count": len(wishes)},
            )
            return redirect("missions:centre_mission", mission_pk=mission.pk)
    return render(
        request,
        "missions/centre_mission.html",
        {"item": _mission_rows(mission, typed)},
    )
