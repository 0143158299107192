"""The site's addresses plus `bench-hello/`, a view doing nothing: the floor
the participant pages are compared with (bench/peak.py)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from imagin.urls import handler400, handler429, handler500  # noqa: F401
from imagin.urls import urlpatterns as site


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse("hello", content_type="text/plain")


urlpatterns = [path("bench-hello/", hello), *site]
