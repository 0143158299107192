"""One académie, built once per test module, where each person owns something.

The demo académie (`seed_demo`) and what it lacks for the back-office lists
(an SSO account, recovery codes, an e-mail address, supporting documents),
with nine kinds of person. Used by the access matrix and the property tests
of the back-office forms; each module gets its own copy, rolled back after it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.test.utils import override_settings
from dsfr.models import DsfrConfig

from accounts.models import User
from claims.demo import DEMO_RIB_PDF
from claims.models import Claim, SupportingDocument
from claims.services import document_add
from missions.models import ExamSession
from tests import factories

ANONYMOUS = "anonymous"
AGENT_A = "agent_a"
AGENT_B = "agent_b"
EXTERNAL_NEW = "external_before_password_change"
EXTERNAL = "external_after_password_change"
MANAGER = "manager"
ADMINISTRATOR = "administrator"
SUPERUSER = "superuser"
NO_ROLE = "no_role"
# The demo's centre head: not walked with the others (their centres' missions
# are theirs to certify); the access matrix pins what they reach.
CENTRE_HEAD = "centre_head"
PERSONAS = (
    ANONYMOUS,
    AGENT_A,
    AGENT_B,
    EXTERNAL_NEW,
    EXTERNAL,
    MANAGER,
    ADMINISTRATOR,
    SUPERUSER,
    NO_ROLE,
)
BACK_OFFICE_PERSONAS = {MANAGER, ADMINISTRATOR, SUPERUSER}


@dataclass
class World:
    """One académie where each person owns something others may not reach."""

    users: dict[str, User]
    session: ExamSession
    claims: dict[int, Claim]  # user pk -> their claim (with a document if any)
    documents: dict[int, SupportingDocument]  # claim pk -> one of its documents
    media_root: str
    extra: dict[str, object] = field(default_factory=dict)

    def user(self, persona: str) -> User | None:
        return self.users.get(persona)

    def victim(self, persona: str) -> User:
        """Whose objects a persona asks for: agent B's for agent A, else A's."""
        return self.users[AGENT_B if persona == AGENT_A else AGENT_A]


def build_world(media_root: str) -> World:
    call_command("seed_demo", verbosity=0, stdout=io.StringIO())
    agent_a = User.objects.get(username="enseignant")
    agent_b = User.objects.get(username="lmoreau")
    external = User.objects.get(username="E2027001")
    users = {
        AGENT_A: agent_a,
        AGENT_B: agent_b,
        EXTERNAL_NEW: external,
        EXTERNAL: external,  # the same person, once their password is chosen
        MANAGER: User.objects.get(username="gestionnaire"),
        ADMINISTRATOR: factories.AdministratorFactory(),
        SUPERUSER: factories.UserFactory(
            username="superutilisateur", is_staff=True, is_superuser=True
        ),
        NO_ROLE: factories.UserFactory(username="sansrole"),
        CENTRE_HEAD: User.objects.get(username="chefcentre"),
    }
    claims: dict[int, Claim] = {}
    documents: dict[int, SupportingDocument] = {}
    # A claim that takes supporting documents, for each agent; the external
    # participant's claim is the one of their convocation.
    for user, status in ((agent_a, "submitted"), (agent_b, "approved")):
        claim = Claim.objects.filter(assignment__participant=user, status=status)[0]
        documents[claim.pk] = document_add(
            claim=claim,
            by=user,
            kind=SupportingDocument.Kind.TRANSPORT,
            upload=SimpleUploadedFile(
                "billet.pdf", DEMO_RIB_PDF, content_type="application/pdf"
            ),
        )
        claims[user.pk] = claim
    claims[external.pk] = Claim.objects.filter(assignment__participant=external)[0]

    # Something on every back-office list the demo leaves empty.
    app = SocialApp.objects.create(
        provider="imagin_oidc", provider_id="matrice", name="SSO", client_id="x"
    )
    account = SocialAccount.objects.create(
        user=agent_b, provider="matrice", uid="agent-b"
    )
    SocialToken.objects.create(app=app, account=account, token="jeton")
    RecoveryCodes.activate(agent_b)
    for user in (agent_a, agent_b):
        if not EmailAddress.objects.filter(user=user).exists():
            EmailAddress.objects.create(user=user, email=user.email, primary=True)
    DsfrConfig.objects.get_or_create(language="fr")
    return World(
        users=users,
        session=ExamSession.objects.get(name="Session 2027"),
        claims=claims,
        documents=documents,
        media_root=media_root,
    )


@pytest.fixture(scope="module", name="world")
def academie(django_db_setup, django_db_blocker, tmp_path_factory):
    """The académie, built once for the module and rolled back after it
    (import `academie` into a test module; tests ask for `world`).

    Each test runs in a savepoint inside this transaction (pytest-django's
    `db`), so what one test writes is gone for the next.
    """
    media_root = str(tmp_path_factory.mktemp("world-media"))
    with (
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=media_root,
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ),
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world(media_root)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
