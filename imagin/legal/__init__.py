"""The legal pages every State site shows: the accessibility statement, the
legal notice, the personal data page and the site map, with the académie's
texts read from the TOML file `LEGAL_CONTENT_FILE` (imagin/legal/content.py)."""
