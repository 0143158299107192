"""A person's postal address as a window envelope shows it.

`User.address` holds the address on one line, with its postal code and
commune ("12 rue des Carmes, 76000 Rouen", as an accepted account request
writes it: accounts.services), or only the street when the residence commune
(`User.commune`, with its postal code) completes it. A convocation is posted
to people without an e-mail address (claims.runs); one that cannot be posted,
for want of a street or a postal code and commune, is reported on the run's
page.
"""

from __future__ import annotations

import re
from typing import Any

# The end of an address: a French postal code (overseas ones included) then
# the commune, after a comma or a space.
ENDING = re.compile(r"^(?P<street>.*?)[\s,]*\b(?P<code>\d{5})\s+(?P<city>[^\d,][^,]*)$")


def postal_lines(person: Any) -> list[str]:
    """The address's lines under the name: the street (parts separated by
    commas on lines of their own), then "POSTAL CODE COMMUNE" in capitals as
    La Poste asks; empty when the address cannot be posted. The caller loads
    `commune` with the person."""
    address = " ".join((person.address or "").split())
    ending = ENDING.match(address)
    if ending:
        street = ending["street"]
        last = f"{ending['code']} {ending['city'].strip()}"
    elif person.commune_id and person.commune.postal_code:
        street = address
        last = f"{person.commune.postal_code} {person.commune.name}"
    else:
        return []
    lines = [part.strip() for part in street.split(",") if part.strip()]
    if not lines:
        return []
    return [*lines, last.upper()]
