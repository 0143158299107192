from django.urls import include, path, re_path

from accounts.sso import views

urlpatterns = [
    re_path(
        r"^sso/(?P<provider_id>[^/]+)/",
        include(
            [
                path("login/", views.login, name="imagin_oidc_login"),
                path("login/callback/", views.callback, name="imagin_oidc_callback"),
            ]
        ),
    )
]
