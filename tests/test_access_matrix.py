"""Every URL of the project, asked by every kind of person, with others' ids.

The walk takes every URL pattern from the resolver (the back-office's and
allauth's included), so a URL added tomorrow is walked without editing this
file. Each pattern's kwargs are filled with real objects that belong to
someone else than the person asking; a pattern this file cannot fill makes the
test fail, unless it is in `UNFILLABLE` with the reason.

What each person may do is one small table keyed by URL name prefix
(`AREAS`), plus a positive list (`MUST`) of what they do reach. Every
request is a GET and a POST with an empty body; a refused one must answer a
redirection to the sign-in page, 403, 404 or 405 and write nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import transaction
from django.urls import resolve, reverse
from django.utils import timezone
from django.utils.http import int_to_base36

from accounts.middleware import (
    ALWAYS_ALLOWED,
    ALWAYS_ALLOWED_NAMESPACES,
    PASSWORD_CHANGE,
)
from accounts.models import FinancialFile, User
from claims.models import Claim, SupportingDocument
from claims.services.review import Decision
from imagin import help as guide
from missions.models import Assignment
from tests.urlwalk import Endpoint, endpoints
from tests.world import (
    AGENT_A,
    ANONYMOUS,
    BACK_OFFICE_PERSONAS,
    EXTERNAL,
    EXTERNAL_NEW,
    PERSONAS,
    SUPERUSER,
    World,
    academie,  # noqa: F401 (the fixture `world`)
)

pytestmark = pytest.mark.django_db

LOGIN = "/comptes/login/"
BACK_OFFICE_LOGIN = "/gestion/login/"


@pytest.fixture(autouse=True)
def _world_files_and_fresh_limits(settings, private_files_in_a_temporary_folder, world):
    settings.MEDIA_ROOT = world.media_root
    cache.clear()


# ------------------------------------------------------------ filling kwargs


@dataclass(frozen=True)
class Filled:
    path: str
    personal: bool  # some kwarg names an object that belongs to someone


def _admin_object(model, owner: User, world: World) -> object | None:
    """The object of `model` a back-office URL names: the owner's if it has one."""
    label = model._meta.label
    if label == "claims.Claim":
        return world.claims.get(owner.pk)
    if label == "accounts.User":
        return owner
    if label == "accounts.FinancialFile":
        return FinancialFile.objects.filter(user=owner).first()
    if label == "missions.Assignment":
        return Assignment.objects.filter(participant=owner).first()
    if label == "account.EmailAddress":
        return EmailAddress.objects.filter(user=owner).first()
    return model._default_manager.order_by("pk").first()


# kwarg name -> (value for an owner, whether it names a personal object), for
# the site's own URLs; the back-office's object ids come from `_admin_object`.
SITE_KWARGS: dict[str, Callable[[World, User], tuple[object, bool]]] = {
    "pk": lambda w, owner: (w.claims[owner.pk].pk, True),
    "document_pk": lambda w, owner: (
        w.documents.get(w.claims[owner.pk].pk, SupportingDocument(pk=0)).pk,
        True,
    ),
    "step": lambda w, owner: ("mission", True),
    "assignment_pk": lambda w, owner: (w.claims[owner.pk].assignment_id, True),
    "session_pk": lambda w, owner: (w.session.pk, False),
    # A mission of the owner's claim: its centre's head certifies it.
    "mission_pk": lambda w, owner: (w.claims[owner.pk].assignment.mission_id, True),
    # A yearly statement: the year names no one's object, the page shows
    # only the asker's payments (none that year: 404).
    "year": lambda w, owner: (timezone.localdate().year, False),
    "slug": lambda w, owner: (guide.chapters()[0].slug, False),
    # allauth's e-mail confirmation and password reset: a forged key for the
    # owner's account, never a valid one.
    "key": lambda w, owner: ("cle-inventee-0000", True),
    "uidb36": lambda w, owner: (int_to_base36(owner.pk), True),
    # A provider no setting names (the configured ones need their server)
    "provider_id": lambda w, owner: ("inconnu", False),
}

# Back-office kwargs that are not the object's id.
ADMIN_KWARGS: dict[str, Callable[[World, User, object], object]] = {
    "document_pk": lambda w, owner, claim: w.documents[claim.pk].pk,
    "decision": lambda w, owner, claim: Decision.APPROVE.value,
    "app_label": lambda w, owner, obj: "claims",
    "url": lambda w, owner, obj: "inexistant/",
    # A bulk validation followed in the background: tasks run at once in
    # tests, so no stored result exists; the page answers 404 to anyone.
    "result_id": lambda w, owner, obj: "00000000-0000-0000-0000-000000000000",
    # The ZIP of a yearly statements job: none exists for this key (404).
    "year": lambda w, owner, obj: timezone.localdate().year,
    "key": lambda w, owner, obj: "0" * 32,
    # A list's export (imagin/admin_export.py): its format.
    "fmt": lambda w, owner, obj: "csv",
    # No automatic assignment run in the world: 404 to managers.
    "run_pk": lambda w, owner, obj: 999999,
    "content_type_id": lambda w, owner, obj: (
        ContentType.objects.get_for_model(Claim).pk
    ),
}

# Patterns whose kwargs cannot name a real object, and why. They are still
# requested, with an id that exists nowhere.
UNFILLABLE = {
    # Background tasks run at once in tests (TASKS_BACKEND=immediate): there is
    # never a stored task result to name.
    "admin:django_tasks_database_dbtaskresult_",
    "admin:path:gestion/django_tasks_database/dbtaskresult/",
}


def _exempt(endpoint: Endpoint) -> bool:
    return any(endpoint.name.startswith(prefix) for prefix in UNFILLABLE)


def fill(endpoint: Endpoint, world: World, owner: User) -> Filled | str:
    """The path of `endpoint` naming `owner`'s objects, or why it cannot be."""
    values: dict[str, object] = {}
    personal = False
    if endpoint.name.startswith("admin:"):
        model_admin = endpoint.model_admin
        # The back-office's "view on site" names a claim by its content type.
        model = model_admin.model if model_admin else Claim
        obj = _admin_object(model, owner, world)
        for name in endpoint.kwargs:
            if name in ("object_id", "pk", "id"):
                if obj is None and not _exempt(endpoint):
                    return f"no {model._meta.label} to name"
                values[name] = 999999 if obj is None else obj.pk
            elif name in ADMIN_KWARGS:
                values[name] = ADMIN_KWARGS[name](world, owner, obj)
            else:
                return f"no value for {name!r}"
    else:
        for name in endpoint.kwargs:
            if name not in SITE_KWARGS:
                return f"no value for {name!r}"
            values[name], named_personal = SITE_KWARGS[name](world, owner)
            personal = personal or named_personal
    return Filled(path=endpoint.path(values), personal=personal)


ENDPOINTS = list(endpoints())


def test_every_url_pattern_can_be_filled_with_real_objects(world):
    owner = world.users[AGENT_A]
    missing = [
        f"{endpoint.name} ({endpoint.route}): {result}"
        for endpoint in ENDPOINTS
        if isinstance(result := fill(endpoint, world, owner), str)
    ]
    assert not missing, "URL patterns this test cannot fill:\n" + "\n".join(missing)


def _anchorless(route: str) -> str:
    return route.replace("^", "").replace("$", "")


def test_every_filled_path_reaches_its_own_pattern(world):
    """A path built from a pattern resolves to that pattern's address (a pattern
    declared before for the same address may serve it: the site's sign-in
    page stands in for the back-office's, for instance)."""
    owner = world.users[AGENT_A]
    astray = [
        f"{endpoint.name}: {filled.path} -> {resolve(filled.path).route}"
        for endpoint in ENDPOINTS
        if isinstance(filled := fill(endpoint, world, owner), Filled)
        and _anchorless(resolve(filled.path).route) != _anchorless(endpoint.route)
    ]
    assert not astray, "\n".join(astray)


# ------------------------------------------------------------------ the rules

PUBLIC = "public"  # anyone, signed in or not
SIGNED_IN = "signed_in"  # anyone signed in, about themselves only
PERSONAL = "personal"  # a participant's own data: others' ids answer 404
BACK_OFFICE = "back_office"  # managers, administrators and superusers

# URL name prefix -> area, the first match wins. An unnamed pattern's name is
# "path:<route>" (in its namespace).
AREAS: tuple[tuple[str, str], ...] = (
    ("admin:", BACK_OFFICE),
    # The back-office's door sends visitors to the one sign-in page.
    ("path:gestion/login/", PUBLIC),
    ("claims:", PERSONAL),
    ("missions:", PERSONAL),
    ("accounts:request_", PUBLIC),
    ("accounts:language", PUBLIC),
    ("accounts:", PERSONAL),
    ("home", PUBLIC),
    ("guide", PUBLIC),
    # The accessibility statement, legal notice, personal data and site map.
    ("legal:", PUBLIC),
    ("health", PUBLIC),  # load balancers and monitoring ask without signing in
    # "Rester connecté(e)": about the asker's own session, whoever asks.
    ("session_keep_alive", PUBLIC),
    # allauth: the pages about one's own account need a sign-in...
    ("account_email_verification_sent", PUBLIC),  # "we sent you an e-mail"
    ("account_email", SIGNED_IN),
    ("account_change_password", SIGNED_IN),
    ("account_set_password", SIGNED_IN),
    ("account_reauthenticate", SIGNED_IN),
    ("mfa_authenticate", PUBLIC),  # the second step of a sign-in
    ("mfa_", SIGNED_IN),
    ("socialaccount_connections", SIGNED_IN),
    # ... the sign-in, sign-up, reset and SSO pages are open to all.
    ("account_", PUBLIC),
    ("socialaccount_", PUBLIC),
    # allauth's old addresses, redirected to the new ones.
    ("path:comptes/social/", PUBLIC),
    ("imagin_oidc_", PUBLIC),
)

# What an external participant still on their initial password may open.
OPEN_BEFORE_PASSWORD_CHANGE = ALWAYS_ALLOWED | PASSWORD_CHANGE


def area_of(endpoint: Endpoint) -> str | None:
    return next(
        (area for prefix, area in AREAS if endpoint.name.startswith(prefix)), None
    )


@dataclass(frozen=True)
class Expected:
    """What an answer may be; `refused` answers must also write nothing."""

    refused: bool
    check: Callable[[object], bool]
    words: str


def _to(prefixes: tuple[str, ...]) -> Callable[[object], bool]:
    return lambda r: r.status_code == 302 and r["Location"].startswith(prefixes)


def _ends_at_sign_in(response) -> bool:
    """A redirection to the sign-in page, possibly through pages that need it."""
    for _hop in range(3):
        if response.status_code != 302:
            return False
        if response["Location"].startswith(LOGIN):
            return True
        response = response.client.get(response["Location"])
    return False


ANY = Expected(False, lambda r: r.status_code < 500, "no server error")
TO_LOGIN = Expected(True, _ends_at_sign_in, "302 to the sign-in page")
BACK_OFFICE_REFUSAL = Expected(
    True,
    lambda r: (
        r.status_code in (403, 404, 405)
        or _to((LOGIN, BACK_OFFICE_LOGIN))(r)
        # The admin's logout sends those it does not know to its index (which
        # sends them to the sign-in page).
        or (r.status_code == 302 and r["Location"] == reverse("admin:index"))
    ),
    "403, 404, 405 or 302 to a sign-in page",
)
NOT_YOURS = Expected(
    True, lambda r: r.status_code in (403, 404, 405), "403, 404 or 405"
)
LISTED = Expected(False, lambda r: r.status_code == 200, "200")
HELD_GET = Expected(
    True, _to((reverse("account_change_password"),)), "302 to the password page"
)
HELD_POST = Expected(True, lambda r: r.status_code == 403, "403")


def expected(endpoint: Endpoint, persona: str, method: str, filled: Filled) -> Expected:
    area = area_of(endpoint)
    if persona == EXTERNAL_NEW and (
        endpoint.url_name not in OPEN_BEFORE_PASSWORD_CHANGE
        and endpoint.name.split(":")[0] not in ALWAYS_ALLOWED_NAMESPACES
    ):
        return HELD_GET if method == "get" else HELD_POST
    if area == PUBLIC:
        return ANY
    if area == BACK_OFFICE:
        if persona not in BACK_OFFICE_PERSONAS:
            return BACK_OFFICE_REFUSAL
        if persona == SUPERUSER and endpoint.url_name.endswith("_changelist"):
            return LISTED
        return ANY
    if persona == ANONYMOUS:
        return TO_LOGIN
    if area == PERSONAL and filled.personal:
        return NOT_YOURS
    return ANY


def test_every_url_pattern_has_an_area(world):
    missing = [e.name for e in ENDPOINTS if area_of(e) is None]
    assert not missing, "URL patterns without a rule in AREAS:\n" + "\n".join(missing)


# ------------------------------------------------------------------ the walk


def _fingerprint() -> dict[str, object]:
    """Every table's rows (but sessions), to prove that nothing was written."""
    state = {}
    for model in apps.get_models():
        if model._meta.label in ("sessions.Session",) or model._meta.proxy:
            continue
        state[model._meta.label] = list(
            model._default_manager.order_by("pk").values_list()
        )
    return state


def _sign_in(client, world: World, persona: str) -> None:
    # A view's exception is a 500 answer to report, not the end of the walk.
    client.raise_request_exception = False
    user = world.user(persona)
    if user is None:
        return
    if persona == EXTERNAL_NEW:
        User.objects.filter(pk=user.pk).update(
            must_change_password=True,
            initial_password_used_at=timezone.now(),
            initial_password_expires_at=timezone.now() + timedelta(days=30),
        )
    if persona == EXTERNAL:
        User.objects.filter(pk=user.pk).update(must_change_password=False)
    client.force_login(user)


def _request(client, method: str, path: str, savepoint: bool):
    """One request; an allowed one runs in a savepoint rolled back after it,
    so that a POST someone may make leaves the académie as it was."""
    cookies = client.cookies
    client.cookies = type(cookies)(cookies)
    try:
        if not savepoint:
            return getattr(client, method)(path)
        with transaction.atomic():
            response = getattr(client, method)(path)
            transaction.set_rollback(True)
        return response
    finally:
        client.cookies = cookies


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_one_reaches_what_is_not_theirs(client, world, persona):
    _sign_in(client, world, persona)
    victim = world.victim(persona)
    before = _fingerprint()
    problems = []
    for endpoint in ENDPOINTS:
        filled = fill(endpoint, world, victim)
        if isinstance(filled, str):
            continue
        for method in ("get", "post"):
            rule = expected(endpoint, persona, method, filled)
            response = _request(client, method, filled.path, not rule.refused)
            if not rule.check(response):
                location = response.get("Location", "")
                problems.append(
                    f"{method.upper()} {filled.path} ({endpoint.name}): "
                    f"{response.status_code} {location} — expected {rule.words}"
                )
    after = _fingerprint()
    changed = [label for label in before if before[label] != after[label]]
    assert not problems, f"{persona}:\n" + "\n".join(problems)
    assert not changed, f"{persona}: refused requests wrote to {changed}"
