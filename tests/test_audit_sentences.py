"""The audit log reads in sentences in the reader's language, never in codes:
every action the sources write has its sentence, an unknown one still reads
as French, and the back-office log shows them, filtered, at fixed queries."""

from __future__ import annotations

import ast
import html
import re
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from claims.models import Claim, ClaimStatus, ConvocationRun
from imagin import audit_sentences
from imagin.admin import HistoryLinkMixin
from imagin.audit import AuditEvent, audit_log
from imagin.audit_actions import ACTIONS
from tests import factories

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
APPS = ("accounts", "claims", "missions", "imagin")
CODE = re.compile(r"^[a-z_]+(\.[a-z_]+)+$")
WRITERS = {"audit_log", "audit_log_many", "apply_transition", "apply_transitions"}


def _sources() -> list[ast.Module]:
    return [
        ast.parse(path.read_text(encoding="utf-8"))
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
    ]


def _constants(trees: list[ast.Module]) -> dict[str, set[str]]:
    """Module-level NAME = "text" of every module, by name."""
    found: dict[str, set[str]] = {}
    for tree in trees:
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        found.setdefault(target.id, set()).add(node.value.value)
    return found


def _values(node: ast.AST, constants: dict[str, set[str]]) -> set[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _values(node.body, constants) | _values(node.orelse, constants)
    if isinstance(node, ast.Name):
        return constants.get(node.id, set())
    if isinstance(node, ast.Attribute):
        return constants.get(node.attr, set())
    return set()


def written_codes() -> tuple[set[str], set[str]]:
    """(codes, patterns): every action= given as text or a module constant,
    and the f-strings' shapes as regular expressions."""
    trees = _sources()
    constants = _constants(trees)
    codes: set[str] = set()
    patterns: set[str] = set()
    for tree in trees:
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            for keyword in node.keywords:
                if keyword.arg != "action":
                    continue
                if isinstance(keyword.value, ast.JoinedStr):
                    patterns.add(
                        "".join(
                            re.escape(part.value)
                            if isinstance(part, ast.Constant)
                            else "[a-z_]+"
                            for part in keyword.value.values
                        )
                    )
                    continue
                codes |= {
                    code
                    for code in _values(keyword.value, constants)
                    if CODE.match(code)
                }
    return codes, patterns


def test_every_action_the_sources_write_has_its_sentence():
    codes, patterns = written_codes()
    # The scan itself works: it finds the project's many actions.
    assert {"claims.claim.restored", "accounts.sign_out"} <= codes
    assert "missions.assignment.financial_file_reminded" in codes  # a constant
    assert len(codes) > 60
    assert sorted(codes - ACTIONS.keys()) == []
    for pattern in patterns:
        assert any(re.fullmatch(pattern, code) for code in ACTIONS), pattern
    # The convocation runs' actions named from their kinds and outcomes.
    for kind in ConvocationRun.Kind.values:
        assert f"claims.convocation_run.{kind}_started" in ACTIONS
    for outcome in ("done", "failed"):
        assert outcome in ConvocationRun.Status.values
        assert f"claims.convocation_run.{outcome}" in ACTIONS


@pytest.fixture
def claim(convoked_claim):
    return convoked_claim


def _event(actor, action, target, **fields):
    return audit_log(actor=actor, action=action, target=target, **fields)


def _said(event) -> str:
    """The sentence as the log writes it: the event read with its names."""
    named = audit_sentences.with_names(AuditEvent.objects.filter(pk=event.pk))
    return audit_sentences.sentence(named.get())


def test_a_restored_claim_reads_with_its_author_status_and_reason(claim, manager):
    event = _event(
        manager,
        "claims.claim.restored",
        claim,
        from_status="cancelled",
        to_status="draft",
        data={"reason": "Annulé par erreur."},
    )
    assert _said(event) == (
        f"Claire Martin a rétabli l'état de frais n° {claim.pk} "
        "(« Mission en cours de saisie ») — motif : Annulé par erreur."
    )


def test_a_participant_s_submission_and_a_manager_s_amounts_read_as_money(
    claim, participant, manager
):
    submitted = _event(
        participant,
        "claims.claim.submitted",
        claim,
        data={"estimated_total": "1234.5", "currency": "EUR"},
    )
    assert _said(submitted) == (
        f"Paul Durand a validé son état de frais n° {claim.pk} (1\u202f234,50\u00a0€)"
    )
    approved = _event(
        manager,
        "claims.claim.approved",
        claim,
        data={
            "remuneration_amount": "12000",
            "travel_amount": "0",
            "currency": "XPF",
        },
    )
    assert _said(approved) == (
        f"Claire Martin a validé l'état de frais n° {claim.pk} : rémunération "
        "12\u202f000\u00a0XPF, frais de déplacement 0\u00a0XPF"
    )


def test_the_system_and_the_person_concerned_are_named(claim, participant):
    event = _event(None, "missions.convocation.issued", claim.assignment)
    assert _said(event) == (
        "Le système a envoyé la convocation de Paul Durand "
        f"(affectation n° {claim.assignment_id})"
    )
    role = _event(None, "accounts.role.granted", participant, data={"role": "X"})
    assert _said(role) == "Le système a donné le rôle « X » à Paul Durand"


def test_an_unknown_action_still_reads_as_french_with_status_labels(claim, manager):
    event = _event(
        manager,
        "claims.claim.teleported",
        claim,
        from_status="cancelled",
        to_status="draft",
    )
    text = _said(event)
    assert text == (
        "Claire Martin a effectué une opération sur : "
        f"{claim._meta.verbose_name} n° {claim.pk}"
        " — statut « Annulé » devenu « Mission en cours de saisie »"
    )
    assert "teleported" not in text and "cancelled" not in text
    assert audit_sentences.action_label("claims.claim.teleported") == (
        "Autre opération"
    )


@pytest.mark.parametrize("code", sorted(ACTIONS))
def test_every_sentence_reads_without_its_code_in_both_languages(code, claim, manager):
    event = _event(manager, code, claim, from_status="draft", to_status="cancelled")
    for language in ("fr", "en"):
        with translation.override(language):
            text = _said(event)
            assert code not in text and "%(" not in text, (language, text)
            # The raw status values never show; in English "cancelled" is
            # also an ordinary word of the sentences, so only the arrow of a
            # raw transition is looked for there.
            if language == "fr":
                assert not re.search(r"\b(draft|cancelled)\b", text), text
            else:
                assert "draft→" not in text and "→cancelled" not in text, text


def test_in_english_the_statuses_read_with_the_catalogue_s_labels(claim, manager):
    event = _event(
        manager,
        "claims.claim.teleported",
        claim,
        from_status="cancelled",
        to_status="draft",
    )
    with translation.override("en"):
        text = _said(event)
        assert str(ClaimStatus.CANCELLED.label) in text
        assert str(ClaimStatus.DRAFT.label) in text
    assert "claims" not in text


def test_an_object_s_page_lists_its_latest_events_in_sentences(claim, manager):
    _event(manager, "claims.claim.cancelled", claim, data={"reason": "Doublon."})
    shown = HistoryLinkMixin().history(claim)
    assert f"Claire Martin a annulé l&#x27;état de frais n° {claim.pk}" in shown
    assert "motif : Doublon." in shown
    assert "Voir son historique dans le journal d" in shown


LOG = "admin:imagin_auditevent_changelist"


def _listed(client, query: str = "") -> list[AuditEvent]:
    response = client.get(reverse(LOG) + query)
    assert response.status_code == 200, query
    return list(response.context["cl"].result_list)


def test_the_log_shows_sentences_and_filters_by_claim_person_action_and_date(
    client, claim, participant, manager
):
    other = factories.AssignmentFactory()
    other_claim = Claim.objects.create(assignment=other)
    _event(manager, "claims.claim.cancelled", claim, data={"reason": "Doublon."})
    _event(manager, "claims.claim.cancelled", other_claim)
    _event(participant, "claims.claim.saved", claim)
    client.force_login(manager)

    page = html.unescape(client.get(reverse(LOG)).content.decode())
    assert f"Claire Martin a annulé l'état de frais n° {claim.pk} — motif" in page
    for event in _listed(client):
        assert event.target_person  # read with the events
        assert event.action not in audit_sentences.sentence(event)

    number = {
        event.target_id for event in _listed(client, f"?etat_de_frais={claim.pk}")
    }
    assert number == {claim.pk}
    assert _listed(client, f"?etat_de_frais=n°{other_claim.pk}")
    assert _listed(client, "?etat_de_frais=douze") == []

    about_paul = _listed(client, "?personne=Paul Durand")
    assert {event.action for event in about_paul} >= {
        "claims.claim.opened",  # by Claire Martin, on his claim
        "claims.claim.saved",  # by him
    }
    assert all(
        event.target_id != other_claim.pk or event.target_type.model != "claim"
        for event in about_paul
    )

    cancelled = _listed(client, "?operation=claims.claim.cancelled")
    assert {event.action for event in cancelled} == {"claims.claim.cancelled"}
    assert len(_listed(client, "?operation=n.importe.quoi")) == len(_listed(client))
    listing = client.get(reverse(LOG)).content.decode()
    assert "État de frais annulé" in listing  # the action filter, by label

    today = timezone.localdate()
    dated = _listed(client, f"?created_at__year={today.year}")
    assert len(dated) == len(_listed(client)) > 0
    assert _listed(client, "?created_at__year=1990") == []


def _many_events(count: int, manager) -> None:
    for n in range(count):
        assignment = factories.AssignmentFactory()
        claim = Claim.objects.create(assignment=assignment)
        kind = n % 3
        if kind == 0:
            _event(manager, "claims.claim.opened", claim)
        elif kind == 1:
            _event(None, "missions.convocation.issued", assignment)
        else:
            _event(manager, "accounts.role.granted", assignment.participant)


def test_the_log_costs_the_same_queries_for_5_or_50_events(client, manager):
    client.force_login(manager)
    counts = []
    for count in (5, 45):
        _many_events(count, manager)
        client.get(reverse(LOG))  # the caches filled (content types, session)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(LOG)).status_code == 200
        counts.append(len(queries))
    assert AuditEvent.objects.count() >= 50
    assert counts[0] == counts[1], counts


def test_only_the_back_office_reads_the_log(client, claim, participant, manager):
    _event(manager, "claims.claim.cancelled", claim, data={"reason": "Doublon."})
    url = reverse(LOG)
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(participant)
    response = client.get(url)
    assert response.status_code in (302, 403)
    assert "Doublon." not in response.content.decode()
    client.force_login(manager)
    assert "Doublon." in client.get(url).content.decode()
