"""Escaping of untrusted text (column names, group values, ids, messages) for reports."""

from __future__ import annotations

import html


def md(text: object) -> str:
    """Text that Markdown and HTML show literally, safe inside a table cell."""
    out = html.escape(str(text), quote=False)
    for char in "\\`*_[]|#":
        out = out.replace(char, "\\" + char)
    out = out.replace("@", "@\u200b")  # no @mentions
    return " ".join(out.split())
