"""Running SPARQL: the named (competency) queries and the guard on what a query may do."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from kg.namespaces import Namespaces
from kg.resources import queries_dir
from kg.store import QueryResult, Store
from kg.store.sparql_text import code_only


class ForbiddenQueryError(ValueError):
    """A query or update that asks the server to fetch something (SERVICE, LOAD)."""


class UnknownQueryError(KeyError):
    """No named query has this name."""


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str
    question: str
    body: str

    def text(self, ns: Namespaces) -> str:
        """The query with the project's prefixes declared."""
        return ns.sparql_prologue() + self.body


@cache
def named_queries() -> dict[str, NamedQuery]:
    """Every ``kg/queries/NAME.rq``; each opens with ``# title:`` and ``# question:`` lines."""
    queries = {}
    for path in sorted(queries_dir().glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        header = dict(re.findall(r"^#\s*(title|question):\s*(.+)$", text, flags=re.MULTILINE))
        queries[path.stem] = NamedQuery(
            path.stem, header.get("title", path.stem), header.get("question", ""), text
        )
    return queries


def named_query(name: str) -> NamedQuery:
    try:
        return named_queries()[name]
    except KeyError:
        known = ", ".join(named_queries())
        raise UnknownQueryError(f"no named query {name!r}; known: {known}") from None


_SERVICE = re.compile(
    r"(?<![\w:?$-])SERVICE\s+(?:SILENT\s+)?(<[^<>\s]*>|[?$]\w+|[\w.-]*:[\w.-]*)", re.IGNORECASE
)
_FORM = re.compile(
    r"\s*(?:(?:BASE\s*<[^>]*>|PREFIX\s+[^\s:]*:\s*<[^>]*>)\s*)*(SELECT|ASK|CONSTRUCT|DESCRIBE)\b",
    re.IGNORECASE,
)


def _keyword(keyword: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w:?$-]){keyword}(?![\w:-])", re.IGNORECASE)


def query_form(sparql: str) -> str | None:
    """SELECT, ASK, CONSTRUCT or DESCRIBE, read from the query's first keyword."""
    match = _FORM.match(code_only(sparql, keep_iris=True))
    return match.group(1).upper() if match else None


def check_allowed(
    sparql: str, *, allowed_services: frozenset[str] = frozenset(), is_update: bool = False
) -> None:
    """Refuses SERVICE to endpoints not allowed, and LOAD: the server never fetches a user's URL."""
    code = code_only(sparql, keep_iris=True)
    bare = code_only(sparql, keep_iris=False)
    services = len(_keyword("SERVICE").findall(bare))
    if services:
        endpoints = [match.strip("<>") for match in _SERVICE.findall(code)]
        refused = [e for e in endpoints if e not in allowed_services]
        if refused or len(endpoints) < services:
            allowed = ", ".join(sorted(allowed_services)) or "none"
            raise ForbiddenQueryError(
                f"SERVICE {(refused or ['?'])[0]} is not allowed: this server only federates "
                f"with the endpoints listed in KG_ALLOW_SERVICE ({allowed})"
            )
    if is_update and _keyword("LOAD").search(bare):
        raise ForbiddenQueryError(
            "LOAD is not allowed: this server never fetches a URL it is given"
        )


def run_query(
    store: Store,
    sparql: str,
    ns: Namespaces,
    *,
    allowed_services: frozenset[str] = frozenset(),
    default_graphs: list[str] | None = None,
    named_graphs: list[str] | None = None,
) -> QueryResult:
    check_allowed(sparql, allowed_services=allowed_services)
    return store.query(
        sparql, base_iri=ns.base, default_graphs=default_graphs, named_graphs=named_graphs
    )


def select_rows(store: Store, ns: Namespaces, sparql: str) -> list[dict[str, str | None]]:
    """A SELECT with the project's prefixes, as rows of plain values (None when unbound)."""
    result = store.query(ns.sparql_prologue() + sparql, base_iri=ns.base)
    names = [variable.value for variable in result.variables]
    return [
        {name: row[name].value if row[name] is not None else None for name in names}
        for row in result
    ]


def named_rows(store: Store, ns: Namespaces, name: str) -> list[dict[str, str | None]]:
    """A named query's answer, as rows of plain values."""
    return select_rows(store, ns, named_query(name).body)
