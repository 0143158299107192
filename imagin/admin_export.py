"""Any back-office list exported as CSV or XLSX, with the filters in force.

`ExportMixin`, put before the ModelAdmin class, adds two links to the list
(« Exporter (CSV) », « Exporter (XLSX) », in the object tools: see
`templates/admin/change_list_object_tools.html`) that carry the list's query
string. The export is exactly the rows of that list: the admin's own
ChangeList is built from the same query (filters, search, ordering, the
manager's scope in `get_queryset`), then read without its pagination. Each
admin declares its columns in `export_fields`: (header, getter) pairs, the
getter a callable given the object, the name of one of the list's columns
(an admin method with `admin.display`, as in `list_display`) or an attribute
path ("a__b" or "a.b"; a method met on the way is called:
"get_status_display").

The files are meant for a French spreadsheet, formulas neutralised
(`imagin.admin_export_files`).

Up to `EXPORT_INLINE_LIMIT` rows the file is sent at once (the CSV streamed
row by row, read from the database by chunks of `CHUNK_SIZE`). A larger
list goes to the background worker (`export_list`), which writes the file
into private storage; the manager follows it on a progress page that
becomes the download link, as for the bulk validation
(`claims.admin.bulk`). Only the manager who launched it follows it and
downloads its file.

The lists hold personal data: each download is one audit event
(`DOWNLOADED_ACTION`: who, which list, the filters, the number of rows, never
the rows), and a file written in the background one more (`READY_ACTION`),
which is also how its download checks that it is the asking manager's.
The file is purged after `EXPORT_RETENTION_HOURS` (`imagin.export_retention`):
its download then says so.
"""

from __future__ import annotations

import io
import re
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING
from uuid import UUID

from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin.options import (
    IS_FACETS_VAR,
    IS_POPUP_VAR,
    TO_FIELD_VAR,
    IncorrectLookupParameters,
)
from django.contrib.admin.views.main import ALL_VAR, ERROR_FLAG, PAGE_VAR
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import models
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django_tasks import TaskResultStatus, task
from django_tasks.exceptions import TaskResultDoesNotExist, TaskResultMismatch

from accounts.http import AuthenticatedHttpRequest
from accounts.storage import private_storage
from imagin.admin_export_files import (
    Getter,
    chunks,
    csv_lines,
    value_of,
    write_xlsx,
)
from imagin.audit import AuditEvent, audit_log
from imagin.export_retention import export_gone_text, gone_page, open_kept
from imagin.http import never_store, read_only, safe_filename

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    _ModelAdmin = admin.ModelAdmin
else:
    _ModelAdmin = object

# Above this many rows, the file is written by the background worker.
EXPORT_INLINE_LIMIT = 5000
# Rows read from the database at a time (and prepared together: prefetches,
# `prepare_export_chunk`).
CHUNK_SIZE = 500
DOWNLOADED_ACTION = "imagin.export.list_downloaded"
READY_ACTION = "imagin.export.file_ready"
PROGRESS = "admin/export_progress.html"
REPORT = "admin/export_result.html"
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# The list's parameters that choose a page or a display, not rows.
NOT_FILTERS = {ALL_VAR, ERROR_FLAG, IS_FACETS_VAR, IS_POPUP_VAR, PAGE_VAR, TO_FIELD_VAR}
_KEY = re.compile(r"^[0-9a-f]{32}$")

ExportField = tuple["StrOrPromise", Getter]


def _filters(query: QueryDict) -> dict[str, str | list[str]]:
    """The list's filters, search and ordering as the audit log keeps them."""
    return {
        key: values[0] if len(values) == 1 else values
        for key, values in query.lists()
        if key not in NOT_FILTERS
    }


# ------------------------------------------------------------------ the mixin


class ExportMixin(_ModelAdmin):
    """CSV and XLSX exports of the list; declare `export_fields`."""

    export_fields: Sequence[ExportField] = ()
    # Related objects the columns read, fetched once per chunk.
    export_prefetch: Sequence[str | models.Prefetch] = ()
    # Every list exported so far names people: each download is audited.
    export_personal_data = True

    def prepare_export_chunk(self, request: HttpRequest, objects: list) -> None:
        """Compute, for a chunk of rows together, what the columns read."""

    def _export_names(self) -> dict[str, str]:
        prefix = f"{self.opts.app_label}_{self.opts.model_name}_export"
        return {
            "export": prefix,
            "progress": f"{prefix}_progress",
            "download": f"{prefix}_download",
        }

    def get_urls(self):
        names = self._export_names()
        wrap = self.admin_site.admin_view
        return [
            path(
                "exporter/suivi/<uuid:result_id>/",
                wrap(require_GET(self.export_progress_view)),
                name=names["progress"],
            ),
            path(
                "exporter/fichier/<str:key>/",
                wrap(require_GET(self.export_download_view)),
                name=names["download"],
            ),
            path(
                "exporter/<str:fmt>/",
                wrap(require_GET(self.export_view)),
                name=names["export"],
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        if self.export_fields and self.has_view_permission(request):
            query = request.GET.copy()
            for key in NOT_FILTERS:
                query.pop(key, None)
            suffix = f"?{query.urlencode()}" if query else ""
            name = "admin:" + self._export_names()["export"]
            extra_context = {
                "export_links": [
                    (_("Exporter (CSV)"), reverse(name, args=["csv"]) + suffix),
                    (_("Exporter (XLSX)"), reverse(name, args=["xlsx"]) + suffix),
                ],
                **(extra_context or {}),
            }
        return super().changelist_view(request, extra_context)

    # -- the rows

    def export_headers(self) -> list[str]:
        return [str(header) for header, _getter in self.export_fields]

    def export_rows(self, request: HttpRequest, queryset) -> Iterator[list[object]]:
        """Each row's values, read by chunks from the database."""
        if self.export_prefetch:
            queryset = queryset.prefetch_related(*self.export_prefetch)
        getters = [
            self._export_getter(getter) for _header, getter in self.export_fields
        ]
        for chunk in chunks(queryset.iterator(chunk_size=CHUNK_SIZE), CHUNK_SIZE):
            self.prepare_export_chunk(request, chunk)
            for obj in chunk:
                yield [value_of(obj, getter) for getter in getters]

    def _export_getter(self, getter: Getter) -> Getter:
        """A column of the list (a method with `admin.display`) named by its
        name, as in `list_display`; otherwise the getter as declared."""
        if isinstance(getter, str):
            method = getattr(self, getter, None)
            if callable(method) and hasattr(method, "short_description"):
                return method
        return getter

    def export_filename(self, fmt: str) -> str:
        stem = slugify(str(self.opts.verbose_name_plural)) or self.opts.model_name
        return f"{stem}-{timezone.localdate():%Y-%m-%d}.{fmt}"

    def _audit(self, request: AuthenticatedHttpRequest, action: str, **data) -> None:
        if self.export_personal_data:
            audit_log(
                actor=request.user,
                action=action,
                target=request.user,
                data={"list": self.opts.label_lower, **data},
            )

    # -- the views

    def export_view(
        self, request: AuthenticatedHttpRequest, fmt: str
    ) -> HttpResponseBase:
        """The list's rows as a file, or its writing started in the background."""
        if fmt not in FORMATS or not self.export_fields:
            raise Http404
        if not self.has_view_permission(request):
            raise PermissionDenied
        query = request.GET.copy()
        for key in NOT_FILTERS:
            query.pop(key, None)
        request.GET = read_only(query)
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            messages.error(
                request,
                _("Ces filtres ne s'appliquent pas à la liste : rien n'a été exporté."),
            )
            return redirect(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"
            )
        count = changelist.result_count
        if count > EXPORT_INLINE_LIMIT:
            return self._export_in_background(request, fmt, query, count)
        self._audit(
            request, DOWNLOADED_ACTION, format=fmt, filters=_filters(query), rows=count
        )
        rows = self.export_rows(request, changelist.queryset)
        filename = self.export_filename(fmt)
        if fmt == "xlsx":
            content = io.BytesIO()
            write_xlsx(
                content, str(self.opts.verbose_name_plural), self.export_headers(), rows
            )
            response: HttpResponseBase = HttpResponse(
                content.getvalue(), content_type=FORMATS[fmt]
            )
        else:
            language = translation.get_language()
            response = StreamingHttpResponse(
                _in_language(language, csv_lines(self.export_headers(), rows)),
                content_type=FORMATS[fmt],
            )
        return _as_private_file(response, filename)

    def _export_in_background(
        self, request: AuthenticatedHttpRequest, fmt: str, query: QueryDict, count: int
    ) -> HttpResponseBase:
        result = export_list.enqueue(
            self.opts.label_lower,
            query.urlencode(),
            fmt,
            request.user.pk,
            translation.get_language(),
        )
        if result.status == TaskResultStatus.SUCCESSFUL:  # run at once (development)
            return self._export_report(request, result.return_value)
        if result.status == TaskResultStatus.FAILED:
            messages.error(request, _failed_text())
            return redirect(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"
            )
        messages.info(
            request,
            _("Export de %(count)d lignes lancé.") % {"count": count},
        )
        return redirect("admin:" + self._export_names()["progress"], result.id)

    def _context(self, request: HttpRequest, **values) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Export : %(list)s") % {"list": self.opts.verbose_name_plural},
            "changelist_url": reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"
            ),
            **values,
        }

    def _export_report(self, request: HttpRequest, value: object) -> HttpResponse:
        done = value if isinstance(value, dict) else {}
        key = str(done.get("key", ""))
        if not _KEY.match(key):
            raise Http404
        return TemplateResponse(
            request,
            REPORT,
            self._context(
                request,
                rows=done.get("rows", 0),
                format=str(done.get("format", "")).upper(),
                download_url=reverse(
                    "admin:" + self._export_names()["download"], args=[key]
                ),
            ),
        )

    def export_progress_view(
        self, request: AuthenticatedHttpRequest, result_id: UUID
    ) -> HttpResponse:
        """An export in the background: where it stands, then its file.
        Only the manager who launched it follows it."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        # A backend running tasks at once keeps no result: nothing to follow.
        if not export_list.get_backend().supports_get_result:
            raise Http404
        try:
            result = export_list.get_result(str(result_id))
        except (TaskResultDoesNotExist, TaskResultMismatch):
            raise Http404 from None
        label, _query, fmt, manager_id, _language = result.args
        if manager_id != request.user.pk or label != self.opts.label_lower:
            raise Http404
        if result.status == TaskResultStatus.SUCCESSFUL:
            return self._export_report(request, result.return_value)
        failed = result.status == TaskResultStatus.FAILED
        return TemplateResponse(
            request,
            PROGRESS,
            self._context(
                request,
                format=fmt.upper(),
                waiting=result.status == TaskResultStatus.READY,
                failed=_failed_text() if failed else "",
            ),
        )

    def export_download_view(
        self, request: AuthenticatedHttpRequest, key: str
    ) -> HttpResponseBase:
        """The file of an export this manager launched; each download audited."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if not _KEY.match(key):
            raise Http404
        ready = (
            AuditEvent.objects.filter(
                action=READY_ACTION,
                actor_id=request.user.pk,
                data__list=self.opts.label_lower,
                data__key=key,
            )
            .order_by("-pk")
            .first()
        )
        if ready is None:
            raise Http404
        data = ready.data
        content = open_kept(private_storage(), data["file"])
        if content is None:  # purged (imagin.export_retention)
            back = self._context(request)
            return gone_page(
                request,
                {**back, "back_url": back["changelist_url"]},
                export_gone_text(),
            )
        self._audit(
            request,
            DOWNLOADED_ACTION,
            format=data["format"],
            filters=data["filters"],
            rows=data["rows"],
            file=data["file"],
        )
        return _as_private_file(
            StreamingHttpResponse(
                File(content).chunks(),
                content_type=FORMATS[data["format"]],
            ),
            self.export_filename(data["format"]),
        )


def _failed_text() -> str:
    return _("L'export s'est arrêté en cours de route : relancez-le depuis la liste.")


def _in_language(language: str, lines: Iterator[str]) -> Iterator[str]:
    """`lines` produced in `language`: a streamed body is read after the
    view has returned, when the request's language may be gone."""
    with translation.override(language):
        yield from lines


def _as_private_file(response: HttpResponseBase, filename: str) -> HttpResponseBase:
    """The headers `imagin.http.private_file_response` gives a private file,
    on a response it cannot build (a streamed CSV)."""
    disposition = content_disposition_header(
        as_attachment=True, filename=safe_filename(filename)
    )
    if disposition:
        response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    return never_store(response)


# ------------------------------------------------------------------ worker


def _request_as(manager, query: str) -> HttpRequest:
    """The list's request as the manager made it, for the worker to build
    the same ChangeList (their filters, their scope, their permissions)."""
    request = HttpRequest()
    request.method = "GET"
    request.GET = read_only(QueryDict(query, mutable=True))
    request.user = manager
    return request


@task()
def export_list(
    label: str, query: str, fmt: str, manager_id: int, language: str
) -> dict[str, object]:
    """Write the list `label` (app_label.model_name) filtered by `query` into
    private storage as `fmt`, in `language`, as the manager would have got it;
    returns the file's key and its number of rows, for the progress page."""
    model_admin = admin.site.get_model_admin(apps.get_model(label))
    if not isinstance(model_admin, ExportMixin):
        raise LookupError(f"{label}: this list has no export")
    manager = get_user_model().objects.get(pk=manager_id)
    request = _request_as(manager, query)
    key = uuid.uuid4().hex
    with translation.override(language):
        changelist = model_admin.get_changelist_instance(request)
        rows = model_admin.export_rows(request, changelist.queryset)
        headers = model_admin.export_headers()
        with tempfile.TemporaryFile() as spooled:
            if fmt == "xlsx":
                title = str(model_admin.opts.verbose_name_plural)
                count = write_xlsx(spooled, title, headers, rows)
            else:
                count = -1  # the header line
                for line in csv_lines(headers, rows):
                    spooled.write(line.encode())
                    count += 1
            spooled.seek(0)
            name = private_storage().save(
                f"exports/{label.replace('.', '_')}-{key}.{fmt}", File(spooled)
            )
    audit_log(
        actor=manager,
        action=READY_ACTION,
        target=manager,
        data={
            "list": label,
            "format": fmt,
            "filters": _filters(request.GET),
            "rows": count,
            "file": name,
            "key": key,
        },
    )
    return {"key": key, "rows": count, "format": fmt}
