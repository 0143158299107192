"""What a hostile or clumsy browser may send, for property tests of forms.

Shared by the tests that drive the project's forms through Django's test
client (claim steps, decisions, accounts, missions...). Use them as

    @settings(max_examples=40, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(value=hostile_text())
    def test_...(client, value):
        response = client.post(url, {"field": value})
        assert_no_server_error(response)
        assert_shown_again(response, value)

- `hostile_text()`: any text, NUL bytes and other control characters
  included, sometimes very long (up to 1 MB);
- `hostile_number_text()`: strings that look like numbers but may not be
  ("1E-7", "3,333333", "NaN", "Infinity", "1e999999", "١٢", "3,5,5",
  50 digits, signs, spaces...), sometimes valid ones;
- `junk_fields()`: unknown POST keys with hostile values;
- `assert_no_server_error(response)`: never a 5xx;
- `assert_shown_again(response, value)`: a refused form shows what was typed.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.html import escape
from hypothesis import strategies as st

# Characters no one types on purpose but a browser sends all the same.
CONTROL = "\x00\x01\x07\x08\x0b\x0c\x1b\x1f\x7f\x85\x9f"
ONE_MEGABYTE = 1_000_000

NASTY_STRINGS = (
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x1b[31m",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "{{ 7*7 }}",
    "%(max)s %s",
    "\u202e\u200b\ufeff",
    "é" * 300,
    "x" * 5000,
    "x" * ONE_MEGABYTE,
    "\x00" * 1000,
)


def hostile_text(max_size: int = 300) -> st.SearchStrategy[str]:
    """Any text: printable or not, NUL bytes and control characters included,
    sometimes a known nasty string (markup, format strings, 1 MB of text)."""
    characters = st.characters(codec="utf-8")
    return st.one_of(
        st.text(characters, max_size=max_size),
        st.text(
            st.one_of(characters, st.sampled_from(CONTROL)), min_size=1, max_size=40
        ),
        st.sampled_from(NASTY_STRINGS),
        st.builds(
            lambda text, times: text * times,
            st.text(st.sampled_from("a\x00é€"), min_size=1, max_size=3),
            st.sampled_from([400, 3000, 100_000]),
        ),
    )


NUMBER_LIKE = (
    "0",
    "3",
    "3,5",
    "3.25",
    "-1",
    "+2",
    "1E-7",
    "1e-7",
    "1E+7",
    "1e999999",
    "-1e999999",
    "1e-999999",
    "9" * 60,
    "0." + "0" * 60 + "1",
    "3,333333",
    "99999.75",
    "0,1",
    "3,5,5",
    "3.5.5",
    "1 000",
    "1\u202f000,50",
    "1\u00a0000",
    "NaN",
    "nan",
    "sNaN",
    "-NaN",
    "Infinity",
    "-Infinity",
    "inf",
    "١٢",
    "١٢٫٥",
    "１２",
    "߁߂",
    "٣,٥",
    "0x1F",
    "1_000",
    ".",
    ",",
    "-",
    "e",
    "3e",
    "²",
    "½",
    "3\x00",
    "\x003",
    "1" * ONE_MEGABYTE,
)


def _decimal_string(sign: str, whole: str, separator: str, fraction: str, exp: str):
    return f"{sign}{whole}{separator}{fraction}{exp}"


def hostile_number_text() -> st.SearchStrategy[str]:
    """Strings that look like decimals, valid or not: exponents, many digits,
    commas and dots, signs, NaN and infinities, non-ASCII digits, spaces."""
    digits = st.text(st.sampled_from("0123456789"), max_size=25)
    exponents = st.one_of(
        st.just(""),
        st.builds(
            lambda e, sign, n: f"{e}{sign}{n}",
            st.sampled_from("eE"),
            st.sampled_from(["", "+", "-"]),
            st.integers(min_value=0, max_value=10**7),
        ),
    )
    built = st.builds(
        _decimal_string,
        st.sampled_from(["", "", "-", "+", " ", "−"]),
        digits,
        st.sampled_from(["", ".", ",", ",", " ", ".."]),
        digits,
        exponents,
    )
    return st.one_of(
        built,
        st.sampled_from(NUMBER_LIKE),
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
        st.text(st.characters(categories=["Nd", "No", "Pd", "Po"]), max_size=12),
    )


def junk_fields(max_fields: int = 30) -> st.SearchStrategy[dict[str, str]]:
    """Unknown POST keys with hostile values (names the form does not have)."""
    return st.dictionaries(
        st.text(st.characters(codec="utf-8"), min_size=1, max_size=40).map(
            lambda name: f"junk-{name}"
        ),
        hostile_text(max_size=50),
        max_size=max_fields,
    )


def assert_no_server_error(response: HttpResponse) -> None:
    """The server answered without a 5xx (a refusal is a 200, 302, 400...)."""
    assert response.status_code < 500, (
        f"{response.status_code} from {response.request.get('PATH_INFO')}"
    )


def assert_shown_again(response: HttpResponse, value: str) -> None:
    """A refused form (a page, not a redirect: 200, or 400/409 as the claim
    steps answer) shows the typed value again, escaped as the template
    escapes it."""
    assert response.status_code in (200, 400, 409), response.status_code
    assert escape(value) in response.content.decode(), (
        f"{value[:80]!r} is not shown again"
    )
