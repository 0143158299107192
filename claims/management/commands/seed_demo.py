"""Load the demo académie: enough of a session to show every screen.

Idempotent: each object is looked up by its natural key and created only when
missing, so running it again changes nothing and loses nothing (a password a
demo user changed, a claim being filled in, an assignment a manager withdrew).
Mission dates are relative to the day of the first run, so that one claim is
always open for entry and one mission is always still to come.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.emails import email_address_set_by_staff
from accounts.models import (
    Commune,
    Establishment,
    User,
)
from accounts.roles import MANAGER
from claims import demo
from claims.models import ConvocationRun
from claims.runs import run_execute
from missions.models import (
    Availability,
    Centre,
    Competence,
    Discipline,
    Epreuve,
    Exam,
    ExamSession,
    Mission,
    MissionType,
)

DEMO_LOGINS = [
    ("gestionnaire", "demo-gestion-2027", "gestionnaire de la division des examens"),
    ("enseignant", "demo-enseignant-2027", "enseignant (agent de l'académie)"),
    ("E2027001", "demo-externe-2027", "intervenant extérieur, jamais connecté"),
    ("chefcentre", "demo-chef-2027", "chef de centre (certifie le service fait)"),
]


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


class Command(BaseCommand):
    help = "Charge l'académie de démonstration (sans effet si elle est déjà chargée)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--logins",
            action="store_true",
            help="Affiche seulement les comptes de démonstration.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["logins"]:
            with transaction.atomic():
                self.seed()
            self.stdout.write(self.style.SUCCESS("Académie de démonstration prête."))
        self.stdout.write("Comptes de démonstration (identifiant / mot de passe) :")
        for username, password, role in DEMO_LOGINS:
            self.stdout.write(f"  {username:<14} {password:<22} {role}")

    def seed(self) -> None:
        today = timezone.localdate()
        rouen, _ = Commune.objects.get_or_create(
            insee_code="76540",
            defaults={
                "name": "Rouen",
                "postal_code": "76000",
                "latitude": 49.44313,
                "longitude": 1.09932,
            },
        )
        mont_st_aignan, _ = Commune.objects.get_or_create(
            insee_code="76451",
            defaults={
                "name": "Mont-Saint-Aignan",
                "postal_code": "76130",
                "latitude": 49.46311,
                "longitude": 1.08936,
            },
        )
        le_havre, _ = Commune.objects.get_or_create(
            insee_code="76351",
            defaults={
                "name": "Le Havre",
                "postal_code": "76600",
                "latitude": 49.49437,
                "longitude": 0.10788,
            },
        )
        evreux, _ = Commune.objects.get_or_create(
            insee_code="27229",
            defaults={
                "name": "Évreux",
                "postal_code": "27000",
                "latitude": 49.02414,
                "longitude": 1.15082,
            },
        )
        rouen.neighbours.add(mont_st_aignan)

        corneille, _ = Establishment.objects.get_or_create(
            uai="0760090D",
            defaults={"name": "Lycée Pierre-Corneille", "commune": rouen},
        )
        siegfried, _ = Establishment.objects.get_or_create(
            uai="0760054P",
            defaults={"name": "Lycée Jules-Siegfried", "commune": le_havre},
        )

        session, _ = ExamSession.objects.get_or_create(
            name="Session 2027",
            defaults={
                "year": 2027,
                "assignment_closes_on": today + timedelta(days=30),
                "claim_deadline": today + timedelta(days=120),
            },
        )
        # The baccalauréat is paid at taux 5 per copy and taux 3 per oral hour.
        bac, _ = Exam.objects.update_or_create(
            session=session,
            code="BACGEN",
            defaults={
                "name": "Baccalauréat général",
                "kind": Exam.Kind.DIPLOMA,
                "copy_rate_level": "5",
                "hour_rate_level": "3",
            },
        )
        bts, _ = Exam.objects.update_or_create(
            session=session,
            code="BTS-CG",
            defaults={
                "name": "BTS Comptabilité et gestion",
                "kind": Exam.Kind.DIPLOMA,
                "copy_rate_level": "4",
                "hour_rate_level": "3",
                # Its VAE jury: an application pays 9,60 € × 1,5 = 14,40 €.
                "vae_coefficient": Decimal("1.5"),
            },
        )
        maths, _ = Discipline.objects.get_or_create(
            code="MATHS", defaults={"name": "Mathématiques"}
        )
        philo, _ = Discipline.objects.get_or_create(
            code="PHILO", defaults={"name": "Philosophie"}
        )
        gestion, _ = Discipline.objects.get_or_create(
            code="ECOGEST", defaults={"name": "Économie et gestion"}
        )

        def epreuve(
            exam: Exam,
            code: str,
            name: str,
            discipline: Discipline,
            form: str,
            minutes: int | None = None,
        ) -> Epreuve:
            """`minutes`: an oral's examination time per candidate (the hours
            paid are candidates × it), set on a demo loaded before it existed."""
            found, _ = Epreuve.objects.get_or_create(
                exam=exam,
                code=code,
                defaults={
                    "name": name,
                    "discipline": discipline,
                    "form": form,
                    "minutes_per_candidate": minutes,
                },
            )
            if found.minutes_per_candidate is None and minutes is not None:
                found.minutes_per_candidate = minutes
                found.save(update_fields=["minutes_per_candidate"])
            return found

        philo_written = epreuve(
            bac, "PHILO", "Philosophie", philo, Epreuve.Form.WRITTEN
        )
        maths_written = epreuve(
            bac, "SPE-MATHS", "Spécialité mathématiques", maths, Epreuve.Form.WRITTEN
        )
        grand_oral = epreuve(
            bac, "GRAND-ORAL", "Grand oral", maths, Epreuve.Form.ORAL, minutes=20
        )
        bts_e4 = epreuve(
            bts, "E4", "Gestion des obligations fiscales", gestion, Epreuve.Form.WRITTEN
        )
        bts_e6 = epreuve(
            bts,
            "E6",
            "Parcours de professionnalisation",
            gestion,
            Epreuve.Form.ORAL,
            minutes=30,
        )

        centre_rouen, _ = Centre.objects.get_or_create(
            code="C-ROUEN-CORNEILLE",
            defaults={
                "name": "Lycée Pierre-Corneille",
                "address": "4 rue du Maulévrier, 76000 Rouen",
                "commune": rouen,
                "establishment": corneille,
            },
        )
        centre_havre, _ = Centre.objects.get_or_create(
            code="C-HAVRE-SIEGFRIED",
            defaults={
                "name": "Lycée Jules-Siegfried",
                "address": "1 rue Dumé-d'Aplemont, 76600 Le Havre",
                "commune": le_havre,
                "establishment": siegfried,
            },
        )

        basis = MissionType.PaymentBasis
        correction, _ = MissionType.objects.get_or_create(
            code="CORRECTION",
            defaults={"name": "Correction", "payment_basis": basis.PER_COPY},
        )
        interrogation, _ = MissionType.objects.get_or_create(
            code="INTERROGATION",
            defaults={
                "name": "Interrogation",
                "payment_basis": basis.PER_HOUR,
                "counts_candidates": True,
            },
        )
        reunion, _ = MissionType.objects.get_or_create(
            code="REUNION",
            defaults={
                "name": "Réunion d'harmonisation",
                "payment_basis": basis.PER_HOUR,
            },
        )
        surveillance, _ = MissionType.objects.get_or_create(
            code="SURVEILLANCE",
            defaults={
                "name": "Surveillance",
                "payment_basis": basis.MANAGER_ENTERED,
                "travel_eligible": False,
            },
        )

        def mission(
            exam: Exam,
            epreuve: Epreuve | None,
            mission_type: MissionType,
            centre: Centre,
            start: datetime,
            end: datetime,
            volume: int | None,
            need: int,
        ) -> Mission:
            return Mission.objects.get_or_create(
                exam=exam,
                epreuve=epreuve,
                mission_type=mission_type,
                centre=centre,
                defaults={
                    "starts_at": start,
                    "ends_at": end,
                    "planned_volume": volume,
                    "staffing_need": need,
                },
            )[0]

        philo_correction = mission(
            bac,
            philo_written,
            correction,
            centre_havre,
            _at(today - timedelta(days=12), 9),
            _at(today - timedelta(days=9), 17),
            60,
            3,
        )
        oral_interrogation = mission(
            bac,
            grand_oral,
            interrogation,
            centre_havre,
            _at(today - timedelta(days=5), 8),
            _at(today - timedelta(days=5), 17),
            8,
            2,
        )
        maths_harmonisation = mission(
            bac,
            maths_written,
            reunion,
            centre_rouen,
            _at(today + timedelta(days=40), 14),
            _at(today + timedelta(days=40), 17),
            3,
            4,
        )
        philo_surveillance = mission(
            bac,
            philo_written,
            surveillance,
            centre_rouen,
            _at(today - timedelta(days=14), 8),
            _at(today - timedelta(days=14), 12),
            None,
            6,
        )
        bts_correction = mission(
            bts,
            bts_e4,
            correction,
            centre_rouen,
            _at(today - timedelta(days=8), 9),
            _at(today - timedelta(days=6), 17),
            40,
            2,
        )
        mission(
            bts,
            bts_e6,
            interrogation,
            centre_havre,
            _at(today + timedelta(days=50), 8),
            _at(today + timedelta(days=51), 17),
            14,
            2,
        )

        manager = self.user(
            "gestionnaire",
            "demo-gestion-2027",
            first_name="Claire",
            last_name="Martin",
            email="gestionnaire@academie-demo.invalid",
            is_staff=True,
            establishment=corneille,
            commune=rouen,
        )
        manager.groups.add(Group.objects.get(name=MANAGER))
        teacher = self.user(
            "enseignant",
            "demo-enseignant-2027",
            first_name="Paul",
            last_name="Durand",
            email="enseignant@academie-demo.invalid",
            commune=rouen,
            establishment=corneille,
            phone="02 35 00 00 00",
            address="12 rue Jeanne-d'Arc",
        )
        external = self.user(
            "E2027001",
            "demo-externe-2027",
            first_name="Sophie",
            last_name="Bernard",
            email="sophie.bernard@exemple.invalid",
            kind=User.Kind.EXTERNAL,
            participant_number="E2027001",
            commune=evreux,
            address="3 place du Général-de-Gaulle",
            corps_category=User.CorpsCategory.A1,
            # The password printed on the convocation: it works once, then the
            # participant chooses their own.
            must_change_password=True,
            initial_password_expires_at=timezone.now() + timedelta(days=365),
        )

        for item in (philo_written, grand_oral, maths_written):
            Competence.objects.get_or_create(participant=teacher, epreuve=item)
        Competence.objects.get_or_create(participant=external, epreuve=bts_e4)
        for offset in range(35, 60):
            for half_day in Availability.HalfDay.values:
                Availability.objects.get_or_create(
                    participant=teacher,
                    date=today + timedelta(days=offset),
                    half_day=half_day,
                    defaults={"session": session},
                )

        demo.financial_data(teacher, external)

        for participant, convoked in [
            (teacher, philo_correction),
            (teacher, oral_interrogation),
            (teacher, maths_harmonisation),
            (teacher, philo_surveillance),
            (external, bts_correction),
        ]:
            demo.convoke(participant, convoked, by=manager)
        demo.back_office_history(
            manager=manager,
            teacher=teacher,
            oral=oral_interrogation,
            bts_correction=bts_correction,
            philo_correction=philo_correction,
        )
        if not ConvocationRun.objects.exists():
            # One control print in the history, as the division would start.
            run = ConvocationRun.objects.create(
                kind=ConvocationRun.Kind.CONTROL, session=session, created_by=manager
            )
            run_execute(run.pk)

    def user(self, username: str, password: str, **fields: Any) -> User:
        user, created = User.objects.get_or_create(username=username, defaults=fields)
        if created:
            # Only on creation: a demo user who changed their password keeps it.
            user.set_password(password)
            user.save(update_fields=["password"])
            if user.email:
                # Entered by the division: a single sign-on may use it.
                email_address_set_by_staff(user=user, email=user.email, by=None)
        return user
