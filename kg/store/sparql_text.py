"""SPARQL text read without parsing it: strings, IRIs and comments told apart."""

from __future__ import annotations

import functools
import re

# One left-to-right scan: strings, IRIs and comments, so that none hides inside another
# ('#' in an IRI is no comment; '<' in a string is no IRI).
_TOKENS = re.compile(
    r'(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\')'
    r'|(?P<iri><[^<>"{}|^`\\\s]*>)'
    r"|(?P<comment>#[^\n]*)"
)


@functools.lru_cache(maxsize=32)  # a query is read several times in one request
def code_only(sparql: str, *, keep_iris: bool) -> str:
    """The text with strings and comments blanked out (and IRIs too, unless kept), each by
    as many spaces: positions in it are positions in the original."""

    def blank(match: re.Match[str]) -> str:
        text = match.group()
        return text if keep_iris and match.lastgroup == "iri" else " " * len(text)

    return _TOKENS.sub(blank, sparql)
