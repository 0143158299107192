"""Work queues: a manager saves the claims queue's filters under a name,
shared with the division or kept personal, subscribes to queues (the
division's built-in ones too), and renames or deletes their own; every change
is audited, and only those who see the claims queue use them."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.roles import ADMINISTRATOR, CENTRE_HEAD
from claims import services
from claims.models import WorkQueue, WorkQueueSubscription
from claims.models.work_queues import BUILTIN
from claims.services import work_queues
from imagin.audit import AuditEvent
from imagin.audit_sentences import sentence
from tests import factories
from tests.claims.entry_helpers import page_text
from tests.html import assert_strict_csp_page

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:claims_claim_changelist")
QUEUES = reverse("admin:claims_claim_workqueues")
SAVE = reverse("admin:claims_claim_workqueue_save")


def subscription_url(queue: WorkQueue) -> str:
    return reverse("admin:claims_claim_workqueue_subscription", args=[queue.pk])


def change_url(queue: WorkQueue) -> str:
    return reverse("admin:claims_claim_workqueue_change", args=[queue.pk])


def delete_url(queue: WorkQueue) -> str:
    return reverse("admin:claims_claim_workqueue_delete", args=[queue.pk])


@pytest.fixture
def colleague(db):
    return factories.ManagerFactory(first_name="Luc", last_name="Petit")


def saved(manager, name="Mes renvoyés", query="renvoye_depuis=14", **options):
    options.setdefault("shared", False)
    options.setdefault("subscribe", False)
    return services.work_queue_create(name=name, query=query, by=manager, **options)


def events(action: str, queue: WorkQueue) -> list[AuditEvent]:
    return list(AuditEvent.objects.for_object(queue).filter(action=action))


def followed(manager) -> list[int]:
    return list(
        WorkQueueSubscription.objects.filter(manager=manager).values_list(
            "queue_id", flat=True
        )
    )


# ------------------------------------------------------------ the services


def test_the_division_has_its_built_in_queues_out_of_the_box():
    builtin = {queue.key: queue for queue in WorkQueue.objects.exclude(key="")}
    assert set(builtin) == set(BUILTIN)
    assert builtin["renvoyes"].query == "renvoye_depuis=7"
    assert builtin["ecarts"].query == "comptage=different"
    assert builtin["valider"].query == "a_traiter=valider"
    assert builtin["points"].query == "a_verifier=tous"
    assert all(q.shared and q.created_by is None for q in builtin.values())
    assert str(builtin["renvoyes"]) == "Renvoyés depuis plus de 7 jours"


def test_a_manager_saves_a_personal_queue_and_follows_it(manager):
    queue = saved(manager, name="  Mes   renvoyés ", subscribe=True)
    queue.refresh_from_db()
    assert (queue.name, queue.query, queue.shared) == (
        "Mes renvoyés",
        "renvoye_depuis=14",
        False,
    )
    assert queue.created_by == manager and queue.is_authored_by(manager)
    assert followed(manager) == [queue.pk]
    (created,) = events(work_queues.CREATED, queue)
    assert created.actor == manager
    assert created.data == {
        "name": "Mes renvoyés",
        "query": "renvoye_depuis=14",
        "shared": False,
    }
    assert sentence(created) == (
        "Claire Martin a enregistré la file de travail « Mes renvoyés » "
        "(partagée : non)"
    )
    assert len(events(work_queues.SUBSCRIBED, queue)) == 1


def test_a_personal_queue_is_seen_by_its_author_only(manager, colleague):
    personal = saved(manager)
    shared = saved(manager, name="Écarts", query="comptage=different", shared=True)
    assert personal in WorkQueue.objects.visible_to(manager)
    assert personal not in WorkQueue.objects.visible_to(colleague)
    assert shared in WorkQueue.objects.visible_to(colleague)
    with pytest.raises(PermissionDenied):
        services.work_queue_subscribe(queue=personal, by=colleague)
    assert services.work_queue_subscribe(queue=shared, by=colleague) is True
    assert followed(colleague) == [shared.pk]


def test_subscribing_twice_changes_nothing_and_unsubscribing_is_audited(manager):
    builtin = WorkQueue.objects.get(key="valider")
    assert services.work_queue_subscribe(queue=builtin, by=manager) is True
    assert services.work_queue_subscribe(queue=builtin, by=manager) is False
    assert followed(manager) == [builtin.pk]
    assert len(events(work_queues.SUBSCRIBED, builtin)) == 1
    assert services.work_queue_unsubscribe(queue=builtin, by=manager) is True
    assert services.work_queue_unsubscribe(queue=builtin, by=manager) is False
    assert followed(manager) == []
    (left,) = events(work_queues.UNSUBSCRIBED, builtin)
    assert sentence(left) == (
        "Claire Martin ne suit plus la file de travail « Prêts à valider »"
    )


def test_only_the_author_renames_or_deletes_a_queue(manager, colleague):
    queue = saved(manager, shared=True)
    with pytest.raises(PermissionDenied):
        services.work_queue_change(queue=queue, name="À moi", shared=True, by=colleague)
    with pytest.raises(PermissionDenied):
        services.work_queue_delete(queue=queue, by=colleague)
    builtin = WorkQueue.objects.get(key="points")
    with pytest.raises(PermissionDenied):
        services.work_queue_change(
            queue=builtin, name="Points", shared=True, by=manager
        )
    with pytest.raises(PermissionDenied):
        services.work_queue_delete(queue=builtin, by=manager)
    queue.refresh_from_db()
    assert queue.name == "Mes renvoyés"
    assert not AuditEvent.objects.filter(action=work_queues.CHANGED).exists()
    assert not AuditEvent.objects.filter(action=work_queues.DELETED).exists()


def test_made_personal_a_queue_loses_its_other_subscribers(manager, colleague):
    queue = saved(manager, shared=True, subscribe=True)
    services.work_queue_subscribe(queue=queue, by=colleague)
    services.work_queue_change(
        queue=queue, name="Renvoyés, à moi", shared=False, by=manager
    )
    queue.refresh_from_db()
    assert (queue.name, queue.shared) == ("Renvoyés, à moi", False)
    assert followed(manager) == [queue.pk] and followed(colleague) == []
    (changed,) = events(work_queues.CHANGED, queue)
    assert changed.data["former_name"] == "Mes renvoyés"
    assert changed.data["unsubscribed"] == 1
    assert "« Mes renvoyés », désormais « Renvoyés, à moi »" in sentence(changed)


def test_deleting_a_queue_removes_its_subscriptions_and_is_audited(manager, colleague):
    queue = saved(manager, shared=True, subscribe=True)
    services.work_queue_subscribe(queue=queue, by=colleague)
    pk = queue.pk
    assert services.work_queue_delete(queue=queue, by=manager) == 1
    assert not WorkQueue.objects.filter(pk=pk).exists()
    assert followed(colleague) == [] and followed(manager) == []
    deleted = AuditEvent.objects.get(action=work_queues.DELETED, target_id=pk)
    assert deleted.data["subscribers"] == 1
    assert sentence(deleted) == (
        "Claire Martin a supprimé la file de travail « Mes renvoyés »"
    )


@pytest.mark.parametrize(
    ("name", "code"),
    [("", "required"), ("   ", "required"), ("x" * 101, "max_length")],
)
def test_a_queue_needs_a_name_of_at_most_100_characters(manager, name, code):
    with pytest.raises(ValidationError) as refused:
        saved(manager, name=name)
    assert "name" in refused.value.message_dict
    assert not WorkQueue.objects.filter(created_by=manager).exists()


def test_a_name_already_seen_is_refused_whatever_its_case(manager, colleague):
    saved(colleague, name="Écarts de la semaine", shared=True)
    with pytest.raises(ValidationError) as refused:
        saved(manager, name="ÉCARTS DE LA SEMAINE")
    assert "déjà ce nom" in refused.value.message_dict["name"][0]
    with pytest.raises(ValidationError):
        saved(manager, name="Prêts à valider")  # a built-in queue's
    saved(manager, name="Mine")
    with pytest.raises(ValidationError):
        saved(manager, name="mine")
    # Another manager's personal queue does not take the name from anyone.
    saved(colleague, name="Perso")
    saved(manager, name="Perso")


def test_a_name_with_a_control_character_is_refused_next_to_the_field(manager):
    with pytest.raises(ValidationError) as refused:
        saved(manager, name="Mes\x00 renvoyés")
    assert "caractère invisible" in refused.value.message_dict["name"][0]


def test_the_subscriptions_and_queues_of_a_manager_are_bounded(manager, monkeypatch):
    monkeypatch.setattr(work_queues, "MAX_SUBSCRIPTIONS", 2)
    monkeypatch.setattr(work_queues, "MAX_QUEUES_PER_AUTHOR", 3)
    for key in ("valider", "points"):
        services.work_queue_subscribe(queue=WorkQueue.objects.get(key=key), by=manager)
    with pytest.raises(ValidationError, match="déjà 2 files"):
        services.work_queue_subscribe(
            queue=WorkQueue.objects.get(key="ecarts"), by=manager
        )
    for n in range(3):
        saved(manager, name=f"File {n}")
    with pytest.raises(ValidationError, match="déjà enregistré 3"):
        saved(manager, name="File 4")
    assert len(followed(manager)) == 2


def test_someone_without_the_claims_queue_uses_no_queue(participant):
    builtin = WorkQueue.objects.get(key="valider")
    with pytest.raises(PermissionDenied):
        saved(participant)
    with pytest.raises(PermissionDenied):
        services.work_queue_subscribe(queue=builtin, by=participant)
    assert not WorkQueue.objects.filter(created_by=participant).exists()


# ------------------------------------------------------------ the pages


def test_the_queue_page_offers_to_save_its_filters(client, manager):
    client.force_login(manager)
    response = client.get(QUEUE + "?a_traiter=valider&p=1")
    assert_strict_csp_page(response)
    form = response.context["work_queue_form"]
    assert form["filters"].value() == "a_traiter=valider"
    assert "Enregistrer ces filtres comme file de travail" in page_text(response)
    # Without a filter there is nothing to save.
    assert "work_queue_form" not in client.get(QUEUE).context


def test_saving_the_filters_opens_the_new_queue(client, manager):
    client.force_login(manager)
    response = client.post(
        SAVE,
        {
            "name": "Prêts du centre",
            "shared": "on",
            "subscribe": "on",
            "filters": "a_traiter=valider",
        },
    )
    queue = WorkQueue.objects.get(created_by=manager)
    assert response.status_code == 302
    assert response["Location"] == f"{QUEUE}?a_traiter=valider&file={queue.pk}"
    assert (queue.name, queue.shared) == ("Prêts du centre", True)
    assert followed(manager) == [queue.pk]
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert page.context["work_queue"] == queue
    assert "File de travail : Prêts du centre" in page_text(page)
    assert "Se désabonner" in page_text(page)


def test_a_refused_save_shows_the_form_again_with_what_was_typed(
    client, manager, colleague
):
    saved(colleague, name="Déjà pris", shared=True)
    client.force_login(manager)
    response = client.post(
        SAVE, {"name": "Déjà pris", "filters": "a_traiter=valider&q=Dupont"}
    )
    assert response.status_code == 400
    assert_strict_csp_page(response)
    text = page_text(response)
    assert "déjà ce nom" in text
    assert 'value="Déjà pris"' in response.content.decode()
    assert 'value="a_traiter=valider&amp;q=Dupont"' in response.content.decode()
    assert "recherche : Dupont" in text
    assert not WorkQueue.objects.filter(created_by=manager).exists()


@pytest.mark.parametrize(
    "filters",
    [
        "",
        "p=2",
        "inconnu=1",
        "a_traiter=nimporte",
        "a_traiter=valider&a_traiter=decision",
    ],
)
def test_filters_the_queue_does_not_have_are_never_saved(client, manager, filters):
    client.force_login(manager)
    response = client.post(SAVE, {"name": "Essai", "filters": filters})
    assert response.status_code == 400
    assert "filtre" in page_text(response)
    assert not WorkQueue.objects.filter(created_by=manager).exists()


def test_the_list_shows_the_division_s_mine_and_the_shared_queues(
    client, manager, colleague
):
    mine = saved(manager, name="Mes renvoyés")
    theirs = saved(
        colleague, name="Écarts de Luc", query="comptage=different", shared=True
    )
    hidden = saved(colleague, name="Perso de Luc")
    services.work_queue_subscribe(queue=theirs, by=manager)
    client.force_login(manager)
    response = client.get(QUEUES)
    assert response.status_code == 200
    assert_strict_csp_page(response)
    context = response.context
    assert [row["queue"] for row in context["mine"]] == [mine]
    assert [row["queue"] for row in context["shared"]] == [theirs]
    assert {row["queue"].key for row in context["builtin"]} == set(BUILTIN)
    assert context["following"] == 1
    text = page_text(response)
    assert "Perso de Luc" not in text
    assert "renvoyés depuis : plus de 14 jours" in text
    assert "comptage de la plateforme : différent" in text
    html = response.content.decode()
    assert change_url(mine) in html and delete_url(mine) in html
    assert change_url(theirs) not in html and change_url(hidden) not in html


def test_the_list_subscribes_and_unsubscribes(client, manager):
    builtin = WorkQueue.objects.get(key="renvoyes")
    client.force_login(manager)
    response = client.post(subscription_url(builtin), {"abonner": "1"})
    assert response.status_code == 302 and response["Location"] == QUEUES
    assert followed(manager) == [builtin.pk]
    response = client.post(
        subscription_url(builtin), {"abonner": "0", "retour": "file"}
    )
    assert response["Location"] == f"{QUEUE}?renvoye_depuis=7&file={builtin.pk}"
    assert followed(manager) == []


def test_the_subscription_is_a_post_only(client, manager):
    client.force_login(manager)
    builtin = WorkQueue.objects.get(key="renvoyes")
    assert client.get(subscription_url(builtin)).status_code == 405
    assert followed(manager) == []


def test_a_subscription_past_the_limit_is_explained(client, manager, monkeypatch):
    monkeypatch.setattr(work_queues, "MAX_SUBSCRIPTIONS", 1)
    services.work_queue_subscribe(queue=WorkQueue.objects.get(key="points"), by=manager)
    client.force_login(manager)
    response = client.post(
        subscription_url(WorkQueue.objects.get(key="valider")),
        {"abonner": "1"},
        follow=True,
    )
    assert "déjà 1 files de travail" in page_text(response)
    assert len(followed(manager)) == 1


def test_the_author_renames_and_shares_their_queue(client, manager):
    queue = saved(manager)
    client.force_login(manager)
    page = client.get(change_url(queue))
    assert page.status_code == 200
    assert_strict_csp_page(page)
    response = client.post(
        change_url(queue), {"name": "Renvoyés (14 j)", "shared": "on"}
    )
    assert response.status_code == 302
    queue.refresh_from_db()
    assert (queue.name, queue.shared) == ("Renvoyés (14 j)", True)
    refused = client.post(change_url(queue), {"name": ""})
    assert refused.status_code == 400
    assert "Donnez un nom" in page_text(refused)


def test_the_author_deletes_their_queue_after_confirming(client, manager):
    queue = saved(manager)
    client.force_login(manager)
    page = client.get(delete_url(queue))
    assert page.status_code == 200
    assert WorkQueue.objects.filter(pk=queue.pk).exists()
    response = client.post(delete_url(queue))
    assert response.status_code == 302 and response["Location"] == QUEUES
    assert not WorkQueue.objects.filter(pk=queue.pk).exists()


def test_another_manager_may_not_rename_or_delete_a_queue(client, manager, colleague):
    shared = saved(colleague, name="De Luc", shared=True)
    personal = saved(colleague, name="Perso de Luc")
    builtin = WorkQueue.objects.get(key="valider")
    client.force_login(manager)
    for queue, status in ((shared, 403), (builtin, 403), (personal, 404)):
        assert client.get(change_url(queue)).status_code == status
        assert client.post(change_url(queue), {"name": "À moi"}).status_code == status
        assert client.post(delete_url(queue)).status_code == status
    assert client.post(subscription_url(personal), {"abonner": "1"}).status_code == 404
    assert WorkQueue.objects.filter(pk__in=[shared.pk, personal.pk]).count() == 2
    assert set(WorkQueue.objects.values_list("name", flat=True)) >= {"De Luc"}
    assert followed(manager) == []


@pytest.fixture
def centre_head(db):
    user = factories.UserFactory(first_name="Chef", last_name="Centre")
    user.groups.add(Group.objects.get(name=CENTRE_HEAD))
    return user


@pytest.mark.parametrize("who", ["anonymous", "participant", "centre_head"])
def test_the_queues_are_the_managers_only(client, request, who):
    queue = WorkQueue.objects.get(key="valider")
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    for url, data in (
        (QUEUES, None),
        (SAVE, {"name": "X", "filters": "a_traiter=valider"}),
        (subscription_url(queue), {"abonner": "1"}),
        (change_url(queue), {"name": "X"}),
        (delete_url(queue), {}),
    ):
        for response in (client.get(url), client.post(url, data or {})):
            assert response.status_code in (302, 403, 405), url
            if response.status_code == 302:
                assert response["Location"].startswith(
                    ("/comptes/login/", "/gestion/login/")
                )
    assert WorkQueue.objects.count() == len(BUILTIN)
    assert not WorkQueueSubscription.objects.exists()


def test_back_office_staff_without_the_claims_queue_get_a_403(client):
    """An administrator whose role no longer reads claims (the only way a
    back-office user lacks the queue)."""
    administrator = factories.AdministratorFactory()
    Group.objects.get(name=ADMINISTRATOR).permissions.remove(
        Permission.objects.get(content_type__app_label="claims", codename="view_claim")
    )
    client.force_login(administrator)
    assert client.get(QUEUES).status_code == 403
    response = client.post(SAVE, {"name": "X", "filters": "a_traiter=valider"})
    assert response.status_code == 403
    queue = WorkQueue.objects.get(key="valider")
    assert client.post(subscription_url(queue), {"abonner": "1"}).status_code == 403
    assert client.get(change_url(queue)).status_code == 403
    assert not WorkQueueSubscription.objects.exists()
    home = client.get(reverse("admin:index"))
    assert home.context["work_queues"] == []
    assert "Mes files de travail" not in page_text(home)


def test_an_administrator_who_reads_the_queue_may_follow_queues(client):
    administrator = factories.AdministratorFactory()
    client.force_login(administrator)
    queue = WorkQueue.objects.get(key="paiement")
    assert client.get(QUEUES).status_code == 200
    assert client.post(subscription_url(queue), {"abonner": "1"}).status_code == 302
    assert followed(administrator) == [queue.pk]


def test_the_list_names_the_session_a_queue_filters_on(client, manager):
    session = factories.ExamSessionFactory(name="Session de juin")
    saved(
        manager,
        name="Juin",
        query=f"assignment__mission__exam__session__id__exact={session.pk}",
    )
    saved(manager, name="Disparue", query="assignment__mission__exam__id__exact=999999")
    client.force_login(manager)
    text = page_text(client.get(QUEUES))
    assert "session : Session de juin" in text
    assert "examen : n° 999999" in text
