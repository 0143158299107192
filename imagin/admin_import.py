"""A back-office list's import page, for reference data (`imagin.tabular_import`).

`ImportMixin`, put before the ModelAdmin class with `import_kind` set, adds
to the list:

- `importer/`: the form (the file, and what the kind needs besides, such as
  the session), its rules and example; a file with errors is shown again
  with every error by line and nothing written (the file is not kept: the
  page says to choose it again once corrected); a good one is imported and
  the list says what was created, updated and left unchanged;
- `importer/modele.csv` and `importer/modele.xlsx`: the example file, a
  template to fill in;
- the link « Importer » in the list's object tools.

Who may import is the kind's to say (`ImportKind.may_import`); the others
get 403 on the three pages and see no link.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from imagin.tabular_import import (
    MAX_ROWS,
    ImportKind,
    example_csv,
    example_rows,
    example_xlsx,
)
from imagin.uploads import validate_upload_size

if TYPE_CHECKING:
    from django.template.response import _TemplateForResponseT

TEMPLATE = "admin/imagin/import.html"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Fichier CSV ou XLSX"),
        help_text=gettext_lazy(
            "Une ligne d'en-tête puis une ligne par élément ; CSV séparateur "
            "point-virgule ou virgule, ou classeur XLSX (première feuille)."
        ),
    )

    def __init__(self, *args: Any, kind: ImportKind, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        extra = kind.extra_fields()
        # The kind's own fields (a session) come before the file.
        self.fields = {**extra, **self.fields}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        validate_upload_size(upload)
        return upload


class ImportMixin:
    import_kind: ImportKind
    change_list_template: ClassVar[_TemplateForResponseT | None] = (
        "admin/imagin/import_change_list.html"
    )

    def _import_names(self) -> tuple[str, str]:
        opts = self.opts  # type: ignore[attr-defined]
        prefix = f"{opts.app_label}_{opts.model_name}_import"
        return prefix, f"{prefix}_example"

    def get_urls(self):
        page, example = self._import_names()
        wrap = self.admin_site.admin_view
        return [
            path("importer/", wrap(self.import_view), name=page),
            path(
                "importer/modele.<str:fmt>",
                wrap(self.import_example_view),
                name=example,
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        if self.import_kind.may_import(request.user):
            extra_context = {
                "import_link": (
                    self.import_kind.title,
                    reverse("admin:" + self._import_names()[0]),
                ),
                **(extra_context or {}),
            }
        return super().changelist_view(request, extra_context)

    def import_view(self, request: HttpRequest) -> HttpResponse:
        kind = self.import_kind
        if not kind.may_import(request.user):
            raise PermissionDenied
        if request.method not in ("GET", "POST"):
            return HttpResponse(status=405)
        form = ImportForm(
            request.POST if request.method == "POST" else None,
            request.FILES if request.method == "POST" else None,
            kind=kind,
        )
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data.pop("file")
            report = kind.run(
                content=upload.read(),
                file_name=upload.name or "",
                by=request.user,
                **form.cleaned_data,
            )
            if not report.errors:
                messages.success(
                    request,
                    _(
                        "Import terminé : %(created)d créé(s), %(updated)d "
                        "modifié(s), %(unchanged)d inchangé(s)."
                    )
                    % report.as_data(),
                )
                opts = self.opts  # type: ignore[attr-defined]
                return redirect(f"admin:{opts.app_label}_{opts.model_name}_changelist")
            errors = report.errors
        page, example = self._import_names()
        return TemplateResponse(
            request,
            TEMPLATE,
            {
                **self.admin_site.each_context(request),  # type: ignore[attr-defined]
                "opts": self.opts,  # type: ignore[attr-defined]
                "title": kind.title,
                "form": form,
                "errors": errors,
                "kind": kind,
                "example_rows": example_rows(kind.example),
                "example_csv_url": reverse(f"admin:{example}", args=["csv"]),
                "example_xlsx_url": reverse(f"admin:{example}", args=["xlsx"]),
                "max_rows": MAX_ROWS,
            },
            status=400 if errors or form.errors else 200,
        )

    def import_example_view(self, request: HttpRequest, fmt: str) -> HttpResponse:
        kind = self.import_kind
        if not kind.may_import(request.user):
            raise PermissionDenied
        if fmt == "csv":
            response = HttpResponse(
                example_csv(kind.example), content_type="text/csv; charset=utf-8"
            )
        elif fmt == "xlsx":
            response = HttpResponse(example_xlsx(kind.example), content_type=XLSX_TYPE)
        else:
            raise Http404
        response["Content-Disposition"] = (
            f'attachment; filename="modele-{kind.slug}.{fmt}"'
        )
        return response
