from django.urls import path

from claims import views

app_name = "claims"

urlpatterns = [
    path("mes-etats-de-frais/", views.claim_list, name="list"),
    path("mes-etats-de-frais/<int:pk>/", views.claim_detail, name="detail"),
    path(
        "mes-etats-de-frais/<int:pk>/etape/<slug:step>/",
        views.claim_step,
        name="step",
    ),
    path(
        "mes-etats-de-frais/<int:pk>/non-effectuee/",
        views.claim_not_performed,
        name="not_performed",
    ),
    path("mes-etats-de-frais/<int:pk>/valider/", views.claim_submit, name="submit"),
    path(
        "mes-etats-de-frais/<int:pk>/justificatifs/",
        views.document_add,
        name="document_add",
    ),
    path(
        "mes-etats-de-frais/<int:pk>/justificatifs/<int:document_pk>/",
        views.document_download,
        name="document",
    ),
    path("mes-etats-de-frais/<int:pk>/pdf/", views.claim_pdf, name="pdf"),
    path(
        "mes-etats-de-frais/recapitulatif/<int:session_pk>/",
        views.session_recap_pdf,
        name="recap",
    ),
]
