"""The reader every reference-data import shares (imagin/tabular_import.py):
CSV or XLSX, line numbers, header checks by name, limits, and any bytes
read into rows or messages, never an exception."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import openpyxl
from hypothesis import given, settings
from hypothesis import strategies as st

from imagin import tabular_import
from imagin.tabular_import import (
    column_key,
    example_csv,
    example_xlsx,
    read_table,
    split_list,
)

REQUIRED = ("code_insee", "nom")
OPTIONAL = ("code_postal",)


def _read(content: bytes, file_name: str = "", **kwargs):
    return read_table(
        content, file_name=file_name, required=REQUIRED, optional=OPTIONAL, **kwargs
    )


def _xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_rows_come_with_their_line_numbers_and_known_columns():
    rows, errors = _read(b"Code INSEE;Nom\n76540;Rouen\n\n;;\n27229; \xc3\x89vreux \n")
    assert errors == []
    assert [(row.line, row.values) for row in rows] == [
        (2, {"code_insee": "76540", "nom": "Rouen"}),
        (5, {"code_insee": "27229", "nom": "Évreux"}),
    ]
    assert rows[0].get("code_postal") == ""


def test_commas_a_bom_and_windows_1252_are_read():
    content = "\ufeffnom,code_insee\nÉvreux,27229\n".encode()
    assert _read(content)[0][0].values == {"nom": "Évreux", "code_insee": "27229"}
    content = "nom;code_insee\nÉvreux;27229\n".encode("cp1252")
    assert _read(content)[0][0].get("nom") == "Évreux"


def test_a_quoted_cell_over_two_lines_keeps_the_next_row_s_number():
    rows, _errors = _read(b'code_insee;nom\n76540;"Rouen\nnord"\n27229;Evreux\n')
    assert [(row.line, row.get("nom")) for row in rows] == [
        (2, "Rouen\nnord"),
        (4, "Evreux"),
    ]


def test_the_header_names_missing_unknown_and_repeated_columns():
    _rows, errors = _read(b"nom;nom;commune\nRouen;Rouen;x\n")
    assert len(errors) == 1
    assert errors[0].startswith("Ligne 1 : colonnes manquantes : code_insee ;")
    assert "colonnes inconnues : commune" in errors[0]
    assert "colonnes en double : nom" in errors[0]
    assert "colonnes attendues : code_insee;nom;code_postal" in errors[0]
    # The header is the first row that is not blank.
    assert _read(b";;\nnom\nRouen\n")[1][0].startswith(
        "Ligne 2 : colonnes manquantes : code_insee"
    )


def test_empty_files_and_header_only_files_are_said_so():
    assert _read(b"") == ([], ["Le fichier est vide."])
    assert _read(b"\n\n")[1] == ["Le fichier est vide."]
    assert "aucune donnée" in _read(b"code_insee;nom\n")[1][0]


def test_extra_cells_nul_bytes_and_huge_cells_are_refused_by_line():
    content = (
        b"code_insee;nom\n76540;Rouen;x\n76541;Ro\x00uen\n76542;"
        + b"y" * 1001
        + b"\n76543;Ok;;\n"
    )
    rows, errors = _read(content)
    assert rows == []
    assert errors == [
        "Ligne 2 : 3 colonnes au lieu de 2.",
        "Ligne 3 : colonne « nom » : caractère nul interdit.",
        "Ligne 4 : colonne « nom » : 1000 caractères au plus.",
    ]


def test_a_cell_beyond_the_csv_module_s_limit_is_a_message():
    rows, errors = _read(b"code_insee;nom\n76540;" + b"z" * 200_000 + b"\n")
    assert rows == []
    assert "illisible" in errors[0]


def test_too_many_rows_stop_the_reading():
    content = b"code_insee;nom\n" + b"76540;Rouen\n" * 4
    assert _read(content, max_rows=3)[1] == [
        "Le fichier dépasse 3 lignes : découpez-le."
    ]
    assert len(_read(content, max_rows=4)[0]) == 4


def test_errors_beyond_a_hundred_are_counted_not_listed():
    content = b"code_insee;nom\n" + b"1;2;3\n" * 150
    errors = _read(content)[1]
    assert len(errors) == 101
    assert errors[-1] == "… et 50 autres erreurs."


def test_an_xlsx_sheet_is_read_as_values_never_formulas():
    content = _xlsx(
        [
            ["Code INSEE", "Nom", "Code postal"],
            [76540, "Rouen", 76000.0],
            [None, None, None],
            ["27229", "=1+1", datetime(2027, 6, 15)],
        ]
    )
    rows, errors = _read(content, "communes.xlsx")
    assert errors == []
    assert [(row.line, row.values) for row in rows] == [
        (2, {"code_insee": "76540", "nom": "Rouen", "code_postal": "76000"}),
        # A formula is never read: only the value a spreadsheet saved with it
        # (none here, openpyxl computes nothing).
        (4, {"code_insee": "27229", "nom": "", "code_postal": "15/06/2027"}),
    ]


def test_a_broken_or_bombed_xlsx_is_an_unreadable_file(monkeypatch):
    assert "illisible" in _read(b"PK\x03\x04garbage", "f.xlsx")[1][0]
    assert "illisible" in _read(b"not a zip at all", "f.xlsx")[1][0]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/big.xml", b"\x00" * 200_000)
    monkeypatch.setattr(tabular_import, "MAX_XLSX_EXPANDED_BYTES", 100_000)
    assert "illisible" in _read(out.getvalue(), "f.xlsx")[1][0]


def test_the_example_files_read_back_as_the_example():
    example = "code_insee;nom\n01001;L'Abergement\n"
    for content, name in (
        (example_csv(example), "m.csv"),
        (example_xlsx(example), "m.xlsx"),
    ):
        rows, errors = _read(content, name)
        assert errors == []
        assert rows[0].values == {"code_insee": "01001", "nom": "L'Abergement"}


def test_column_names_and_code_lists_are_normalised():
    assert column_key(" Numéro-Intervenant ") == "numero_intervenant"
    assert split_list("76540|76451 76108, 27229;") == [
        "76540",
        "76451",
        "76108",
        "27229",
    ]


@settings(max_examples=200, deadline=None)
@given(
    content=st.one_of(
        st.binary(max_size=5000),
        st.binary(max_size=3000).map(lambda b: b"PK\x03\x04" + b),
        st.text(max_size=3000).map(lambda t: ("code_insee;nom\n" + t).encode()),
    ),
    file_name=st.sampled_from(["", "f.csv", "f.xlsx"]),
)
def test_any_bytes_give_rows_or_messages(content, file_name):
    rows, errors = _read(content, file_name)
    assert bool(rows) != bool(errors)
    for row in rows:
        assert all("\x00" not in value for value in row.values.values())
