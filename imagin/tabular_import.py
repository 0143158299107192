"""Reading an imported table (CSV or XLSX) into rows with their line numbers.

The reference-data imports (`accounts.imports`, `missions.reference_imports`,
`missions.participant_imports`) share it: each declares its columns, reads the
file with `read_table`, checks every row and reports problems as
"Ligne 12 : ..." with `line_error`, then writes everything or nothing.

What a file may be:

- CSV, UTF-8 with or without BOM, or Windows-1252 as Excel saves it;
  semicolons or commas between cells (the header row decides);
- XLSX, its first sheet: cells are read as values, never as formulas
  (`read_only`, `data_only`), and an archive that would expand beyond
  `MAX_XLSX_EXPANDED_BYTES` is refused before it is opened.

The header row names the columns, in any order, case and accents ignored
("Code INSEE" reads as `code_insee`); a missing required column or an
unknown one is reported by name. Blank rows are skipped. A cell holding a
NUL character or more than `MAX_CELL_CHARS` characters is refused (the
database would refuse the first, nobody types the second). A file is never
an error page: whatever it holds, the caller gets rows or messages.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

MAX_ROWS = 20000
MAX_CELL_CHARS = 1000
MAX_ERRORS_SHOWN = 100
# An XLSX is a zip archive: its parts may expand far beyond the upload limit.
MAX_XLSX_EXPANDED_BYTES = 50 * 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class Row:
    """One data row: its line number in the file and its cells by column."""

    line: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return self.values.get(column, "")


@dataclass
class ImportReport:
    """What an import did: objects created, updated and left unchanged, or
    the errors that stopped it (then nothing was written)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def as_data(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }


@dataclass(frozen=True)
class ImportKind:
    """One kind of file the back-office imports (`imagin.admin_import`).

    `run(content=, file_name=, by=, **extra)` is the import service;
    `extra_fields()` the form fields it needs besides the file (a session),
    whose cleaned values are passed to `run` by name; `may_import(user)` who
    may import it; `rules` the sentences the import page shows under the
    columns; `example` a file that imports into the demo académie.
    """

    slug: str
    title: StrOrPromise
    required: tuple[str, ...]
    optional: tuple[str, ...]
    rules: tuple[StrOrPromise, ...]
    example: str
    run: Callable[..., ImportReport]
    may_import: Callable[[Any], bool]
    extra_fields: Callable[[], dict[str, Any]] = dict

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.required, *self.optional)


def column_key(name: str) -> str:
    """A header cell as a column name: "Code INSEE" → "code_insee"."""
    folded = unicodedata.normalize("NFKD", name.replace("\ufeff", ""))
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return "_".join(plain.strip().lower().replace("-", " ").split())


def line_error(number: int, problems: Iterable[str]) -> str:
    """ "Ligne 12 : a ; b." — the words of every import's errors."""
    return _("Ligne %(n)d : %(problems)s.") % {
        "n": number,
        "problems": " ; ".join(problems),
    }


def capped(errors: list[str]) -> list[str]:
    """The first `MAX_ERRORS_SHOWN` errors, and how many more there are."""
    if len(errors) <= MAX_ERRORS_SHOWN:
        return errors
    hidden = len(errors) - MAX_ERRORS_SHOWN
    return [
        *errors[:MAX_ERRORS_SHOWN],
        _("… et %(n)d autres erreurs.") % {"n": hidden},
    ]


def decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def _csv_lines(content: bytes) -> Iterator[tuple[int, list[str]]]:
    text = decode(content)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    for cells in reader:
        # A quoted cell may span lines: a row is numbered by its first line.
        yield start, cells
        start = reader.line_num + 1


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.strftime("%d/%m/%Y")
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _xlsx_lines(content: bytes) -> Iterator[tuple[int, list[str]]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        expanded = sum(info.file_size for info in archive.infolist())
    if expanded > MAX_XLSX_EXPANDED_BYTES:
        raise ValueError("expands too much")
    book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), 1):
            yield number, [_cell_text(value) for value in values]
    finally:
        book.close()


def _lines(content: bytes, file_name: str) -> Iterator[tuple[int, list[str]]]:
    if content.startswith(ZIP_MAGIC) or file_name.lower().endswith(".xlsx"):
        return _xlsx_lines(content)
    return _csv_lines(content)


def _cell_problems(cells: dict[str, str]) -> list[str]:
    problems = []
    for column, value in cells.items():
        if "\x00" in value:
            problems.append(_("colonne « %s » : caractère nul interdit") % column)
        elif len(value) > MAX_CELL_CHARS:
            problems.append(
                _("colonne « %(column)s » : %(max)d caractères au plus")
                % {"column": column, "max": MAX_CELL_CHARS}
            )
    return problems


def _header_errors(
    line: int, header: list[str], required: Sequence[str], optional: Sequence[str]
) -> list[str]:
    known = set(required) | set(optional)
    named = [key for key in header if key]
    missing = [column for column in required if column not in header]
    unknown = [key for key in named if key not in known]
    repeated = sorted({key for key in named if named.count(key) > 1})
    problems = []
    if missing:
        problems.append(_("colonnes manquantes : %s") % ", ".join(missing))
    if unknown:
        problems.append(
            _("colonnes inconnues : %s") % ", ".join(key[:40] for key in unknown[:10])
        )
    if repeated:
        problems.append(_("colonnes en double : %s") % ", ".join(repeated))
    if not problems:
        return []
    problems.append(_("colonnes attendues : %s") % ";".join([*required, *optional]))
    return [line_error(line, problems)]


def read_table(
    content: bytes,
    *,
    file_name: str = "",
    required: Sequence[str],
    optional: Sequence[str] = (),
    max_rows: int = MAX_ROWS,
) -> tuple[list[Row], list[str]]:
    """The data rows of a CSV or XLSX file, or the errors that stop its import.

    Rows come with their line number (the header is line 1) and one value per
    known column, stripped; blank rows are left out. Errors, when there are
    any, are the only result: a bad header, too many rows, rows with more
    cells than the header, NUL bytes or oversized cells, an unreadable file.
    """
    try:
        lines = _lines(content, file_name)
        header: list[str] | None = None
        header_line = 1
        rows: list[Row] = []
        errors: list[str] = []
        for number, cells in lines:
            if header is None:
                if not any(cell.strip() for cell in cells):
                    continue
                header = [column_key(cell) for cell in cells]
                errors = _header_errors(number, header, required, optional)
                if errors:
                    return [], errors
                header_line = number
                continue
            if not any(cell.strip() for cell in cells):
                continue  # blank lines, as spreadsheets leave them
            if len(rows) >= max_rows:
                return [], [
                    _("Le fichier dépasse %(max)d lignes : découpez-le.")
                    % {"max": max_rows}
                ]
            extra = cells[len(header) :]
            if any(cell.strip() for cell in extra):
                errors.append(
                    line_error(
                        number,
                        [
                            _("%(count)d colonnes au lieu de %(expected)d")
                            % {"count": len(cells), "expected": len(header)}
                        ],
                    )
                )
                continue
            values = {
                key: cell.strip()
                for key, cell in zip(header, cells, strict=False)
                if key
            }
            problems = _cell_problems(values)
            if problems:
                errors.append(line_error(number, problems))
                continue
            rows.append(Row(line=number, values=values))
    except csv.Error:
        return [], [
            _("Le fichier CSV est illisible (cellule trop longue ou mal fermée).")
        ]
    # A hostile archive may break openpyxl or zipfile in many ways (bad zip,
    # missing parts, broken XML, absurd dimensions): each one means the same
    # thing to the manager, a file that cannot be read.
    except Exception:  # noqa: BLE001
        return [], [
            _(
                "Le fichier est illisible : enregistrez-le au format CSV "
                "(séparateur point-virgule) ou XLSX, puis réessayez."
            )
        ]
    if header is None:
        return [], [_("Le fichier est vide.")]
    if errors:
        return [], capped(errors)
    if not rows:
        return [], [
            _("Le fichier n'a qu'une ligne d'en-tête (ligne %(n)d) : aucune donnée.")
            % {"n": header_line}
        ]
    return rows, []


def split_list(value: str) -> list[str]:
    """A cell listing codes, separated by "|", spaces, commas or semicolons."""
    for separator in "|,;":
        value = value.replace(separator, " ")
    return value.split()


def example_rows(example: str) -> list[list[str]]:
    """An example file's text (semicolons, one row a line) as rows of cells."""
    return [line.split(";") for line in example.strip().splitlines()]


def example_xlsx(example: str) -> bytes:
    """The example as an XLSX workbook, every cell text (codes keep their
    leading zeros)."""
    book = Workbook()
    sheet = book.active
    for cells in example_rows(example):
        sheet.append(cells)
    for row in sheet.iter_rows():
        for cell in row:
            cell.number_format = "@"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def example_csv(example: str) -> bytes:
    """The example as a CSV file Excel opens with its accents (UTF-8 BOM)."""
    return example.strip().replace("\n", "\r\n").encode("utf-8-sig") + b"\r\n"
