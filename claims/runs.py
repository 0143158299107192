"""Convocation runs: the control print, the official run, and its cancellation.

- A **control print** renders one PDF of every assignment not yet convoked in
  the scope and changes nothing else.
- The **official run** convokes them participant by participant, opens one
  claim per convocation (`convocation_issue`), issues an external
  participant's initial password on their first convocation, and e-mails each
  participant their PDF; those without an address are gathered in one PDF to
  post. It is idempotent: only assignments still "assigned" are taken, and
  `convocation_issue` never opens a second claim.
- **Cancelling** an official run undoes it as a whole when none of its claims
  has been started; otherwise it is refused with the list of those claims.
  Each participant it had convoked is then e-mailed, in their language, the
  missions whose convocation is withdrawn (queued once committed). Those
  without an e-mail address replace the run's `to_post` list (the run's page
  and the cancellation's message name them: the division tells them by post
  or by telephone) and those of them with a postal address get a withdrawal
  letter, one page each, in the run's `document` (the convocations to post
  it held are deleted).

Runs are started by `run_start` and executed by `execute_convocation_run`,
the background task declared here (immediately in development): beside the
work it does, so that starting a run needs no import of a tasks module that
would import this one back. The run's status moves only through
`CONVOCATION_RUN_TRANSITIONS`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from accounts.models import User
from accounts.passwords import initial_password_issue
from accounts.postal import postal_lines
from claims.models import Claim, ConvocationRun
from claims.models.runs import CONVOCATION_RUN_TRANSITIONS
from claims.services import convocation_issue
from imagin.audit import audit_log
from imagin.mail import send_templated_mail, send_templated_mails
from imagin.pdf import render_pdf
from imagin.workflow import apply_transition
from missions.convocations import (
    ASSIGNMENT_RELATED,
    Convocation,
    convocations_pdf,
    group_by_participant,
    start_convocation_pdfs,
)
from missions.models import Assignment, Centre, ConvocationStatus, Exam, ExamSession
from missions.services import assignment_unconvoke

logger = logging.getLogger(__name__)
Status = ConvocationRun.Status


def scope_assignments(run: ConvocationRun) -> QuerySet[Assignment]:
    """Assignments of the run's scope not yet convoked."""
    assignments = Assignment.objects.filter(
        status=ConvocationStatus.ASSIGNED, mission__exam__session_id=run.session_id
    )
    if run.exam_id:
        assignments = assignments.filter(mission__exam_id=run.exam_id)
    if run.centre_id:
        assignments = assignments.filter(mission__centre_id=run.centre_id)
    return assignments.select_related(*ASSIGNMENT_RELATED)


def run_start(
    *,
    kind: str,
    session: ExamSession,
    by: User,
    exam: Exam | None = None,
    centre: Centre | None = None,
) -> ConvocationRun:
    """Record a run and hand it to the background worker once committed."""
    if exam is not None and exam.session_id != session.pk:
        raise ValidationError(_("Cet examen n'appartient pas à la session choisie."))
    with transaction.atomic():
        run = ConvocationRun.objects.create(
            kind=kind, session=session, exam=exam, centre=centre, created_by=by
        )
        run.participants_total = (
            scope_assignments(run).values("participant_id").distinct().count()
        )
        run.save(update_fields=["participants_total"])
        audit_log(
            actor=by,
            action=f"claims.convocation_run.{kind}_started",
            target=run,
            to_status=run.status,
            data={"scope": run.scope_label, "participants": run.participants_total},
        )
        transaction.on_commit(lambda: execute_convocation_run.enqueue(run.pk))
    return run


@task()
def execute_convocation_run(run_id: int) -> None:
    run_execute(run_id)


def run_execute(run_id: int) -> ConvocationRun:
    """The background part of a run. A run already taken is left alone."""
    with transaction.atomic():
        run = ConvocationRun.objects.select_for_update().get(pk=run_id)
        if run.status != Status.QUEUED:
            return run
        apply_transition(
            run,
            table=CONVOCATION_RUN_TRANSITIONS,
            to_status=Status.RUNNING,
            by=run.created_by,
            action="claims.convocation_run.running",
        )
    try:
        if run.kind == ConvocationRun.Kind.CONTROL:
            _control_print(run)
        else:
            _official_run(run)
    except Exception as error:  # the manager must see the failure, not a spinner
        logger.exception("Convocation run %s failed", run.pk)
        outcome = Status.FAILED
        run.error = f"{type(error).__name__}: {error}"
    else:
        outcome = Status.DONE
    run.finished_at = timezone.now()
    with transaction.atomic():
        # Only this worker moves a running run (run_cancel takes ended ones);
        # the lock makes the table check read the status committed.
        run.refresh_from_db(
            from_queryset=ConvocationRun.objects.select_for_update(), fields=["status"]
        )
        apply_transition(
            run,
            table=CONVOCATION_RUN_TRANSITIONS,
            to_status=outcome,
            by=run.created_by,
            action=f"claims.convocation_run.{outcome}",
            data={"convoked": run.convoked, "emailed": run.emailed, "error": run.error},
            update_fields=RUN_RESULT_FIELDS,
        )
    return run


# What the work of a run changes on it, saved with its final status.
RUN_RESULT_FIELDS = (
    "finished_at",
    "error",
    "participants_total",
    "participants_done",
    "convoked",
    "emailed",
    "to_post",
    "document",
)


def _control_print(run: ConvocationRun) -> None:
    convocations = group_by_participant(scope_assignments(run))
    run.participants_total = run.participants_done = len(convocations)
    if convocations:
        run.document.save(
            f"controle-{run.pk}.pdf",
            ContentFile(convocations_pdf(convocations, control=True)),
            save=False,
        )


def _is_first_convocation(participant: User, now_convoked: list[Assignment]) -> bool:
    """An external participant without a password of their own, never
    convoked: one who chose theirs (after an account request) keeps it."""
    return (
        participant.kind == User.Kind.EXTERNAL
        and (participant.must_change_password or not participant.has_usable_password())
        and not Assignment.objects.filter(
            participant=participant, status=ConvocationStatus.CONVOKED
        )
        .exclude(pk__in=[a.pk for a in now_convoked])
        .exists()
    )


# A convoked batch: its participants' ids, their convocations, and the
# function that waits for their PDFs (`start_convocation_pdfs`).
Started = tuple[list[int], list[Convocation], Callable[[], list[bytes]]]

# Participants convoked, then laid out and e-mailed, per batch: the progress
# bar moves, and PDFs are laid out in parallel (imagin.pdf).
BATCH_SIZE = 20


def _convoke_participant(
    run: ConvocationRun, participant_id: int
) -> Convocation | None:
    """Convoke one participant's assignments in the scope, in one transaction."""
    with transaction.atomic():
        assignments = list(scope_assignments(run).filter(participant_id=participant_id))
        convoked = []
        for assignment in assignments:
            claim = convocation_issue(assignment=assignment, by=run.created_by, run=run)
            if claim.run_id == run.pk:
                convoked.append(assignment)
        if not convoked:
            return None
        participant = convoked[0].participant
        credentials = None
        if _is_first_convocation(participant, convoked):
            password = initial_password_issue(user=participant, by=run.created_by)
            credentials = (participant.get_username(), password)
        return Convocation(participant, convoked, credentials)


def _official_run(run: ConvocationRun) -> None:
    participant_ids = list(
        scope_assignments(run)
        .order_by()
        .values_list("participant_id", flat=True)
        .distinct()
    )
    run.participants_total = len(participant_ids)
    run.save(update_fields=["participants_total"])
    to_post: list[Convocation] = []

    def deliver(
        batch: list[int],
        convocations: list[Convocation],
        pdfs: Callable[[], list[bytes]],
    ) -> None:
        """E-mail a convoked batch its PDFs (or keep them to post)."""
        for convocation, pdf in zip(convocations, pdfs(), strict=True):
            participant = convocation.participant
            run.convoked += len(convocation.assignments)
            if participant.email:
                _email(convocation, pdf)
                run.emailed += 1
            else:
                to_post.append(convocation)
                # Without a postal address the division cannot post it either:
                # the run's page says so.
                run.to_post.append(_to_post_entry(participant))
        run.participants_done += len(batch)
        run.save(update_fields=["participants_done", "convoked", "emailed", "to_post"])

    # A batch's PDFs are laid out by the pool while the next batch is
    # convoked (database work): neither waits for the other. A convoked batch
    # is committed: whatever fails afterwards, it is still e-mailed;
    # a batch left half-way is reported by the run's page.
    pending: Started | None = None
    try:
        for start in range(0, len(participant_ids), BATCH_SIZE):
            batch = participant_ids[start : start + BATCH_SIZE]
            convocations = [
                convocation
                for convocation in (_convoke_participant(run, pk) for pk in batch)
                if convocation is not None
            ]
            previous: Started | None = pending
            pending = (batch, convocations, start_convocation_pdfs(convocations))
            if previous is not None:
                deliver(*previous)
    except Exception:
        if pending is not None:
            try:
                deliver(*pending)
            except Exception:  # the first failure is the run's error
                logger.exception("Convocation run %s: a batch not e-mailed", run.pk)
        raise
    if pending is not None:
        deliver(*pending)
    if to_post:
        # Kept for the manager to print and post; it may hold initial
        # passwords, which expire (INITIAL_PASSWORD_VALIDITY_DAYS).
        run.document.save(
            f"a-poster-{run.pk}.pdf", ContentFile(convocations_pdf(to_post)), save=False
        )


def _to_post_entry(participant: User) -> dict:
    """Who the run's page lists to post to; without a postal address the
    division cannot post either: the page says so."""
    return {
        "id": participant.pk,
        "name": participant.get_full_name() or participant.get_username(),
        **({} if postal_lines(participant) else {"no_address": True}),
    }


def _email(convocation: Convocation, pdf: bytes) -> None:
    participant = convocation.participant
    session = convocation.assignments[0].mission.exam.session
    send_templated_mail(
        "convocation",
        to=[participant.email],
        context={
            "participant": participant,
            "assignments": convocation.assignments,
            "session": session,
            "has_credentials": convocation.credentials is not None,
            "site_url": settings.SITE_URL,
        },
        language=participant.language,
        attachments=[(f"convocation-{session.year}.pdf", pdf, "application/pdf")],
    )


def run_cancel(*, run: ConvocationRun, by: User) -> ConvocationRun:
    """Undo an official run: its claims go, its convocations become
    assignments again. Refused with the claims already started."""
    with transaction.atomic():
        run = ConvocationRun.objects.select_for_update().get(pk=run.pk)
        if run.kind != ConvocationRun.Kind.OFFICIAL or run.status not in (
            Status.DONE,
            Status.FAILED,
        ):
            raise ValidationError(
                _("Seul un tirage officiel terminé peut être annulé.")
            )
        claims = list(
            Claim.objects.select_for_update(of=("self",))
            .filter(run=run)
            .select_related(
                "assignment__participant__commune",
                "assignment__mission__mission_type",
                # What the withdrawal e-mails name (`_withdrawal_mails`).
                "assignment__mission__epreuve",
                "assignment__mission__exam__session",
                "assignment__mission__centre__commune",
            )
            .order_by("pk")
        )
        started = [claim for claim in claims if claim.is_started]
        if started:
            raise ValidationError(
                [
                    _(
                        "Le tirage ne peut pas être annulé : %(count)d état(s) de "
                        "frais ont déjà été commencés ou traités."
                    )
                    % {"count": len(started)}
                ]
                + [
                    _("État de frais n° %(pk)d — %(who)s — %(status)s")
                    % {
                        "pk": claim.pk,
                        "who": claim.assignment,
                        "status": claim.get_status_display(),
                    }
                    for claim in started
                ]
            )
        for claim in claims:
            audit_log(
                actor=by,
                action="claims.claim.removed_with_run",
                target=claim,
                from_status=claim.status,
                data={"run": run.pk, "assignment": claim.assignment_id},
            )
            assignment = claim.assignment
            claim.delete()
            assignment_unconvoke(assignment=assignment, by=by)
        if run.document:
            run.document.delete(save=False)
        run.cancelled_at = timezone.now()
        withdrawn = group_by_participant([claim.assignment for claim in claims])
        mails = _withdrawal_mails(withdrawn)
        posted = [c for c in withdrawn if not c.participant.email]
        run.to_post = [_to_post_entry(c.participant) for c in posted]
        letters = [c for c in posted if postal_lines(c.participant)]
        if letters:
            run.document.save(
                f"retrait-{run.pk}.pdf",
                ContentFile(withdrawal_letters_pdf(letters)),
                save=False,
            )
        apply_transition(
            run,
            table=CONVOCATION_RUN_TRANSITIONS,
            to_status=Status.CANCELLED,
            by=by,
            action="claims.convocation_run.cancelled",
            data={
                "claims_removed": len(claims),
                "withdrawal_emails": len(mails),
                "withdrawal_letters": len(letters),
                "to_tell_by_post": [entry["id"] for entry in run.to_post],
            },
            update_fields=["cancelled_at", "document", "to_post"],
        )
        # Rendered and queued once committed: a cancellation rolled back
        # announces nothing, and a run is cancelled once only.
        send_templated_mails("convocation-withdrawn", mails)
        return run


def _withdrawal_mails(convocations: list[Convocation]) -> list[dict]:
    """One e-mail per participant of a cancelled run, in their language,
    naming the missions whose convocation is withdrawn (their claims are
    removed with the run). Those without an e-mail address were posted their
    convocation: the division tells them by post (`withdrawal_letters_pdf`)
    or by telephone."""
    return [
        {
            "to": [convocation.participant.email],
            "language": convocation.participant.language,
            "context": {
                "participant": convocation.participant,
                "assignments": convocation.assignments,
                "session": convocation.assignments[0].mission.exam.session,
            },
        }
        for convocation in convocations
        if convocation.participant.email
    ]


def withdrawal_letters_pdf(letters: list[Convocation]) -> bytes:
    """One page per participant to post, in their language, its address in
    the envelope's window: the missions whose convocation is withdrawn, and
    that the claims it had opened are removed."""
    return render_pdf(
        "claims/withdrawal_letter_pdf.html",
        {
            "letters": letters,
            "AUTHORITY_CONTACT": settings.AUTHORITY_CONTACT,
            "SIGNATURE": settings.CONVOCATION_SIGNATURE,
            "issued_on": timezone.localdate(),
        },
    )
