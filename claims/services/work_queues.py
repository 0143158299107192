"""Work queues: a manager saves the claims queue's filters under a name,
personal or shared with the division, and subscribes to queues so that the
dashboard counts their claims.

Who: anyone who sees the claims queue in the back-office (`may_use`). A queue
is renamed, shared or deleted by its author only; the division's built-in
queues have none and stay as they are. Each change is audited on the queue.
The query is kept as the caller checked it against the queue's filters
(`claims.admin.queue_query.clean_query`); here it is only bounded.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from accounts.models import User
from claims.models.work_queues import (
    NAME_MAX_LENGTH,
    QUERY_MAX_LENGTH,
    WorkQueue,
    WorkQueueSubscription,
)
from imagin.audit import audit_log
from imagin.text import CONTROL_CHARACTERS, validate_printable

# The dashboard counts every subscribed queue in one query, one subquery per
# queue: twenty keep it well under a tenth of a second on 10,000 claims, and
# more would not fit the dashboard's column anyway.
MAX_SUBSCRIPTIONS = 20
# One author's queues, so that the list of queues stays readable.
MAX_QUEUES_PER_AUTHOR = 30

CREATED = "claims.work_queue.created"
CHANGED = "claims.work_queue.changed"
DELETED = "claims.work_queue.deleted"
SUBSCRIBED = "claims.work_queue.subscribed"
UNSUBSCRIBED = "claims.work_queue.unsubscribed"


def may_use(user: User) -> bool:
    """The right to see the claims queue in the back-office."""
    return user.is_active and user.is_staff and user.has_perm("claims.view_claim")


def _check_user(by: User) -> None:
    if not may_use(by):
        raise PermissionDenied(_("Les files de travail sont celles des gestionnaires."))


def _locked_author(by: User) -> User:
    """`by`'s row, locked: their creations and subscriptions one at a time,
    so that the limits hold under two tabs."""
    return User.objects.select_for_update().get(pk=by.pk)


def _clean_name(name: str, *, author: User, exclude: int | None = None) -> str:
    try:
        validate_printable(name)
    except ValidationError as refused:
        raise ValidationError({"name": refused.messages}) from None
    name = " ".join(name.split())
    if not name:
        raise ValidationError(
            {"name": _("Donnez un nom à la file de travail.")}, code="required"
        )
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(
            {
                "name": _("Un nom de file de travail a au plus %(max)d caractères.")
                % {"max": NAME_MAX_LENGTH}
            },
            code="max_length",
        )
    same = (
        WorkQueue.objects.visible_to(author)
        .annotate(lower=Lower("name"))
        .filter(lower=name.lower())
    )
    if exclude is not None:
        same = same.exclude(pk=exclude)
    if same.exists():
        raise ValidationError(
            {
                "name": _(
                    "Une file de travail porte déjà ce nom : choisissez-en un autre."
                )
            },
            code="unique",
        )
    return name


def _clean_query(query: str) -> str:
    if not query or len(query) > QUERY_MAX_LENGTH or CONTROL_CHARACTERS.search(query):
        raise ValidationError(
            _("Ces filtres ne peuvent pas être enregistrés."), code="invalid"
        )
    return query


def _subscribe(queue: WorkQueue, manager: User) -> bool:
    """Subscribe `manager` (whose row is locked) to `queue`; False if they
    already were. Raises ValidationError at MAX_SUBSCRIPTIONS."""
    subscriptions = WorkQueueSubscription.objects.filter(manager=manager)
    if subscriptions.filter(queue=queue).exists():
        return False
    if subscriptions.count() >= MAX_SUBSCRIPTIONS:
        raise ValidationError(
            _(
                "Vous suivez déjà %(max)d files de travail : désabonnez-vous "
                "d'une autre d'abord."
            )
            % {"max": MAX_SUBSCRIPTIONS},
            code="too_many",
        )
    WorkQueueSubscription.objects.create(queue=queue, manager=manager)
    audit_log(actor=manager, action=SUBSCRIBED, target=queue, data={"name": queue.name})
    return True


def work_queue_create(
    *, name: str, query: str, shared: bool, subscribe: bool, by: User
) -> WorkQueue:
    """Save `query` (checked against the queue's filters by the caller) as a
    queue of `by` named `name`, shared with the division or personal, and
    subscribe `by` to it if asked. Raises PermissionDenied for someone who
    does not see the claims queue, ValidationError for an empty, invisible
    or already used name (among the queues `by` sees), a query too long to
    keep, or past MAX_QUEUES_PER_AUTHOR or MAX_SUBSCRIPTIONS."""
    _check_user(by)
    with transaction.atomic():
        author = _locked_author(by)
        name = _clean_name(name, author=author)
        query = _clean_query(query)
        if WorkQueue.objects.filter(created_by=author).count() >= (
            MAX_QUEUES_PER_AUTHOR
        ):
            raise ValidationError(
                _(
                    "Vous avez déjà enregistré %(max)d files de travail : "
                    "supprimez-en une d'abord."
                )
                % {"max": MAX_QUEUES_PER_AUTHOR},
                code="too_many",
            )
        queue = WorkQueue.objects.create(
            name=name, query=query, shared=shared, created_by=author
        )
        audit_log(
            actor=author,
            action=CREATED,
            target=queue,
            data={"name": name, "query": query, "shared": shared},
        )
        if subscribe:
            _subscribe(queue, author)
    return queue


def _authored(queue: WorkQueue, by: User) -> WorkQueue:
    """`queue` locked, if `by` is its author; PermissionDenied otherwise
    (a built-in queue has no author)."""
    _check_user(by)
    locked = WorkQueue.objects.select_for_update().get(pk=queue.pk)
    if not locked.is_authored_by(by):
        raise PermissionDenied(
            _("Seul l'auteur d'une file de travail la renomme ou la supprime.")
        )
    return locked


def work_queue_change(
    *, queue: WorkQueue, name: str, shared: bool, by: User
) -> WorkQueue:
    """Rename `queue` and share it or keep it personal; its author only.
    Made personal, it loses its other subscribers (they can no longer see
    it). Raises PermissionDenied (not the author), ValidationError (name),
    WorkQueue.DoesNotExist (deleted meanwhile)."""
    with transaction.atomic():
        _locked_author(by)  # a name unique per author under two tabs
        locked = _authored(queue, by)
        before = locked.name
        name = _clean_name(name, author=by, exclude=locked.pk)
        removed = 0
        if locked.shared and not shared:
            removed, _kinds = (
                WorkQueueSubscription.objects.filter(queue=locked)
                .exclude(manager=by)
                .delete()
            )
        locked.name, locked.shared = name, shared
        locked.save(update_fields=["name", "shared", "updated_at"])
        audit_log(
            actor=by,
            action=CHANGED,
            target=locked,
            data={
                "name": name,
                "former_name": before,
                "shared": shared,
                "unsubscribed": removed,
            },
        )
    return locked


def work_queue_delete(*, queue: WorkQueue, by: User) -> int:
    """Delete `queue` and its subscriptions; its author only. Returns how
    many managers other than `by` followed it. Raises PermissionDenied,
    WorkQueue.DoesNotExist (deleted meanwhile)."""
    with transaction.atomic():
        locked = _authored(queue, by)
        others = locked.subscriptions.exclude(manager=by).count()
        audit_log(
            actor=by,
            action=DELETED,
            target=locked,
            data={"name": locked.name, "query": locked.query, "subscribers": others},
        )
        locked.delete()
    return others


def work_queue_subscribe(*, queue: WorkQueue, by: User) -> bool:
    """Subscribe `by` to `queue` (theirs or shared); False if they already
    were. Raises PermissionDenied (a queue they may not see, or no right to
    the claims queue), ValidationError past MAX_SUBSCRIPTIONS."""
    _check_user(by)
    with transaction.atomic():
        manager = _locked_author(by)
        locked = WorkQueue.objects.visible_to(manager).filter(pk=queue.pk).first()
        if locked is None:
            raise PermissionDenied(_("Cette file de travail n'est pas partagée."))
        return _subscribe(locked, manager)


def work_queue_unsubscribe(*, queue: WorkQueue, by: User) -> bool:
    """Stop following `queue`; False if `by` did not follow it."""
    _check_user(by)
    with transaction.atomic():
        deleted, _kinds = WorkQueueSubscription.objects.filter(
            queue_id=queue.pk, manager=by
        ).delete()
        if deleted:
            audit_log(
                actor=by, action=UNSUBSCRIBED, target=queue, data={"name": queue.name}
            )
    return bool(deleted)
