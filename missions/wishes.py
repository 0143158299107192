"""A participant's wishes for a session (« Mes souhaits pour la session »):
the most missions they accept, and the centres they would rather go to.
The automatic assignment respects the maximum and favours the centres
(missions.auto_data); the assignment page does not read them."""

from __future__ import annotations

from django import forms
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from imagin.audit import audit_log
from missions.models import Centre, ExamSession, SessionWish
from missions.services import _check_declarations_open

MAX_MISSIONS = 50


def session_centres(session: ExamSession):
    return (
        Centre.objects.filter(missions__exam__session=session)
        .distinct()
        .select_related("commune")
        .order_by("name", "pk")
    )


class WishesForm(forms.Form):
    max_missions = forms.IntegerField(
        label=_("Nombre maximal de missions"),
        help_text=_(
            "Laissez vide si vous n'avez pas de limite. La division n'en "
            "attribuera pas davantage."
        ),
        required=False,
        min_value=1,
        max_value=MAX_MISSIONS,
    )
    centres = forms.ModelMultipleChoiceField(
        label=_("Centres souhaités"),
        help_text=_(
            "Les centres où vous préférez être convoqué(e) : un souhait, pas un "
            "engagement."
        ),
        queryset=Centre.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, session: ExamSession, **kwargs):
        super().__init__(*args, **kwargs)
        # This form's copy of `centres` above (`fields` types each as Field).
        centres = self.fields["centres"]
        assert isinstance(centres, forms.ModelMultipleChoiceField)
        centres.queryset = session_centres(session)


def wish_initial(participant: User, session: ExamSession) -> dict:
    """The declared wishes as the form's initial values, in one query (the
    wish joined to its centres)."""
    rows = list(
        SessionWish.objects.filter(
            participant=participant, session=session
        ).values_list("max_missions", "preferred_centres")
    )
    if not rows:
        return {}
    return {
        "max_missions": rows[0][0],
        "centres": [centre for _max, centre in rows if centre is not None],
    }


def wishes_save(
    *,
    participant: User,
    session: ExamSession,
    max_missions: int | None,
    centres: list[Centre],
    by: User,
) -> SessionWish:
    """Replace the participant's wishes for the session, audited."""
    _check_declarations_open(session)
    with transaction.atomic():
        wish, _created = SessionWish.objects.select_for_update().get_or_create(
            participant=participant, session=session
        )
        wish.max_missions = max_missions
        wish.save(update_fields=["max_missions", "updated_at"])
        wish.preferred_centres.set(centres)
        audit_log(
            actor=by,
            action="missions.wishes.declared",
            target=participant,
            data={
                "session": str(session),
                "max_missions": max_missions,
                "centres": ", ".join(c.name for c in centres),
            },
        )
    return wish
