from django.urls import path

from accounts import views, views_email

app_name = "accounts"

urlpatterns = [
    path("langue/", views.language_choose, name="language"),
    path("mon-compte/profil/", views.profile, name="profile"),
    path(
        "mon-compte/profil/renvoyer-le-lien/",
        views_email.email_confirmation_resend,
        name="email_confirmation_resend",
    ),
    path("mon-compte/dossier-financier/", views.financial_file, name="financial_file"),
    path("mon-compte/dossier-financier/rib/", views.rib_download, name="rib_download"),
    path("demande-intervenant-exterieur/", views.request_create, name="request_create"),
    path(
        "demande-intervenant-exterieur/envoyee/",
        views.request_done,
        name="request_done",
    ),
]
