from django.urls import path

from claims.views import pages, statements, steps

app_name = "claims"

urlpatterns = [
    path("mes-etats-de-frais/", pages.claim_list, name="list"),
    path("mes-etats-de-frais/<int:pk>/", pages.claim_detail, name="detail"),
    path(
        "mes-etats-de-frais/<int:pk>/etape/<slug:step>/",
        steps.claim_step,
        name="step",
    ),
    path(
        "mes-etats-de-frais/<int:pk>/non-effectuee/",
        pages.claim_not_performed,
        name="not_performed",
    ),
    path("mes-etats-de-frais/<int:pk>/valider/", pages.claim_submit, name="submit"),
    path(
        "mes-etats-de-frais/<int:pk>/justificatifs/",
        pages.document_add,
        name="document_add",
    ),
    path(
        "mes-etats-de-frais/<int:pk>/justificatifs/<int:document_pk>/",
        pages.document_download,
        name="document",
    ),
    path("mes-etats-de-frais/<int:pk>/pdf/", pages.claim_pdf, name="pdf"),
    path(
        "mes-etats-de-frais/recapitulatif/<int:session_pk>/",
        pages.session_recap_pdf,
        name="recap",
    ),
    path(
        "mes-etats-de-frais/attestations/",
        statements.statement_list,
        name="statements",
    ),
    path(
        "mes-etats-de-frais/attestations/<int:year>/",
        statements.statement_pdf,
        name="statement",
    ),
]
