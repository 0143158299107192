from django.urls import path

from missions import views

app_name = "missions"

urlpatterns = [
    path("mes-declarations/", views.declarations, name="declarations"),
    path(
        "mes-declarations/<int:session_pk>/competences/",
        views.competences,
        name="competences",
    ),
    path(
        "mes-declarations/<int:session_pk>/disponibilites/",
        views.availability,
        name="availability",
    ),
    path("mes-convocations/", views.convocations, name="convocations"),
    path(
        "mes-convocations/<int:assignment_pk>/pdf/",
        views.convocation_download,
        name="convocation_download",
    ),
    path("mes-centres/", views.centre_missions, name="centre_missions"),
    path(
        "mes-centres/missions/<int:mission_pk>/",
        views.centre_mission,
        name="centre_mission",
    ),
]
