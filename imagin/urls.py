"""Root URL configuration: the composition root, the one place naming every app."""

from django.contrib import admin
from django.urls import include, path

from accounts import views_signin
from accounts.views import back_office_login
from accounts.views_email import email_manage
from claims.views.home import home
from imagin import health, session_timeout, views

handler400 = "imagin.views.bad_request"
# allauth's rate limits answer through this one (`respond_429`).
handler429 = "imagin.views.too_many_requests"
handler500 = "imagin.views.server_error"

urlpatterns = [
    path("", home, name="home"),
    # For load balancers and monitoring: no sign-in, JSON (imagin/health.py).
    path("health/", health.health, name="health"),
    # "Rester connecté(e)" in the dialog before the idle timeout.
    path("session/prolonger/", session_timeout.keep_alive, name="session_keep_alive"),
    path("aide/", views.guide_index, name="guide"),
    path("aide/recherche/", views.guide_search, name="guide_search"),
    path("aide/<slug:slug>/", views.guide_chapter, name="guide_chapter"),
    # Accessibility statement, legal notice, personal data, site map.
    path("", include("imagin.legal.urls")),
    # The back-office never has a login of its own: it goes through the same
    # sign-in page, and so the same rate limits, as everyone else.
    path("gestion/login/", back_office_login),
    path("gestion/", admin.site.urls),
    # One address per person, changed on the profile: allauth's page for
    # several addresses leads there.
    path("comptes/email/", email_manage, name="account_email"),
    # allauth's sign-in, bounded: see accounts/views_signin.py.
    path("comptes/login/", views_signin.login, name="account_login"),
    path("comptes/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("missions.urls")),
    path("", include("claims.urls")),
]
