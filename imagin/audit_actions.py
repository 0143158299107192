"""The words of each action of the audit log: a short label (the log's
filter) and one sentence (one msgid, named placeholders), filled by
`imagin.audit_sentences`.

Placeholders: actor, number (the object's), target (its label), person (whom
it concerns), from / to (status labels), and the event's data by name (reason,
note, comment, amount, email, role, year, file, count...).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Action:
    label: StrOrPromise
    sentence: StrOrPromise


# Placeholders: actor, number (the object's), target (its label), person (whom
# it concerns), from / to (status labels), and the event's data by name
# (reason, note, comment, amount, email, role, year, file, count...).
ACTIONS: dict[str, Action] = {
    # Accounts and security.
    "accounts.sign_in.succeeded": Action(
        _("Connexion"), _("%(actor)s a ouvert une session")
    ),
    "accounts.sign_in.failed": Action(
        _("Connexion refusée"),
        _("Connexion refusée pour l'identifiant « %(identifier)s »"),
    ),
    "accounts.sign_out": Action(_("Déconnexion"), _("%(actor)s a fermé sa session")),
    "accounts.password.reset_requested": Action(
        _("Mot de passe oublié : lien demandé"),
        _("Lien de choix du mot de passe demandé pour le compte de %(person)s"),
    ),
    "accounts.password.reset_sent": Action(
        _("Lien de choix du mot de passe envoyé"),
        _("%(actor)s a envoyé à %(person)s un lien de choix du mot de passe (%(to)s)"),
    ),
    "accounts.password.reset_completed": Action(
        _("Mot de passe choisi par lien"),
        _("%(person)s a choisi un nouveau mot de passe par le lien reçu"),
    ),
    "accounts.password.changed": Action(
        _("Mot de passe changé"), _("%(actor)s a changé son mot de passe")
    ),
    "accounts.participant.created": Action(
        _("Compte d'intervenant créé"), _("%(actor)s a créé le compte de %(person)s")
    ),
    "accounts.participant.initial_password_issued": Action(
        _("Mot de passe initial émis"),
        _("%(actor)s a émis le mot de passe initial de %(person)s"),
    ),
    "accounts.participant.initial_password_used": Action(
        _("Mot de passe initial utilisé"),
        _("%(person)s s'est connecté avec son mot de passe initial"),
    ),
    "accounts.participant.initial_password_resent": Action(
        _("Identifiants renvoyés"),
        _("%(actor)s a renvoyé ses identifiants à %(person)s"),
    ),
    "accounts.participant.password_chosen": Action(
        _("Mot de passe personnel choisi"),
        _("%(actor)s a choisi son mot de passe personnel"),
    ),
    "accounts.role.granted": Action(
        _("Rôle donné"), _("%(actor)s a donné le rôle « %(role)s » à %(person)s")
    ),
    "accounts.role.revoked": Action(
        _("Rôle retiré"), _("%(actor)s a retiré le rôle « %(role)s » à %(person)s")
    ),
    "accounts.email.set_by_staff": Action(
        _("Adresse électronique saisie par la division"),
        _("%(actor)s a saisi l'adresse électronique de %(person)s : %(email)s"),
    ),
    "accounts.email.change_requested": Action(
        _("Changement d'adresse demandé"),
        _("%(actor)s a demandé à changer son adresse électronique pour %(email)s"),
    ),
    "accounts.email.confirmed": Action(
        _("Adresse électronique confirmée"),
        _("%(actor)s a confirmé l'adresse électronique %(email)s"),
    ),
    "accounts.sso.linked": Action(
        _("Compte relié à une connexion externe"),
        _("%(actor)s a relié le compte de %(person)s à la connexion %(provider)s"),
    ),
    "accounts.financial_file.created": Action(
        _("Coordonnées bancaires enregistrées"),
        _("%(actor)s a enregistré les coordonnées bancaires de %(person)s"),
    ),
    "accounts.financial_file.updated": Action(
        _("Coordonnées bancaires modifiées"),
        _("%(actor)s a modifié les coordonnées bancaires de %(person)s"),
    ),
    "accounts.financial_file.checked": Action(
        _("Coordonnées bancaires vérifiées"),
        _("%(actor)s a vérifié les coordonnées bancaires de %(person)s (« %(to)s »)"),
    ),
    "accounts.financial_file.rib_downloaded": Action(
        _("RIB téléchargé"), _("%(actor)s a téléchargé le RIB de %(person)s")
    ),
    "accounts.request.submitted": Action(
        _("Demande d'intervenant extérieur déposée"),
        _("%(actor)s a déposé la demande d'intervenant extérieur n° %(number)s"),
    ),
    "accounts.request.approved": Action(
        _("Demande d'intervenant extérieur acceptée"),
        _("%(actor)s a accepté la demande d'intervenant extérieur n° %(number)s"),
    ),
    "accounts.request.rejected": Action(
        _("Demande d'intervenant extérieur refusée"),
        _("%(actor)s a refusé la demande d'intervenant extérieur n° %(number)s"),
    ),
    "accounts.request.rib_downloaded": Action(
        _("RIB d'une demande téléchargé"),
        _("%(actor)s a téléchargé le RIB de la demande n° %(number)s"),
    ),
    # Missions.
    "missions.missions.imported": Action(
        _("Missions importées"),
        _("%(actor)s a importé %(created)s missions dans la session %(target)s"),
    ),
    "missions.assignment.created": Action(
        _("Affectation"),
        _("%(actor)s a affecté %(person)s à une mission (affectation n° %(number)s)"),
    ),
    "missions.assignment.reassigned": Action(
        _("Réaffectation"),
        _("%(actor)s a de nouveau affecté %(person)s (affectation n° %(number)s)"),
    ),
    "missions.assignment.withdrawn": Action(
        _("Désaffectation"),
        _("%(actor)s a désaffecté %(person)s (affectation n° %(number)s)"),
    ),
    "missions.assignment.financial_file_reminded": Action(
        _("Relance pour le dossier financier"),
        _("%(actor)s a relancé %(person)s pour son dossier financier (%(reason)s)"),
    ),
    "missions.convocation.issued": Action(
        _("Convocation envoyée"),
        _(
            "%(actor)s a envoyé la convocation de %(person)s "
            "(affectation n° %(number)s)"
        ),
    ),
    "missions.convocation.cancelled": Action(
        _("Convocation annulée"),
        _(
            "%(actor)s a annulé la convocation de %(person)s "
            "(affectation n° %(number)s)"
        ),
    ),
    "missions.competences.declared": Action(
        _("Compétences déclarées"),
        _("%(actor)s a déclaré les compétences de %(person)s"),
    ),
    "missions.availability.declared": Action(
        _("Disponibilités déclarées"),
        _("%(actor)s a déclaré les disponibilités de %(person)s"),
    ),
    # Claims.
    "claims.claim.opened": Action(
        _("État de frais ouvert"),
        _("%(actor)s a ouvert l'état de frais n° %(number)s de %(person)s"),
    ),
    "claims.claim.saved": Action(
        _("Saisie enregistrée"),
        _("%(actor)s a enregistré sa saisie de l'état de frais n° %(number)s"),
    ),
    "claims.claim.submitted": Action(
        _("Validé par l'intervenant"),
        _("%(actor)s a validé son état de frais n° %(number)s (%(estimated_total)s)"),
    ),
    "claims.claim.not_performed": Action(
        _("Mission déclarée non effectuée"),
        _("%(actor)s a déclaré non effectuée sa mission (état de frais n° %(number)s)"),
    ),
    "claims.claim.returned": Action(
        _("Renvoyé pour correction"),
        _("%(actor)s a renvoyé l'état de frais n° %(number)s pour correction"),
    ),
    "claims.claim.approved": Action(
        _("Validé par le gestionnaire"),
        _(
            "%(actor)s a validé l'état de frais n° %(number)s : rémunération "
            "%(remuneration_amount)s, frais de déplacement %(travel_amount)s"
        ),
    ),
    "claims.claim.document_added": Action(
        _("Justificatif déposé"),
        _("%(actor)s a déposé « %(name)s » sur l'état de frais n° %(number)s"),
    ),
    "claims.claim.document_downloaded": Action(
        _("Justificatif téléchargé"),
        _("%(actor)s a téléchargé un justificatif de l'état de frais n° %(number)s"),
    ),
    "claims.claim.corrected": Action(
        _("Quantités retenues corrigées"),
        _("%(actor)s a corrigé les quantités de l'état de frais n° %(number)s"),
    ),
    "claims.claim.travel_corrected": Action(
        _("Frais de déplacement corrigés"),
        _(
            "%(actor)s a corrigé les frais de déplacement de l'état de frais "
            "n° %(number)s (lignes corrigées : %(count)s)"
        ),
    ),
    "claims.claim.amount_entered": Action(
        _("Montant saisi par le gestionnaire"),
        _("%(actor)s a saisi le montant de l'état de frais n° %(number)s : %(amount)s"),
    ),
    "claims.claim.cancelled": Action(
        _("État de frais annulé"),
        _("%(actor)s a annulé l'état de frais n° %(number)s"),
    ),
    "claims.claim.restored": Action(
        _("État de frais rétabli"),
        _("%(actor)s a rétabli l'état de frais n° %(number)s (« %(to)s »)"),
    ),
    "claims.claim.closed": Action(
        _("Mission non effectuée prise en compte"),
        _("%(actor)s a clos à zéro l'état de frais n° %(number)s (non effectué)"),
    ),
    "claims.claim.in_payment": Action(
        _("Mis en paiement"),
        _(
            "%(actor)s a mis en paiement l'état de frais n° %(number)s "
            "(lot n° %(batch)s)"
        ),
    ),
    "claims.claim.payment_cancelled": Action(
        _("Retiré de la mise en paiement"),
        _(
            "%(actor)s a retiré l'état de frais n° %(number)s de la mise en paiement "
            "(lot n° %(batch)s annulé)"
        ),
    ),
    "claims.claim.paid": Action(
        _("Payé"),
        _("%(actor)s a payé l'état de frais n° %(number)s (lot n° %(batch)s)"),
    ),
    "claims.claim.reminded": Action(
        _("Relance avant la date limite"),
        _("%(actor)s a rappelé à %(person)s la date limite de son état de frais"),
    ),
    "claims.claim.removed_with_run": Action(
        _("Retiré avec l'annulation d'un tirage"),
        _("%(actor)s a retiré l'état de frais n° %(number)s avec le tirage n° %(run)s"),
    ),
    "claims.convocation_run.control_started": Action(
        _("Impression de contrôle demandée"),
        _("%(actor)s a demandé l'impression de contrôle n° %(number)s (%(scope)s)"),
    ),
    "claims.convocation_run.official_started": Action(
        _("Tirage officiel demandé"),
        _("%(actor)s a demandé le tirage officiel n° %(number)s (%(scope)s)"),
    ),
    "claims.convocation_run.running": Action(
        _("Tirage commencé"), _("Le tirage n° %(number)s a commencé")
    ),
    "claims.convocation_run.done": Action(
        _("Tirage terminé"),
        _("Tirage n° %(number)s terminé : %(convoked)s convoqués, %(emailed)s avisés"),
    ),
    "claims.convocation_run.failed": Action(
        _("Tirage en échec"), _("Le tirage n° %(number)s a échoué : %(error)s")
    ),
    "claims.convocation_run.cancelled": Action(
        _("Tirage annulé"),
        _("%(actor)s a annulé le tirage n° %(number)s (%(claims_removed)s retirés)"),
    ),
    "claims.convocation_run.document_downloaded": Action(
        _("Convocations téléchargées"),
        _("%(actor)s a téléchargé les convocations du tirage n° %(number)s"),
    ),
    "claims.convocation_run.withdrawal_letters_downloaded": Action(
        _("Lettres de retrait téléchargées"),
        _("%(actor)s a téléchargé les lettres de retrait du tirage n° %(number)s"),
    ),
    "claims.payment_batch.created": Action(
        _("Lot de paiement constitué"),
        _("%(actor)s a constitué le lot de paiement n° %(number)s"),
    ),
    "claims.payment_batch.exported": Action(
        _("Fichier de paiement exporté"),
        _("%(actor)s a exporté le fichier de paiement du lot n° %(number)s"),
    ),
    "claims.payment_batch.file_downloaded": Action(
        _("Fichier de paiement téléchargé"),
        _("%(actor)s a téléchargé le fichier de paiement du lot n° %(number)s"),
    ),
    "claims.payment_batch.cancelled": Action(
        _("Lot de paiement annulé"),
        _("%(actor)s a annulé le lot de paiement n° %(number)s"),
    ),
    "claims.payment_batch.paid": Action(
        _("Lot de paiement payé"),
        _("%(actor)s a payé le lot n° %(number)s (%(claims)s états de frais)"),
    ),
    "claims.rate_table.created": Action(
        _("Barème créé"), _("%(actor)s a créé le barème n° %(number)s")
    ),
    "claims.rate_table.changed": Action(
        _("Barème modifié"), _("%(actor)s a modifié le barème n° %(number)s")
    ),
    "claims.rate_table.rates_changed": Action(
        _("Taux d'un barème modifiés"),
        _("%(actor)s a modifié les taux du barème n° %(number)s"),
    ),
    "claims.rate_table.deleted": Action(
        _("Barème supprimé"), _("%(actor)s a supprimé le barème %(table)s")
    ),
    "claims.statements.started": Action(
        _("Attestations annuelles demandées"),
        _("%(actor)s a lancé les %(participants)s attestations de %(year)s"),
    ),
    "claims.statement.produced": Action(
        _("Attestation annuelle produite"),
        _("%(actor)s a produit l'attestation de paiement de %(year)s de %(person)s"),
    ),
    "claims.statements.ready": Action(
        _("Attestations annuelles prêtes"),
        _("Attestations de %(year)s prêtes pour %(actor)s (%(count)s)"),
    ),
    "claims.statements.downloaded": Action(
        _("Attestations annuelles téléchargées"),
        _("%(actor)s a téléchargé les attestations de paiement de %(year)s"),
    ),
    "missions.service.certified": Action(
        _("Service fait constaté"),
        _("%(actor)s a constaté le service fait de %(person)s (présent : %(present)s)"),
    ),
    "claims.upstream_counts.imported": Action(
        _("Comptages importés"),
        _("%(actor)s a importé %(rows)s lignes de comptage du fichier « %(file)s »"),
    ),
    "imagin.export.list_downloaded": Action(
        _("Liste exportée"),
        _("%(actor)s a exporté %(rows)s lignes de la liste %(list)s (%(format)s)"),
    ),
    "imagin.export.file_ready": Action(
        _("Export prêt"),
        _("L'export de %(rows)s lignes de la liste %(list)s est prêt pour %(actor)s"),
    ),
    "claims.work_queue.created": Action(
        _("File de travail enregistrée"),
        _(
            "%(actor)s a enregistré la file de travail « %(name)s » "
            "(partagée : %(shared)s)"
        ),
    ),
    "claims.work_queue.changed": Action(
        _("File de travail modifiée"),
        _(
            "%(actor)s a modifié la file de travail « %(former_name)s », "
            "désormais « %(name)s » (partagée : %(shared)s)"
        ),
    ),
    "claims.work_queue.deleted": Action(
        _("File de travail supprimée"),
        _("%(actor)s a supprimé la file de travail « %(name)s »"),
    ),
    "claims.work_queue.subscribed": Action(
        _("Abonnement à une file de travail"),
        _("%(actor)s suit la file de travail « %(name)s » sur son tableau de bord"),
    ),
    "claims.work_queue.unsubscribed": Action(
        _("Désabonnement d'une file de travail"),
        _("%(actor)s ne suit plus la file de travail « %(name)s »"),
    ),
    "missions.reinforcements.viewed": Action(
        _("Renforts disponibles consultés"),
        _(
            "%(actor)s a consulté les coordonnées de %(rows)s renforts "
            "disponibles (%(target)s, %(date)s)"
        ),
    ),
    # Reference data imported from a file (imagin.tabular_import): one event
    # per import, with what it created, updated and left unchanged.
    "accounts.communes.imported": Action(
        _("Communes importées"),
        _(
            "%(actor)s a importé le fichier de communes « %(file)s » : %(created)s "
            "créées, %(updated)s modifiées, %(unchanged)s inchangées"
        ),
    ),
    "accounts.establishments.imported": Action(
        _("Établissements importés"),
        _(
            "%(actor)s a importé le fichier d'établissements « %(file)s » : "
            "%(created)s créés, %(updated)s modifiés, %(unchanged)s inchangés"
        ),
    ),
    "missions.centres.imported": Action(
        _("Centres importés"),
        _(
            "%(actor)s a importé le fichier de centres « %(file)s » : %(created)s "
            "créés, %(updated)s modifiés, %(unchanged)s inchangés"
        ),
    ),
    "missions.exams.imported": Action(
        _("Examens importés"),
        _(
            "%(actor)s a importé le fichier d'examens « %(file)s » dans la session "
            "%(target)s : %(created)s créés, %(updated)s modifiés, %(unchanged)s "
            "inchangés (examens, épreuves et disciplines)"
        ),
    ),
    "missions.participants.imported": Action(
        _("Intervenants importés"),
        _(
            "%(actor)s a importé le fichier d'intervenants « %(file)s » (session "
            "%(target)s) : %(created)s créés, %(updated)s modifiés, %(unchanged)s "
            "inchangés, %(competences)s compétences ajoutées"
        ),
    ),
    # Automatic assignment (missions.auto_assignment, missions.auto_apply):
    # a run's life, and the locks that keep an assignment out of it.
    "missions.auto_assignment.started": Action(
        _("Affectation automatique lancée"),
        _(
            "%(actor)s a lancé l'affectation automatique %(target)s "
            "(%(missions)s mission(s) choisie(s) ; 0 : toute la session)"
        ),
    ),
    "missions.auto_assignment.running": Action(
        _("Affectation automatique en cours"),
        _("Le calcul de l'affectation automatique %(target)s a commencé"),
    ),
    "missions.auto_assignment.done": Action(
        _("Affectation automatique calculée"),
        _(
            "La proposition de l'affectation automatique %(target)s est prête : "
            "%(places_open)s place(s) laissée(s) libre(s)"
        ),
    ),
    "missions.auto_assignment.failed": Action(
        _("Affectation automatique en échec"),
        _("Le calcul de l'affectation automatique %(target)s a échoué : %(error)s"),
    ),
    "missions.auto_assignment.applied": Action(
        _("Affectation automatique appliquée"),
        _(
            "%(actor)s a appliqué l'affectation automatique %(target)s : "
            "%(applied)s ligne(s) appliquée(s), %(skipped)s refusée(s), "
            "%(dropped)s écartée(s)"
        ),
    ),
    "missions.auto_assignment.discarded": Action(
        _("Affectation automatique abandonnée"),
        _("%(actor)s a abandonné la proposition %(target)s"),
    ),
    "missions.auto_assignment.lines_dropped": Action(
        _("Lignes de la proposition écartées"),
        _(
            "%(actor)s a modifié les lignes écartées de la proposition %(target)s : "
            "%(dropped)s écartée(s), %(kept)s reprise(s) ; %(total)s écartée(s) "
            "en tout"
        ),
    ),
    "missions.auto_assignment.apply_requested": Action(
        _("Application de l'affectation automatique demandée"),
        _(
            "%(actor)s a demandé l'application de la proposition %(target)s "
            "(%(dropped)s ligne(s) écartée(s))"
        ),
    ),
    "missions.auto_assignment.apply_failed": Action(
        _("Application de l'affectation automatique en échec"),
        _(
            "L'application de la proposition %(target)s n'a pas abouti, rien "
            "n'a été modifié : %(error)s"
        ),
    ),
    "missions.assignment.locked": Action(
        _("Affectation verrouillée"),
        _(
            "%(actor)s a verrouillé l'affectation n° %(number)s de %(person)s : "
            "l'affectation automatique la garde"
        ),
    ),
    "missions.assignment.unlocked": Action(
        _("Affectation déverrouillée"),
        _("%(actor)s a déverrouillé l'affectation n° %(number)s de %(person)s"),
    ),
    "missions.wishes.declared": Action(
        _("Souhaits déclarés"),
        _("%(actor)s a déclaré les souhaits de %(person)s pour la session %(session)s"),
    ),
}
