"""The travel step's rows can be added in place (static/imagin/formset-rows.js):
the page carries, per kind of entry, the empty row as a <template> and the
add button, hidden until the script shows it; without the script, saving
adds a row. The browser side is tests/e2e/test_travel_rows.py."""

from __future__ import annotations

from html.parser import HTMLParser

from tests.claims.entry_helpers import post_step, step_url


class _Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.formsets: list[str] = []
        self.buttons: list[dict] = []
        self.template_names: list[str] = []
        self.scripts: list[str] = []
        self._in_template = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "data-formset" in attributes:
            self.formsets.append(attributes["data-formset"])
        if tag == "template":
            self._in_template += 1
        elif "data-formset-add" in attributes:
            self.buttons.append(attributes)
        elif tag == "script" and attributes.get("src"):
            self.scripts.append(attributes["src"])
        elif self._in_template and attributes.get("name"):
            self.template_names.append(attributes["name"])

    def handle_endtag(self, tag):
        if tag == "template":
            self._in_template -= 1


def _markup(response) -> _Markup:
    parser = _Markup()
    parser.feed(response.content.decode())
    return parser


def test_each_kind_of_entry_has_its_empty_row_and_a_hidden_add_button(
    signed_in, travelling
):
    markup = _markup(signed_in.get(step_url(travelling, "deplacement")))
    assert markup.formsets == ["trajets", "repas", "nuitees"]
    assert len(markup.buttons) == 3
    assert all("hidden" in button for button in markup.buttons)
    assert all(
        "__number__" in button["data-formset-added"] for button in markup.buttons
    )
    assert "trajets-__prefix__-date" in markup.template_names
    assert "repas-__prefix__-kind" in markup.template_names
    assert "nuitees-__prefix__-zone" in markup.template_names
    assert any(src.endswith("imagin/formset-rows.js") for src in markup.scripts)


def test_rows_numbered_after_the_template_rows_are_saved(signed_in, travelling):
    """What the script sends: rows past the ones shown, counted in
    TOTAL_FORMS."""
    day = travelling.assignment.mission.starts_at.date().isoformat()
    post_step(
        signed_in,
        travelling,
        "deplacement",
        action="enregistrer",
        **{
            "trajets-TOTAL_FORMS": "0",
            "trajets-INITIAL_FORMS": "0",
            "nuitees-TOTAL_FORMS": "0",
            "nuitees-INITIAL_FORMS": "0",
            "repas-TOTAL_FORMS": "3",
            "repas-INITIAL_FORMS": "0",
            "repas-0-date": day,
            "repas-0-kind": "lunch",
            "repas-1-date": day,
            "repas-1-kind": "dinner",
            "repas-2-date": day,
            "repas-2-kind": "lunch",
        },
    )
    assert travelling.meals.count() == 3
