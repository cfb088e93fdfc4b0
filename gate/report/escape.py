"""Escaping of untrusted text for each medium, in one place per medium.

Untrusted is everything that is not the renderer's own words: names and values from data,
ids, descriptions, waivers and messages from policies, paths, versions and every field of a
report.json read back. Each renderer passes every such value through exactly one of these:

- `term`: the terminal and report.txt (and stderr): no control character survives.
- `md` / `md_code`: Markdown (report.md, comments, job summary), shown literally.
- `gh_data` / `gh_property`: GitHub workflow commands (annotations).
- `markup`: XML and HTML source (junit.xml, report.html); it parses back to `xml_text`.

No untrusted text may begin a line of any output: GitHub's runner takes a line that starts
(after blanks) with `::`, or holds `##[`, as a workflow command, and anything that prints a
report file in a job would run it.
"""

from __future__ import annotations

import html
import re
import unicodedata

#: bidirectional formatting characters (Trojan Source): they reorder what a reader sees
BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
#: noncharacters that XML 1.0 cannot carry
NONCHARACTERS = frozenset("\ufffe\uffff")
#: GitHub's runner also reads the old `##[command]` syntax anywhere in a line
LEGACY_COMMAND = re.compile(r"##\[")


def _unsafe(char: str) -> bool:
    """Control (C0, DEL, C1), line / paragraph separator, surrogate, bidi control, U+FFFE/F."""
    return (
        unicodedata.category(char) in ("Cc", "Zl", "Zp", "Cs")
        or char in BIDI
        or char in NONCHARACTERS
    )


def _shown(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: object, keep: str = "") -> str:
    """`text` with every unsafe character (but those in `keep`) written as \\xNN or \\uNNNN."""
    return "".join(_shown(c) if c not in keep and _unsafe(c) else c for c in str(text))


def term(text: object, keep: str = "") -> str:
    """One line of terminal text: no control characters (but those in `keep`), no workflow
    command inside."""
    return LEGACY_COMMAND.sub(r"#\\x23[", visible(text, keep))


MD_SPECIALS = "\\`*_[]|#~$!@"
#: a GFM or linkify autolink needs `//` after its scheme, or a `.` in its domain
DOUBLE_SLASH = re.compile("/(?=/)")
DOMAIN_DOT = re.compile(r"\.(?!\d)|(?<!\d)\.")


def md(text: object) -> str:
    """Text that Markdown and HTML show literally, on one line, safe inside a table cell.

    HTML is escaped, Markdown punctuation backslash-escaped, whitespace runs (newlines too)
    become one space, control characters are shown as escapes, and @mentions are broken
    with a zero-width space so a comment posted on every run pings no one. Nothing becomes
    a link, autolinks (GFM's and linkify's) included: `//` gets a zero-width space between
    its slashes, and `@` and every `.` not between two digits are backslash-escaped, so a
    URL, `www.` address, bare domain or e-mail address reads the same but links nowhere.
    """
    out = html.escape(term(" ".join(str(text).split())), quote=False)
    for char in MD_SPECIALS:
        out = out.replace(char, "\\" + char)
    out = DOMAIN_DOT.sub(r"\\.", DOUBLE_SLASH.sub("/\u200b", out))
    return out.replace("@", "@\u200b")


def md_code(text: object) -> str:
    """A code span (for a table cell) showing `text` literally, whatever backticks it has."""
    body = term(" ".join(str(text).split())).replace("|", "\\|")
    if not body:
        return ""
    fence = "`" * (max(map(len, re.findall("`+", body)), default=0) + 1)
    pad = " " if body.startswith("`") or body.endswith("`") else ""
    return f"{fence}{pad}{body}{pad}{fence}"


def gh_data(text: object) -> str:
    """A workflow command's message: % CR LF escaped as GitHub's toolkit does."""
    out = visible(text, keep="\r\n")
    return out.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def gh_property(text: object) -> str:
    """A workflow command's property value: also ':' and ','."""
    return gh_data(text).replace(":", "%3A").replace(",", "%2C")


def xml_text(text: object) -> str:
    """What XML or HTML shows of `text`: unsafe characters as escapes, tab, CR and LF kept."""
    return visible(text, keep="\t\r\n")


#: character references for what would end a line, be folded in an attribute, or start a
#: legacy workflow command (`##[`)
_REFERENCES = (("\t", "&#9;"), ("\r", "&#13;"), ("\n", "&#10;"), ("##[", "#&#35;["))


def markup(text: object) -> str:
    """XML or HTML source for an element's text or a quoted attribute that parses back to
    `xml_text(text)`, on one physical line: &, <, >, quotes, tab, CR, LF and `##[` are
    written as references, so no untrusted text begins a line of the file."""
    out = html.escape(xml_text(text), quote=True)
    for char, reference in _REFERENCES:
        out = out.replace(char, reference)
    return out


def json_text(document: object, **options: object) -> str:
    """JSON with the legacy `##[command]` syntax written as `#\\u0023[`: the same JSON value,
    but a job that prints the file runs nothing (GitHub reads `##[` anywhere in a line)."""
    import json

    return json.dumps(document, **options).replace("##[", "#\\u0023[")
