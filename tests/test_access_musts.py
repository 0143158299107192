"""What the access matrix's general rules (tests/test_access_matrix.py) do
not pin down: for some people and addresses, the exact answer, on their own
objects or on someone else's."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.test_access_matrix import ENDPOINTS, _sign_in, fill
from tests.world import (
    ADMINISTRATOR,
    AGENT_A,
    AGENT_B,
    CENTRE_HEAD,
    EXTERNAL,
    EXTERNAL_NEW,
    MANAGER,
    NO_ROLE,
    SUPERUSER,
    academie,  # noqa: F401 (the fixture `world`)
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _world_files_and_fresh_limits(settings, private_files_in_a_temporary_folder, world):
    settings.MEDIA_ROOT = world.media_root
    cache.clear()


OWN, OTHERS = "own", "others"
ENDPOINT_NAMED = {endpoint.name: endpoint for endpoint in ENDPOINTS}

# (persona, URL name, whose objects its ids name, method, status): what the
# walk's general rules do not pin down.
MUST: tuple[tuple[str, str, str, str, int], ...] = (
    # Participants read their own claim; another's does not exist for them.
    (AGENT_A, "claims:list", OWN, "get", 200),
    (AGENT_A, "claims:detail", OWN, "get", 200),
    (AGENT_A, "claims:detail", OTHERS, "get", 404),
    (AGENT_A, "claims:document", OWN, "get", 200),
    (AGENT_A, "claims:document", OTHERS, "get", 404),
    (AGENT_B, "claims:detail", OWN, "get", 200),
    (AGENT_B, "claims:detail", OTHERS, "get", 404),
    (AGENT_A, "accounts:financial_file", OWN, "get", 200),
    (AGENT_A, "accounts:profile", OWN, "get", 200),
    (AGENT_A, "missions:convocations", OWN, "get", 200),
    (AGENT_A, "missions:convocation_download", OTHERS, "get", 404),
    # A centre head certifies the service done of their centres' missions;
    # nobody else reaches those pages.
    (CENTRE_HEAD, "missions:centre_missions", OWN, "get", 200),
    (CENTRE_HEAD, "missions:centre_mission", OTHERS, "get", 200),
    (AGENT_A, "missions:centre_missions", OWN, "get", 403),
    (AGENT_A, "missions:centre_mission", OWN, "post", 403),
    (MANAGER, "missions:centre_mission", OTHERS, "get", 403),
    (SUPERUSER, "missions:centre_mission", OTHERS, "post", 403),
    (EXTERNAL, "claims:list", OWN, "get", 200),
    (EXTERNAL, "claims:step", OWN, "get", 200),
    (EXTERNAL, "claims:step", OTHERS, "get", 404),
    (EXTERNAL, "accounts:profile", OWN, "get", 200),
    (EXTERNAL_NEW, "account_change_password", OWN, "get", 200),
    (NO_ROLE, "claims:list", OWN, "get", 200),
    # The back-office is for the division; a manager is a participant outside it.
    (AGENT_A, "admin:index", OWN, "get", 302),
    (NO_ROLE, "admin:claims_claim_changelist", OWN, "get", 302),
    (MANAGER, "admin:index", OTHERS, "get", 200),
    (MANAGER, "admin:claims_claim_changelist", OTHERS, "get", 200),
    (MANAGER, "admin:claims_claim_change", OTHERS, "get", 200),
    (MANAGER, "admin:claims_claim_document", OTHERS, "get", 200),
    (MANAGER, "admin:accounts_financialfile_change", OTHERS, "get", 200),
    (MANAGER, "admin:accounts_request_rib", OTHERS, "get", 200),
    (MANAGER, "claims:detail", OTHERS, "get", 404),
    # The yearly statements: one's own years; everyone's, by the paying managers.
    (AGENT_A, "claims:statements", OWN, "get", 200),
    (MANAGER, "admin:claims_statements", OTHERS, "get", 200),
    (ADMINISTRATOR, "admin:claims_statements", OTHERS, "get", 403),
    # A list exported with its filters: by whoever reads the list.
    (MANAGER, "admin:claims_claim_export", OTHERS, "get", 200),
    (ADMINISTRATOR, "admin:imagin_auditevent_export", OTHERS, "get", 200),
    (AGENT_A, "admin:missions_assignment_export", OWN, "get", 302),
    # Rights, sign-in methods and the regulation's figures are not the
    # division's; nobody in the back-office sets someone else's password.
    (MANAGER, "admin:auth_group_changelist", OTHERS, "get", 403),
    (MANAGER, "admin:socialaccount_socialaccount_changelist", OTHERS, "get", 403),
    (MANAGER, "admin:mfa_authenticator_changelist", OTHERS, "get", 403),
    (MANAGER, "admin:claims_ratetable_change", OTHERS, "post", 403),
    (MANAGER, "admin:auth_user_password_change", OTHERS, "get", 403),
    (ADMINISTRATOR, "admin:auth_user_password_change", OTHERS, "get", 403),
    (SUPERUSER, "admin:auth_user_password_change", OTHERS, "get", 403),
    # Administrators read claims and batches but neither decide nor pay.
    (ADMINISTRATOR, "admin:claims_claim_change", OTHERS, "get", 200),
    (ADMINISTRATOR, "admin:claims_claim_decision", OTHERS, "post", 403),
    (ADMINISTRATOR, "admin:claims_paymentbatch_export", OTHERS, "post", 403),
    (ADMINISTRATOR, "admin:claims_paymentbatch_paid", OTHERS, "post", 403),
    (ADMINISTRATOR, "admin:auth_group_changelist", OTHERS, "get", 200),
    # A convocation's credentials are re-issued by the division, for external
    # participants only: an agent has none, a participant none to re-issue.
    (MANAGER, "admin:accounts_user_credentials", OTHERS, "get", 404),
    (ADMINISTRATOR, "admin:accounts_user_credentials", OTHERS, "post", 404),
    (EXTERNAL, "admin:accounts_user_credentials", OWN, "post", 302),
    (AGENT_A, "admin:accounts_user_credentials", OTHERS, "post", 302),
    # The platform's counts are imported by the division only; administrators
    # read them, participants are sent to sign in.
    (MANAGER, "admin:claims_upstreamcount_import", OTHERS, "get", 200),
    (MANAGER, "admin:claims_upstreamcount_changelist", OTHERS, "get", 200),
    (MANAGER, "admin:claims_upstreamcount_example", OTHERS, "get", 200),
    (ADMINISTRATOR, "admin:claims_upstreamcount_import", OTHERS, "get", 403),
    (ADMINISTRATOR, "admin:claims_upstreamcount_import", OTHERS, "post", 403),
    (ADMINISTRATOR, "admin:claims_upstreamcount_changelist", OTHERS, "get", 200),
    (AGENT_A, "admin:claims_upstreamcount_import", OWN, "get", 302),
    (AGENT_A, "admin:claims_upstreamcount_example", OWN, "get", 302),
)


@pytest.mark.parametrize(
    ("persona", "name", "whose", "method", "status"),
    MUST,
    ids=[f"{p}-{m}-{n}-{w}" for p, n, w, m, _ in MUST],
)
def test_each_person_reaches_what_is_theirs(
    client, world, persona, name, whose, method, status
):
    _sign_in(client, world, persona)
    owner = world.user(persona) if whose == OWN else world.victim(persona)
    filled = fill(ENDPOINT_NAMED[name], world, owner)
    response = getattr(client, method)(filled.path)
    assert response.status_code == status, filled.path
