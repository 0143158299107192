"""Factories for the domain's nouns; advanced states come from the services."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Commune, Establishment, User
from accounts.roles import ADMINISTRATOR, MANAGER
from missions.models import (
    Assignment,
    Centre,
    Discipline,
    Epreuve,
    Exam,
    ExamSession,
    Mission,
    MissionType,
)

PASSWORD = "mot-de-passe-de-test-2027"
PDF = b"%PDF-1.4\n%%EOF\n"


def request_form_data(*, rib: bool = True, **overrides) -> dict:
    """The public request form (an external participant), filled in as a
    person would; with a RIB file unless `rib` is false."""
    data = {
        "category": "private",
        "last_name": "Petit",
        "first_name": "Jeanne",
        "birth_date": "1968-03-14",
        "email": "jeanne.petit@exemple.invalid",
        "phone": "06 00 00 00 00",
        "address": "8 rue des Carmes",
        "postal_code": "76000",
        "commune_name": "Rouen",
        "employer": "Cabinet Petit",
        "disciplines_taught": "Comptabilité",
        "holder": "Jeanne Petit",
        "iban": "FR76 3000 6000 0112 3456 7890 189",
        "bic": "AGRIFRPP",
        "consent": "on",
    }
    if rib:
        data["rib_document"] = SimpleUploadedFile("rib.pdf", PDF, "application/pdf")
    data.update(overrides)
    return data


class CommuneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commune

    insee_code = factory.Sequence(lambda n: f"{10000 + n:05d}")
    name = factory.Sequence(lambda n: f"Commune {n}")
    postal_code = factory.Sequence(lambda n: f"{20000 + n:05d}")


class EstablishmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Establishment

    uai = factory.Sequence(lambda n: f"{n:07d}X")
    name = factory.Sequence(lambda n: f"Lycée {n}")
    commune = factory.SubFactory(CommuneFactory)


class UserFactory(factory.django.DjangoModelFactory):
    """An agent participant (a teacher of the académie)."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"agent{n}")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Agent{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username.lower()}@exemple.invalid")
    kind = User.Kind.AGENT
    commune = factory.SubFactory(CommuneFactory)
    establishment = factory.SubFactory(EstablishmentFactory)
    password = factory.django.Password(PASSWORD)


class ExternalParticipantFactory(UserFactory):
    username = factory.SelfAttribute("participant_number")
    participant_number = factory.Sequence(lambda n: f"E2099{n:03d}")
    kind = User.Kind.EXTERNAL
    establishment = None


class ManagerFactory(UserFactory):
    username = factory.Sequence(lambda n: f"gestionnaire{n}")
    is_staff = True

    @factory.post_generation
    def role(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.groups.add(Group.objects.get(name=MANAGER))


class AdministratorFactory(UserFactory):
    username = factory.Sequence(lambda n: f"administrateur{n}")
    is_staff = True

    @factory.post_generation
    def role(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.groups.add(Group.objects.get(name=ADMINISTRATOR))


class ExamSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExamSession
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Session {2027 + n}")
    year = 2027
    claim_deadline = factory.LazyFunction(
        lambda: timezone.localdate() + timedelta(days=90)
    )


class ExamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Exam

    session = factory.SubFactory(ExamSessionFactory)
    code = factory.Sequence(lambda n: f"EX{n}")
    name = factory.Sequence(lambda n: f"Examen {n}")
    # Paid like the baccalauréat unless a test says otherwise.
    copy_rate_level = "5"
    hour_rate_level = "3"


class DisciplineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Discipline

    code = factory.Sequence(lambda n: f"D{n}")
    name = factory.Sequence(lambda n: f"Discipline {n}")


class EpreuveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Epreuve

    exam = factory.SubFactory(ExamFactory)
    code = factory.Sequence(lambda n: f"EP{n}")
    name = factory.Sequence(lambda n: f"Épreuve {n}")
    discipline = factory.SubFactory(DisciplineFactory)
    form = Epreuve.Form.WRITTEN


class CentreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Centre

    code = factory.Sequence(lambda n: f"C{n}")
    name = factory.Sequence(lambda n: f"Centre {n}")
    address = "1 rue de l'Exemple"
    commune = factory.SubFactory(CommuneFactory)


class MissionTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MissionType

    code = factory.Sequence(lambda n: f"T{n}")
    name = "Correction"
    payment_basis = MissionType.PaymentBasis.PER_COPY


class MissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mission

    exam = factory.SubFactory(ExamFactory)
    epreuve = factory.SubFactory(EpreuveFactory, exam=factory.SelfAttribute("..exam"))
    mission_type = factory.SubFactory(MissionTypeFactory)
    centre = factory.SubFactory(CentreFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=3))
    ends_at = factory.LazyAttribute(lambda m: m.starts_at + timedelta(hours=8))
    planned_volume = 50
    staffing_need = 2


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    mission = factory.SubFactory(MissionFactory)
    participant = factory.SubFactory(UserFactory)
