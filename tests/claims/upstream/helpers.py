"""An import of the platform's counts, as the division makes it."""

from __future__ import annotations

from claims.upstream import upstream_counts_import


def upstream_import(session, text: str | bytes, manager, name="plateforme.csv"):
    content = text.encode("utf-8") if isinstance(text, str) else text
    return upstream_counts_import(
        session=session, content=content, file_name=name, by=manager
    )
