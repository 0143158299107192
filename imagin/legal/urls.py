"""The legal pages' addresses, under French slugs as on every State site."""

from django.urls import path

from imagin.legal import views

app_name = "legal"

urlpatterns = [
    path("accessibilite/", views.accessibility, name="accessibility"),
    path("mentions-legales/", views.legal_notice, name="notice"),
    path("donnees-personnelles/", views.personal_data, name="personal_data"),
    path("plan-du-site/", views.sitemap, name="sitemap"),
]
