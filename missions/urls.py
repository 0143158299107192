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
]
