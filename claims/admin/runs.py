"""Back-office for convocation runs: started, followed and undone here."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from claims.models import ConvocationRun
from claims.runs import run_cancel, run_start
from imagin.audit import audit_log
from imagin.http import private_file_response
from missions.models import Centre, Exam, ExamSession


class ConvocationRunForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Nature"),
        choices=ConvocationRun.Kind.choices,
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "L'impression de contrôle ne change rien ; le tirage officiel convoque, "
            "ouvre les états de frais et envoie les convocations."
        ),
    )
    session = forms.ModelChoiceField(
        label=gettext_lazy("Session"), queryset=ExamSession.objects.all()
    )
    exam = forms.ModelChoiceField(
        label=gettext_lazy("Examen"),
        queryset=Exam.objects.all(),
        required=False,
        help_text=gettext_lazy("Vide : tous les examens de la session."),
    )
    centre = forms.ModelChoiceField(
        label=gettext_lazy("Centre"),
        queryset=Centre.objects.all(),
        required=False,
        help_text=gettext_lazy("Vide : tous les centres."),
    )

    def clean(self):
        data = super().clean()
        exam, session = data.get("exam"), data.get("session")
        if exam and session and exam.session_id != session.pk:
            self.add_error(
                "exam", _("Cet examen n'appartient pas à la session choisie.")
            )
        return data


@admin.register(ConvocationRun)
class ConvocationRunAdmin(admin.ModelAdmin):
    """Control prints and official runs: started here, followed here, undone here."""

    list_display = [
        "__str__",
        "status",
        "progress",
        "convoked",
        "emailed",
        "created_by",
        "created_at",
    ]
    list_filter = ["kind", "status", "session"]
    list_select_related = ["session", "exam", "centre", "created_by"]

    @admin.display(description=gettext_lazy("Avancement"))
    def progress(self, run: ConvocationRun) -> str:
        return f"{run.participants_done} / {run.participants_total}"

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a run is never edited; its page is read-only

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/document/",
                wrap(self.document_view),
                name="claims_convocationrun_document",
            ),
            path(
                "<int:pk>/annuler/",
                wrap(self.cancel_view),
                name="claims_convocationrun_cancel",
            ),
            *super().get_urls(),
        ]

    def _context(self, request, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            **extra,
        }

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ConvocationRunForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            run = run_start(
                kind=data["kind"],
                session=data["session"],
                exam=data["exam"],
                centre=data["centre"],
                by=request.user,
            )
            messages.success(request, _("%s lancé(e).") % run.get_kind_display())
            return redirect("admin:claims_convocationrun_change", run.pk)
        return render(
            request,
            "admin/claims/convocationrun/start.html",
            self._context(
                request, form=form, title=_("Lancer un tirage des convocations")
            ),
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = self.get_object(request, object_id)
        if run is None or not self.has_view_permission(request, run):
            raise Http404
        return render(
            request,
            "admin/claims/convocationrun/detail.html",
            self._context(
                request,
                run=run,
                original=run,
                title=str(run),
                can_cancel=run.kind == ConvocationRun.Kind.OFFICIAL
                and run.status
                in (ConvocationRun.Status.DONE, ConvocationRun.Status.FAILED)
                and self.has_add_permission(request),
            ),
        )

    def document_view(self, request, pk: int):
        run = self.get_object(request, str(pk))
        if (
            run is None
            or not run.document
            or not self.has_view_permission(request, run)
        ):
            raise Http404
        # A cancelled run's document is its withdrawal letters (claims.runs).
        cancelled = run.status == ConvocationRun.Status.CANCELLED
        audit_log(
            actor=request.user,
            action="claims.convocation_run.withdrawal_letters_downloaded"
            if cancelled
            else "claims.convocation_run.document_downloaded",
            target=run,
        )
        return private_file_response(
            run.document.open("rb"),
            filename=run.document.name.rsplit("/", 1)[-1],
            content_type="application/pdf",
        )

    def cancel_view(self, request, pk: int):
        run = self.get_object(request, str(pk))
        if run is None:
            raise Http404
        if not self.has_add_permission(request):
            raise PermissionDenied
        problems: list[str] = []
        if request.method == "POST":
            try:
                run = run_cancel(run=run, by=request.user)
            except ValidationError as refused:
                problems = refused.messages
            else:
                messages.success(request, _("Le tirage est annulé."))
                if run.to_post:
                    messages.warning(
                        request,
                        _(
                            "%(count)d intervenant(s) sans adresse électronique à "
                            "prévenir par courrier ou par téléphone : %(names)s."
                        )
                        % {
                            "count": len(run.to_post),
                            "names": ", ".join(p["name"] for p in run.to_post),
                        },
                    )
                return redirect("admin:claims_convocationrun_change", run.pk)
        return render(
            request,
            "admin/claims/convocationrun/cancel.html",
            self._context(
                request, run=run, problems=problems, title=_("Annuler le tirage")
            ),
        )
