"""The files of the back-office's list exports (`imagin.admin_export`):
each cell as a French spreadsheet reads it, the CSV lines and the XLSX sheet.

CSV: UTF-8 with a byte order mark (the file opens with its accents in Excel),
";" between cells, a decimal comma, local dates. XLSX: openpyxl's write-only
workbook, rows written as they come; numbers and dates stay numbers and
dates. A text cell starting with = + - @ (or a tab, a carriage return) would
be run as a formula by the spreadsheet: it is written with a leading
apostrophe, in both formats.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
Getter = Callable[[Any], Any] | str


def neutralised(text: str) -> str:
    """`text` as a spreadsheet shows it and never runs it as a formula."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def value_of(obj: object, getter: Getter) -> object:
    if callable(getter):
        return getter(obj)
    value: object = obj
    for part in getter.replace("__", ".").split("."):
        if value is None:
            return None
        value = getattr(value, part)
        if callable(value) and not isinstance(value, models.Manager):
            value = value()
    return value


def _text(value: object) -> str:
    if isinstance(value, bool):
        return _("Oui") if value else _("Non")
    return str(value)


def csv_cell(value: object) -> str:
    """A cell for a French spreadsheet: decimal comma, local dates."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value).replace(".", ",")
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, date):
        return date_format(value, "SHORT_DATE_FORMAT")
    return neutralised(_text(value))


def xlsx_cell(sheet, value: object) -> object:
    """A cell of the write-only sheet: numbers and dates kept as such."""
    if value is None:
        return None
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    if isinstance(value, datetime):
        cell = WriteOnlyCell(
            sheet, value=timezone.localtime(value).replace(tzinfo=None)
        )
        cell.number_format = "DD/MM/YYYY HH:MM"
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "DD/MM/YYYY"
        return cell
    # Control characters are not allowed in the file format.
    return neutralised(ILLEGAL_CHARACTERS_RE.sub("", _text(value)))


class _Echo:
    """A file for csv.writer that gives back each line instead of keeping it."""

    def write(self, value: str) -> str:
        return value


def csv_lines(
    headers: Sequence[str], rows: Iterable[Sequence[object]]
) -> Iterator[str]:
    writer = csv.writer(_Echo(), delimiter=";")
    yield "\ufeff" + writer.writerow([neutralised(str(h)) for h in headers])
    for row in rows:
        yield writer.writerow([csv_cell(value) for value in row])


def write_xlsx(
    target, title: str, headers: Sequence[str], rows: Iterable[Sequence[object]]
) -> int:
    """Write the sheet into `target` (a binary file); the number of rows."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=re.sub(r"[\\/*?:\[\]]", " ", title)[:31])
    sheet.append([neutralised(str(h)) for h in headers])
    count = 0
    for row in rows:
        sheet.append([xlsx_cell(sheet, value) for value in row])
        count += 1
    book.save(target)
    return count


def chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
