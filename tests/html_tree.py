"""A rendered page as a tree of elements (the standard library's HTML parser),
for tests that look at attributes and at what is inside what: the error
summary, aria-describedby, the lang of a phrase."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.http import HttpResponse

VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


@dataclass(eq=False)
class Element:
    tag: str
    attrs: dict[str, str]
    parent: Element | None = None
    children: list[Element | str] = field(default_factory=list)

    def get(self, name: str, default: str = "") -> str:
        return self.attrs.get(name, default)

    @property
    def classes(self) -> set[str]:
        return set(self.get("class").split())

    @property
    def text(self) -> str:
        """The text inside, spaces collapsed."""
        parts: list[str] = []

        def walk(element: Element) -> None:
            for child in element.children:
                if isinstance(child, str):
                    parts.append(child)
                else:
                    walk(child)

        walk(self)
        return " ".join("".join(parts).split())

    def iter(self):
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.iter()

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Element]:
        """Elements inside, by tag and attribute values (class_ for class:
        one of its classes); an attribute given as True only has to be there."""
        found = []
        for element in self.iter():
            if tag is not None and element.tag != tag:
                continue
            if all(_matches(element, name, value) for name, value in attrs.items()):
                found.append(element)
        return found

    def find(self, tag: str | None = None, **attrs: str) -> Element | None:
        found = self.find_all(tag, **attrs)
        return found[0] if found else None

    def by_id(self, id_: str) -> Element:
        found = self.find_all(id=id_)
        assert len(found) == 1, f"{len(found)} elements with id {id_!r}"
        return found[0]

    def ancestors(self):
        element = self.parent
        while element is not None:
            yield element
            element = element.parent


def _matches(element: Element, name: str, value: object) -> bool:
    if name == "class_":
        return str(value) in element.classes
    name = name.replace("_", "-")
    if value is True:
        return name in element.attrs
    return element.attrs.get(name) == value


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(element)
        if tag not in VOID:
            self.current = element

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(
            Element(tag, {k: v or "" for k, v in attrs}, self.current)
        )

    def handle_endtag(self, tag):
        # Up to the matching open element (an unclosed <p> or <li> is closed
        # with its parent).
        element: Element | None = self.current
        while element is not None and element.tag != tag:
            element = element.parent
        if element is not None and element.parent is not None:
            self.current = element.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(content: str | bytes | HttpResponse) -> Element:
    if isinstance(content, HttpResponse):
        content = content.content
    if isinstance(content, bytes):
        content = content.decode()
    builder = _Builder()
    builder.feed(content)
    builder.close()
    return builder.root


def error_summary(page: Element) -> Element:
    """The page's error summary (partials/_error_summary.html)."""
    summaries = page.find_all(data_error_summary=True)
    assert len(summaries) == 1, f"{len(summaries)} error summaries"
    return summaries[0]


def assert_field_in_error(page: Element, field_id: str) -> Element:
    """The DSFR's error pattern on one field: the summary links to it; it is
    aria-invalid and described by its hint (if it has one) and its messages,
    which hold an error. Returns the field's element."""
    summary = error_summary(page)
    links = [a.get("href") for a in summary.find_all("a")]
    assert f"#{field_id}" in links, (field_id, links)
    element = page.by_id(field_id)
    if element.tag == "fieldset":
        # A group of choices: its fieldset carries the error.
        assert "fr-fieldset--error" in element.classes
        assert element.get("role") == "group"
        labelled = element.get("aria-labelledby").split()
        assert f"{field_id}-legend" in labelled, labelled
        messages = page.by_id(f"{field_id}-messages")
        assert messages.get("id") in labelled, labelled
        assert element.find_all("input", aria_invalid="true")
    else:
        assert element.get("aria-invalid") == "true", element.attrs
        described = element.get("aria-describedby").split()
        messages = page.by_id(f"{field_id}-messages")
        assert messages.get("id") in described, described
        hint = page.find_all(id=f"{field_id}_helptext")
        if hint:
            assert hint[0].get("id") in described, described
    assert messages.find_all(class_="fr-message--error"), messages.text
    return element
