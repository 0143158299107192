"""The background worker's heartbeat: proof, in the database, that one runs.

Convocation runs, e-mails and PDFs wait in the task queue until a worker
(`manage.py db_worker`) takes them; a site whose worker died still answers
every page, and nobody would notice before participants complain. So each
worker writes "still here" every few seconds from a thread of its own (a long
convocation run must not make it look dead), and `/health/` reads the latest.
The row lives in the shared database, like everything else: any web process
answers for any worker.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection, models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

# Rows of workers gone for longer than this are removed when a worker starts.
FORGET_AFTER = timedelta(days=1)


class WorkerHeartbeat(models.Model):
    worker_id = models.CharField(
        _("identifiant du processus"), max_length=64, unique=True
    )
    hostname = models.CharField(_("machine"), max_length=255)
    pid = models.PositiveIntegerField(_("numéro de processus"))
    started_at = models.DateTimeField(_("démarré le"))
    last_seen = models.DateTimeField(_("dernier signe de vie"), db_index=True)

    class Meta:
        verbose_name = _("battement du processus d'arrière-plan")
        verbose_name_plural = _("battements des processus d'arrière-plan")

    def __str__(self) -> str:
        return f"{self.hostname}:{self.pid}"


def latest_heartbeat() -> WorkerHeartbeat | None:
    return WorkerHeartbeat.objects.order_by("-last_seen").first()


def beat(worker_id: str, *, started_at) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
            "started_at": started_at,
            "last_seen": timezone.now(),
        },
    )


class Heartbeat(threading.Thread):
    """Writes the worker's heartbeat every WORKER_HEARTBEAT_INTERVAL seconds."""

    def __init__(self, worker_id: str) -> None:
        super().__init__(name="imagin-heartbeat", daemon=True)
        self.worker_id = worker_id
        self.started_at = timezone.now()
        self._stopped = threading.Event()

    def run(self) -> None:
        try:
            while True:
                try:
                    beat(self.worker_id, started_at=self.started_at)
                except DatabaseError:
                    # The database may be restarting: say so, and try again at
                    # the next beat on a fresh connection. /health/ shows it.
                    logger.warning("Worker heartbeat not written", exc_info=True)
                    connection.close()
                if self._stopped.wait(settings.WORKER_HEARTBEAT_INTERVAL):
                    return
        finally:
            connection.close()

    def stop(self) -> None:
        """Stop beating and remove the row: a worker that stopped cleanly is
        not waited for (health then reports no worker at once)."""
        self._stopped.set()
        self.join(timeout=5)
        try:
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
        except DatabaseError:
            logger.warning("Worker heartbeat not removed", exc_info=True)


def start_heartbeat(worker_id: str) -> Heartbeat:
    WorkerHeartbeat.objects.filter(last_seen__lt=timezone.now() - FORGET_AFTER).delete()
    heartbeat = Heartbeat(worker_id)
    heartbeat.start()
    return heartbeat
