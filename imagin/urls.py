"""Root URL configuration: the composition root, the one place naming every app."""

from django.contrib import admin
from django.urls import include, path

from accounts.views import back_office_login
from imagin import views

handler500 = "imagin.views.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("aide/", views.guide_index, name="guide"),
    path("aide/recherche/", views.guide_search, name="guide_search"),
    path("aide/<slug:slug>/", views.guide_chapter, name="guide_chapter"),
    # The back-office never has a login of its own: it goes through the same
    # sign-in page, and so the same rate limits, as everyone else.
    path("gestion/login/", back_office_login),
    path("gestion/", admin.site.urls),
    path("comptes/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("missions.urls")),
    path("", include("claims.urls")),
]
