"""What the contribution forms offer: speakers, sources and topics for a statement; policy
kinds, the activity vocabulary, agencies' policies and their provisions for a policy."""

from __future__ import annotations

from kg.namespaces import Namespaces
from kg.service.publish.entities import RULE_KINDS
from kg.service.query.queries import select_rows
from kg.store import Store


def statement_choices(store: Store, ns: Namespaces) -> dict[str, list[dict]]:
    """Speakers, sources, and what a statement is about."""
    return {
        "speakers": _choices(
            store, ns, "{ ?iri a pkg:Person } UNION { ?iri a/rdfs:subClassOf* org:Organization }"
        ),
        "sources": source_choices(store, ns),
        "topics": _choices(
            store,
            ns,
            f"{{ ?iri skos:inScheme <{ns.iri('vocab/activity')}> }} "
            "UNION { ?iri a/rdfs:subClassOf* pkg:Policy }",
        ),
    }


def source_choices(store: Store, ns: Namespaces) -> list[dict]:
    return _choices(store, ns, "?iri a/rdfs:subClassOf* pkg:Source .")


def policy_choices(store: Store, ns: Namespaces) -> dict:
    """The kinds of policy, the activities grouped under their broader concepts (with their
    definitions), the sources, and the policies an amendment may change with their
    provisions. Agencies are found as the user types (/search), not listed: there are
    thousands."""
    kinds = select_rows(
        store,
        ns,
        """SELECT ?iri ?label ?definition WHERE { ?iri rdfs:subClassOf pkg:Policy ;
             rdfs:label ?label ; skos:definition ?definition
             FILTER (LANG(?label) = "en") } ORDER BY ?label""",
    )
    return {
        "kinds": kinds,
        "activities": _activities(store, ns),
        "sources": source_choices(store, ns),
        "policies": _policies(store, ns),
        "ice": ns.iri("id/agency/ice"),
    }


def _activities(store: Store, ns: Namespaces) -> list[dict]:
    rows = select_rows(
        store,
        ns,
        f"""SELECT ?iri ?label ?definition ?broader WHERE {{
              ?iri skos:inScheme <{ns.iri("vocab/activity")}> ; skos:prefLabel ?label .
              OPTIONAL {{ ?iri skos:definition ?definition }}
              OPTIONAL {{ ?iri skos:broader ?broader }} }} ORDER BY ?label""",
    )
    groups = {row["iri"]: {**row, "items": []} for row in rows if not row.get("broader")}
    for row in rows:
        if row.get("broader") in groups:
            groups[row["broader"]]["items"].append(row)
    return list(groups.values())


def _policies(store: Store, ns: Namespaces) -> list[dict]:
    """Policies with a provision of their own (not 287(g) agreements, whose provisions are
    their model's), each with its issuer and provisions."""
    rows = select_rows(
        store,
        ns,
        """SELECT ?iri ?label ?issuer ?issuerLabel ?link ?rule ?ruleLabel WHERE {
             ?iri a/rdfs:subClassOf* pkg:Policy ; rdfs:label ?label ;
                  pkg:issuedBy ?issuer ; ?link ?rule .
             VALUES ?link { odrl:prohibition odrl:permission odrl:obligation }
             ?issuer rdfs:label ?issuerLabel . ?rule rdfs:label ?ruleLabel
           } ORDER BY ?label ?ruleLabel""",
    )
    policies: dict[str, dict] = {}
    for row in rows:
        entry = policies.setdefault(
            row["iri"],
            {k: row[k] for k in ("iri", "label", "issuer", "issuerLabel")} | {"provisions": []},
        )
        verb = RULE_KINDS[row["link"].rsplit("/", 1)[-1]]
        entry["provisions"].append({"iri": row["rule"], "label": row["ruleLabel"], "verb": verb})
    return list(policies.values())


def _choices(store: Store, ns: Namespaces, pattern: str) -> list[dict]:
    rows = select_rows(
        store,
        ns,
        f"""SELECT DISTINCT ?iri ?label WHERE {{ {pattern}
        ?iri rdfs:label|skos:prefLabel ?label }} ORDER BY ?label""",
    )
    return list({row["iri"]: row for row in rows}.values())
