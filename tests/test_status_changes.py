"""A status changes only through its model's TransitionTable.

`imagin.workflow.apply_transition` (and `apply_transitions`) check the table,
save the status and append the audit event together; any other write of a
status would skip the check or the event. So:

- the code of the apps is read (`ast`) for anything that changes the status
  of an existing object outside `imagin/workflow.py`;
- every model with a status has a table naming all its statuses;
- no form, of the back-office or of the site, lets a status be typed in.

Creating an object in its initial status is not a change: a model default,
`Model(status=...)`, `create(status=...)` and `get_or_create(defaults=...)`
are allowed.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from django import forms
from django.apps import apps
from django.contrib import admin
from django.core.management import call_command
from django.urls import get_resolver, reverse

from imagin.workflow import TransitionTable

ROOT = Path(__file__).resolve().parent.parent
APPS = ("imagin", "accounts", "missions", "claims")
WORKFLOW = Path("imagin/workflow.py")


@dataclass(frozen=True)
class StatusWrite:
    path: str
    line: int
    code: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.code}"


def _is_status(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value == "status"


def _names_status(node: ast.AST | None) -> bool:
    """A list, tuple or set literal naming "status" (update_fields, fields)."""
    return isinstance(node, ast.List | ast.Tuple | ast.Set) and any(
        _is_status(element) for element in node.elts
    )


def _dict_sets_status(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Dict) and any(_is_status(key) for key in node.keys)


def _writes_status(node: ast.AST) -> bool:
    """Whether this node changes the status of an object that exists."""
    if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return any(
            isinstance(part, ast.Attribute) and part.attr == "status"
            for target in targets
            for part in ast.walk(target)
        )
    if not isinstance(node, ast.Call):
        return False
    function = node.func
    name = getattr(function, "attr", getattr(function, "id", ""))
    keywords = {keyword.arg: keyword.value for keyword in node.keywords}
    if name == "setattr":
        return len(node.args) > 1 and _is_status(node.args[1])
    if name == "update":
        # QuerySet.update(status=...) or update(**{"status": ...}). A dict's
        # own update() would be flagged too: give it another key name.
        return "status" in keywords or _dict_sets_status(keywords.get(None))
    if name == "update_or_create":
        # Its `defaults` apply to the object found; `create_defaults` only to
        # a new one, which is a creation.
        return _dict_sets_status(keywords.get("defaults"))
    if name == "bulk_update":
        fields = node.args[1] if len(node.args) > 1 else keywords.get("fields")
        return _names_status(fields)
    # save(update_fields=[..."status"...]), bulk_create(update_conflicts=True,
    # update_fields=[...]): a status written that was set some other way.
    return _names_status(keywords.get("update_fields"))


def status_writes(source: str, name: str) -> list[StatusWrite]:
    return [
        StatusWrite(name, node.lineno, ast.get_source_segment(source, node) or "")
        for node in ast.walk(ast.parse(source, filename=name))
        if _writes_status(node)
    ]


def app_writes() -> list[StatusWrite]:
    return [
        write
        for path in app_modules()
        for write in status_writes(
            path.read_text(encoding="utf-8"), str(path.relative_to(ROOT))
        )
    ]


def app_modules() -> list[Path]:
    return sorted(
        path
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if path.relative_to(ROOT) != WORKFLOW
    )


def test_no_code_outside_the_workflow_module_changes_a_status():
    # Migrations are read too: none writes a status today.
    writes = app_writes()
    assert not writes, (
        "Change a status with imagin.workflow.apply_transition (its table, its "
        "audit event), not by hand:\n" + "\n".join(map(str, writes))
    )


@pytest.mark.parametrize(
    "code",
    [
        "claim.status = ClaimStatus.PAID",
        "run.status, run.error = 'failed', ''",
        "batch.status += ''",
        "setattr(claim, 'status', 'paid')",
        "Claim.objects.filter(pk=1).update(status='paid')",
        "Claim.objects.update(**{'status': 'paid'})",
        "Claim.objects.update_or_create(pk=1, defaults={'status': 'paid'})",
        "Claim.objects.bulk_update(claims, ['status', 'version'])",
        "claim.save(update_fields=['status'])",
    ],
)
def test_the_reading_spots_each_way_of_changing_a_status(code):
    assert [write.line for write in status_writes(code, "probe.py")] == [1]


@pytest.mark.parametrize(
    "code",
    [
        "Claim.objects.create(assignment=a, status=ClaimStatus.NO_COST)",
        "Claim(assignment=a, status=ClaimStatus.DRAFT)",
        "Claim.objects.get_or_create(pk=1, defaults={'status': 'draft'})",
        "Claim.objects.update_or_create(pk=1, create_defaults={'status': 'draft'})",
        "Claim.objects.filter(status='draft').update(version=2)",
        "run.refresh_from_db(fields=['status'])",
        "if claim.status == 'draft': pass",
    ],
)
def test_creating_in_an_initial_status_or_reading_one_is_not_a_change(code):
    assert status_writes(code, "probe.py") == []


def status_models() -> list[type]:
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label in APPS
        and any(field.name == "status" for field in model._meta.fields)
    ]


def test_the_models_with_a_status_are_the_known_ones():
    """A new status field gets its table (and this list) on purpose."""
    assert {model._meta.label for model in status_models()} == {
        "accounts.ExternalParticipantRequest",
        "accounts.FinancialFile",
        "claims.Claim",
        "claims.ConvocationRun",
        "claims.PaymentBatch",
        "missions.Assignment",
        "missions.AssignmentRun",
    }


@pytest.mark.parametrize("model", status_models(), ids=lambda model: model.__name__)
def test_each_status_has_a_transition_table_naming_all_its_statuses(model):
    statuses = {value for value, _label in model._meta.get_field("status").choices}
    module = sys.modules[model.__module__]
    tables = [
        table
        for table in vars(module).values()
        if isinstance(table, TransitionTable)
        and set(table.allowed) | set().union(*table.allowed.values()) == statuses
    ]
    assert len(tables) == 1, f"{model.__name__}: one table of its statuses"
    # The initial status leads somewhere, or the object could never change.
    assert tables[0].targets(model._meta.get_field("status").default)


def _model_forms() -> list[type[forms.ModelForm]]:
    assert get_resolver().url_patterns  # imports every view, hence every form
    found, stack = [], [forms.ModelForm]
    while stack:
        form = stack.pop()
        stack.extend(form.__subclasses__())
        if form.__module__.split(".")[0] in APPS:
            found.append(form)
    return found


def test_no_form_of_the_site_lets_a_status_be_typed():
    models = set(status_models())
    forms_of_a_status = [form for form in _model_forms() if form._meta.model in models]
    assert forms_of_a_status  # the public request form at least
    offending = [
        form.__qualname__ for form in forms_of_a_status if "status" in form.base_fields
    ]
    assert not offending


@pytest.fixture
def demo(db):
    """The demo académie holds at least one object of every registered model."""
    call_command("seed_demo", verbosity=0)


@pytest.mark.parametrize("persona", ["manager", "admin_user"])
def test_the_back_office_shows_every_status_read_only(client, demo, persona, request):
    client.force_login(request.getfixturevalue(persona))
    pages = []
    for model in status_models():
        if model not in admin.site._registry:
            continue
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages += [
            reverse(f"{name}_add"),
            reverse(f"{name}_change", args=[model.objects.first().pk]),
        ]
    editable = []
    for url in pages:
        response = client.get(url)
        assert response.status_code in (200, 403), url
        if 'name="status"' in response.content.decode():
            editable.append(url)
    assert not editable
