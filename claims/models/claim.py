"""Expense claims (états de frais mission): one per convocation, with their lines."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from claims.money import product_text
from imagin.workflow import TransitionTable


class ClaimStatus(models.TextChoices):
    # Labels are the words participants see in the ministry's own service.
    DRAFT = "draft", _("Mission en cours de saisie")
    NOT_PERFORMED = "not_performed", _("Mission non effectuée")
    SUBMITTED = "submitted", _("Validé par l'intervenant")
    RETURNED = "returned", _("Renvoyé pour correction")
    APPROVED = "approved", _("Validé par le gestionnaire")
    CLOSED = "closed", _("Traité par le gestionnaire")
    NO_COST = "no_cost", _("Pas de frais")
    CANCELLED = "cancelled", _("Annulé")
    IN_PAYMENT = "in_payment", _("Mis en paiement")
    PAID = "paid", _("Payé")


S = ClaimStatus
# The one table of allowed moves. Who may make each move (participant or
# manager) and on which conditions is checked by the service that makes it.
CLAIM_TRANSITIONS = TransitionTable(
    {
        S.DRAFT: {S.SUBMITTED, S.NOT_PERFORMED, S.APPROVED, S.CANCELLED},
        # A claim the participant has nothing to type into (an amount the
        # manager enters, no travel) goes from returned to validated directly.
        S.RETURNED: {S.SUBMITTED, S.NOT_PERFORMED, S.APPROVED, S.CANCELLED},
        S.SUBMITTED: {S.APPROVED, S.RETURNED, S.CANCELLED},
        S.NOT_PERFORMED: {S.CLOSED, S.RETURNED, S.CANCELLED},
        S.APPROVED: {S.IN_PAYMENT, S.RETURNED, S.CANCELLED},
        S.NO_COST: {S.CANCELLED},
        S.CLOSED: {S.CANCELLED},
        # A manager restores a cancelled claim to the status it had before.
        S.CANCELLED: {
            S.DRAFT,
            S.RETURNED,
            S.SUBMITTED,
            S.NOT_PERFORMED,
            S.APPROVED,
            S.NO_COST,
            S.CLOSED,
        },
        # A payment batch cancelled before export gives its claims back.
        S.IN_PAYMENT: {S.PAID, S.APPROVED},
        S.PAID: set(),
    }
)
# Statuses whose amounts were frozen by a manager's decision (a mission not
# performed is closed at zero).
PRICED = frozenset({S.APPROVED, S.IN_PAYMENT, S.PAID, S.CLOSED})
# Statuses of a claim that belongs to a payment batch.
IN_A_BATCH = frozenset({S.IN_PAYMENT, S.PAID})
# Statuses in which the participant may still type into the claim.
EDITABLE_BY_PARTICIPANT = frozenset({S.DRAFT, S.RETURNED})


class Claim(models.Model):
    """The expense claim of one convocation: declared, then validated, then paid."""

    assignment = models.OneToOneField(
        "missions.Assignment",
        verbose_name=_("convocation"),
        on_delete=models.PROTECT,
        related_name="claim",
    )
    status = models.CharField(
        _("statut"), max_length=16, choices=ClaimStatus, default=ClaimStatus.DRAFT
    )
    status_before_cancel = models.CharField(
        _("statut avant annulation"), max_length=16, choices=ClaimStatus, blank=True
    )
    has_travel_part = models.BooleanField(_("volet déplacement"), default=False)
    # The entry steps the participant confirmed with "Continuer" ("Enregistrer"
    # saves without confirming): resuming opens the first one not confirmed,
    # and an empty travel part counts once confirmed.
    steps_done = models.JSONField(_("étapes confirmées"), default=list, blank=True)
    # The official run that convoked the participant and opened this claim;
    # cancelling the run removes the claims it opened, if none was started.
    run = models.ForeignKey(
        "claims.ConvocationRun",
        verbose_name=_("tirage"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claims",
    )

    # What the participant declares. Nulls mean "not typed yet".
    copies_declared = models.PositiveIntegerField(
        _("copies corrigées (déclarées)"), null=True, blank=True
    )
    candidates_declared = models.PositiveIntegerField(
        _("candidats interrogés (déclarés)"), null=True, blank=True
    )
    hours_declared = models.DecimalField(
        _("heures (déclarées)"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    schedule = models.CharField(_("horaires"), max_length=200, blank=True)
    not_performed_comment = models.TextField(
        _("commentaire (mission non effectuée)"), blank=True
    )

    # What was typed into a step but could not be stored in the fields above
    # (a letter in a number, a quarter of an hour too precise): kept as typed,
    # per step, so "Enregistrer" never loses anything; cleared once valid.
    draft = models.JSONField(_("saisie en cours"), default=dict, blank=True)

    # What the exam division validates, kept beside the declaration.
    copies_validated = models.PositiveIntegerField(
        _("copies (validées)"), null=True, blank=True
    )
    candidates_validated = models.PositiveIntegerField(
        _("candidats (validés)"), null=True, blank=True
    )
    hours_validated = models.DecimalField(
        _("heures (validées)"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    manager_amount = models.DecimalField(
        _("montant saisi par le gestionnaire"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
    )

    # Frozen when a manager validates; never recomputed afterwards.
    remuneration_amount = models.DecimalField(
        _("montant rémunération"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
    )
    travel_amount = models.DecimalField(
        _("montant déplacement"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
    )
    currency = models.CharField(_("devise"), max_length=3, default="EUR")
    payment_batch = models.ForeignKey(
        "claims.PaymentBatch",
        verbose_name=_("mise en paiement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claims",
    )

    # The plausibility points to check (claims.plausibility), comma-joined and
    # wrapped in commas (",volume,schedule,") so the queue filters one code with
    # `icontains` on every database; written at submission and after a
    # manager's correction. Never blocks anything.
    plausibility_codes = models.CharField(
        _("points à vérifier"), max_length=200, blank=True, default=""
    )

    # Incremented on every save by the participant or a manager, so two tabs
    # editing the same claim cannot overwrite each other unnoticed.
    version = models.PositiveIntegerField(_("version"), default=1)
    submitted_at = models.DateTimeField(
        _("validé par l'intervenant le"), null=True, blank=True
    )
    approved_at = models.DateTimeField(
        _("validé par le gestionnaire le"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("état de frais mission")
        verbose_name_plural = _("états de frais mission")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours_declared__isnull=True) | Q(hours_declared__gte=0),
                name="claim_hours_declared_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(hours_validated__isnull=True) | Q(hours_validated__gte=0),
                name="claim_hours_validated_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(manager_amount__isnull=True) | Q(manager_amount__gte=0),
                name="claim_manager_amount_not_negative",
            ),
            # A claim that was validated (or closed) carries the amounts frozen
            # at that moment.
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "in_payment", "paid", "closed"])
                | (
                    Q(remuneration_amount__isnull=False)
                    & Q(travel_amount__isnull=False)
                    & Q(approved_at__isnull=False)
                ),
                name="validated_claim_has_frozen_amounts",
            ),
            models.CheckConstraint(
                condition=Q(currency__in=["EUR", "XPF"]), name="claim_currency_known"
            ),
            # In payment or paid exactly when it belongs to a batch: a claim is
            # never in two batches, nor in one without being paid through it.
            models.CheckConstraint(
                condition=Q(
                    status__in=["in_payment", "paid"], payment_batch__isnull=False
                )
                | (
                    ~Q(status__in=["in_payment", "paid"])
                    & Q(payment_batch__isnull=True)
                ),
                name="claim_in_a_batch_when_in_payment",
            ),
        ]
        indexes = [models.Index(fields=["status", "submitted_at"])]

    def __str__(self) -> str:
        return str(_("État de frais n° %(number)s — %(assignment)s")) % {
            "number": self.pk,
            "assignment": self.assignment,
        }

    @property
    def is_editable_by_participant(self) -> bool:
        return self.status in EDITABLE_BY_PARTICIPANT

    @property
    def is_started(self) -> bool:
        """Something was typed or decided on it (every save bumps `version`)."""
        return self.version > 1 or self.status not in (
            ClaimStatus.DRAFT,
            ClaimStatus.NO_COST,
        )

    @property
    def is_priced(self) -> bool:
        """Validated by a manager: its amounts are frozen in its lines."""
        return self.status in PRICED and self.remuneration_amount is not None

    @property
    def total_amount(self):
        if self.remuneration_amount is None or self.travel_amount is None:
            return None
        return self.remuneration_amount + self.travel_amount

    def frozen_amounts(self) -> tuple[Decimal, Decimal]:
        """(remuneration, travel) of a validated claim, in a batch for one:
        the database holds them (`validated_claim_has_frozen_amounts`)."""
        if self.remuneration_amount is None or self.travel_amount is None:
            raise ValueError(f"Claim {self.pk} has no frozen amounts.")
        return self.remuneration_amount, self.travel_amount


class ClaimLine(models.Model):
    """One computed line of a claim's amount (remuneration or travel item).

    Lines are written when a manager validates the claim, with the rate that
    applied, so the amount can be explained long after rates have changed.
    """

    class Kind(models.TextChoices):
        REMUNERATION = "remuneration", _("Rémunération")
        MILEAGE = "mileage", _("Indemnités kilométriques")
        PUBLIC_TRANSPORT = "public_transport", _("Transport en commun")
        MEAL = "meal", _("Repas")
        NIGHT = "night", _("Nuitée")

    claim = models.ForeignKey(
        Claim,
        verbose_name=_("état de frais"),
        on_delete=models.CASCADE,
        related_name="lines",
    )
    kind = models.CharField(_("nature"), max_length=20, choices=Kind)
    label = models.CharField(_("libellé"), max_length=250)
    date = models.DateField(_("date"), null=True, blank=True)
    quantity = models.DecimalField(_("quantité"), max_digits=10, decimal_places=2)
    unit_rate = models.DecimalField(_("taux unitaire"), max_digits=16, decimal_places=4)
    amount = models.DecimalField(_("montant"), max_digits=10, decimal_places=2)
    # The computation in words, written at validation from the live line
    # (claims.amounts.Line.explanation), in French: "58 copies × 5,00 € (taux 5,
    # arrêté du 13 avril 2012) = 290,00 €". Empty on lines frozen before it
    # existed: `explanation` then falls back to quantity × unit rate.
    detail = models.TextField(_("détail du calcul"), blank=True)

    class Meta:
        verbose_name = _("ligne d'état de frais")
        verbose_name_plural = _("lignes d'état de frais")
        ordering = ["claim", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="claim_line_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=0), name="claim_line_quantity_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.label}"

    @property
    def explanation(self) -> str:
        """The computation in words, as frozen (see `detail`)."""
        return self.detail or product_text(
            self.quantity, self.unit_rate, self.amount, self.claim.currency
        )
