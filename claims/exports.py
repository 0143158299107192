"""A payment batch's documents: the CSV file for the financial system, and
the recap PDF with its totals (README.md, "Payment batches", documents the
file's columns)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models import QuerySet
from django.utils import timezone, translation

from accounts.validators import normalize_iban
from claims.models import Claim, PaymentBatch
from claims.money import round_money
from imagin.pdf import render_pdf

CSV_COLUMNS = (
    "lot",
    "etat_de_frais",
    "numero_intervenant",
    "nom",
    "prenom",
    "titulaire_compte",
    "iban",
    "bic",
    "montant_remuneration",
    "montant_deplacement",
    "devise",
    "mission",
    "date_debut",
    "date_fin",
)
# A spreadsheet would run a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def batch_claims(batch: PaymentBatch, bank_details: bool = False) -> QuerySet[Claim]:
    """The batch's claims with what its documents show, in a fixed order; with
    `bank_details`, their participants' financial files (decrypted: only for
    the file sent to the financial system)."""
    related = ["assignment__participant__financial_file"] if bank_details else []
    return (
        Claim.objects.filter(payment_batch=batch)
        .select_related(
            *related,
            "assignment__participant",
            "assignment__mission__mission_type",
            "assignment__mission__exam",
            "assignment__mission__epreuve",
            "assignment__mission__centre",
        )
        .order_by(
            "assignment__participant__last_name", "assignment__participant_id", "pk"
        )
    )


def mission_label(claim: Claim) -> str:
    mission = claim.assignment.mission
    parts = [mission.mission_type.name, mission.exam.name]
    if mission.epreuve is not None:
        parts.append(mission.epreuve.name)
    return " — ".join(parts)


def participant_number(participant) -> str:
    """What the financial system knows a participant by: the participant
    number, or an agent's identifier when they have none."""
    return participant.participant_number or participant.username


def _text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _amount(value: Decimal, currency: str) -> str:
    return f"{round_money(value, currency):f}"


def batch_csv(batch: PaymentBatch) -> tuple[str, bytes, int]:
    """(filename, UTF-8 CSV separated by semicolons, number of rows)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    rows = 0
    for claim in batch_claims(batch, bank_details=True):
        participant = claim.assignment.participant
        mission = claim.assignment.mission
        file = getattr(participant, "financial_file", None)
        remuneration, travel = claim.frozen_amounts()
        writer.writerow(
            [
                batch.reference,
                claim.pk,
                _text(participant_number(participant)),
                _text(participant.last_name),
                _text(participant.first_name),
                _text(file.holder if file else ""),
                normalize_iban(file.iban) if file else "",
                file.bic if file else "",
                _amount(remuneration, claim.currency),
                _amount(travel, claim.currency),
                claim.currency,
                _text(mission_label(claim)),
                timezone.localdate(mission.starts_at).isoformat(),
                timezone.localdate(mission.ends_at).isoformat(),
            ]
        )
        rows += 1
    filename = f"mise-en-paiement-{batch.reference}.csv"
    return filename, buffer.getvalue().encode("utf-8"), rows


def recap_ready(batch: PaymentBatch) -> bool:
    name = batch.recap.name
    if not name:
        return False
    return batch.recap.storage.exists(name)


def batch_recap_store(batch_id: int) -> PaymentBatch:
    """Lay out the batch's recap and keep it with the batch (background task,
    `claims.tasks`); a batch that has one already is left alone."""
    batch = PaymentBatch.objects.select_related("created_by").get(pk=batch_id)
    if not recap_ready(batch):
        # The division's document, kept once and read by everyone: in French.
        with translation.override(settings.LANGUAGE_CODE):
            filename, content = batch_recap_pdf(batch)
        batch.recap.save(filename, ContentFile(content), save=False)
        PaymentBatch.objects.filter(pk=batch.pk).update(recap=batch.recap.name)
    return batch


def batch_recap_pdf(batch: PaymentBatch) -> tuple[str, bytes]:
    """The batch's recap: its claims, subtotals per exam, totals (no IBAN)."""
    claims = list(batch_claims(batch))
    per_exam: dict[str, dict] = defaultdict(
        lambda: {"count": 0, "remuneration": Decimal(0), "travel": Decimal(0)}
    )
    for claim in claims:
        subtotal = per_exam[claim.assignment.mission.exam.name]
        claim_remuneration, claim_travel = claim.frozen_amounts()
        subtotal["count"] += 1
        subtotal["remuneration"] += claim_remuneration
        subtotal["travel"] += claim_travel
    for subtotal in per_exam.values():
        subtotal["total"] = subtotal["remuneration"] + subtotal["travel"]
    remuneration = sum((c.frozen_amounts()[0] for c in claims), Decimal(0))
    travel = sum((c.frozen_amounts()[1] for c in claims), Decimal(0))
    context = {
        "batch": batch,
        "claims": [(claim, mission_label(claim)) for claim in claims],
        "per_exam": sorted(per_exam.items()),
        "remuneration": remuneration,
        "travel": travel,
        "total": remuneration + travel,
        "currency": batch.currency,
        "authority": settings.AUTHORITY_NAME,
        "printed_at": timezone.now(),
    }
    filename = f"mise-en-paiement-{batch.reference}.pdf"
    return filename, render_pdf("claims/paymentbatch_pdf.html", context)
