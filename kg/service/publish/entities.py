"""What an entity's page shows: its facts with their sources, and the sections of its kind.

Agencies show their heads, policies (provisions grouped as prohibits / permits / requires),
agreements and their people's statements; people their posts and statements; policies their
history and provisions; statements the quote, speaker, date and sources; sources what they
report. Every row carries the keys of the sources that assert it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.namespaces import Namespaces
from kg.service.cache import per_generation
from kg.service.publish import program
from kg.service.publish.describe import XSD_STRING, stored_facts
from kg.service.query.queries import select_rows
from kg.store import Store

KINDS = ["statement", "source", "policy", "event", "person", "organization", "place", "concept"]
RULE_KINDS = {"prohibition": "prohibits", "permission": "permits", "obligation": "requires"}


@dataclass(frozen=True)
class Value:
    """An IRI (with its label) or a literal (with its language or datatype)."""

    text: str
    iri: str | None = None
    lang: str | None = None
    datatype: str | None = None


@dataclass(frozen=True)
class SourceRef:
    key: str
    label: str
    iri: str


@dataclass
class Fact:
    predicate: Value
    value: Value
    sources: list[SourceRef]


@dataclass
class EntityPage:
    iri: str
    label: str
    kind: str
    types: list[Value]
    facts: list[Fact]
    incoming: list[Fact]
    sections: dict[str, list[dict]] = field(default_factory=dict)


def entity_page(store: Store, ns: Namespaces, iri: str) -> EntityPage | None:
    asserted = stored_facts(store, iri)
    if not asserted:
        return None
    terms = {term for triple in asserted for term in triple}
    named = labels(store, ns, {term.value for term in terms if isinstance(term, ox.NamedNode)})
    graphs = _graph_sources(store, ns, set().union(*asserted.values()))
    outgoing, incoming, types = [], [], []
    for (s, p, o), names in sorted(
        asserted.items(), key=lambda item: (item[0][1].value, item[0][2].value)
    ):
        sources = sorted(
            (graphs.get(name) or SourceRef(name, name, name) for name in names),
            key=lambda ref: ref.key,
        )
        if s.value == iri and isinstance(s, ox.NamedNode):
            if p.value == RDF_TYPE:
                types.append(_value(o, named, ns))
            outgoing.append(Fact(_value(p, named, ns), _value(o, named, ns), sources))
        else:
            incoming.append(Fact(_value(p, named, ns), _value(s, named, ns), sources))
    kind = _kind(store, ns, {value.iri for value in types if value.iri})
    page = EntityPage(
        iri, named.get(iri) or ns.compact(iri), kind, _unique(types), outgoing, incoming
    )
    builder = SECTIONS.get(kind)
    if builder:
        page.sections = builder(store, ns, iri)
    return page


# --- sections of each kind -------------------------------------------------------------------


def _sourced(store: Store, ns: Namespaces, sparql: str) -> list[dict]:
    """Rows of a SELECT DISTINCT that binds ?g, a graph asserting what the row says: one row
    for each set of the other values, in the order they first come, its ``sources`` those of
    its graphs ({key, iri}, ordered). Grouped here, not by GROUP BY and a join of each graph
    to its source in the query: that took twice as long."""
    keys = _source_keys(store, ns)
    grouped: dict[tuple, dict] = {}
    for row in select_rows(store, ns, sparql):
        graph = row.pop("g")
        kept = grouped.setdefault(tuple(row.values()), {**row, "sources": set()})
        kept["sources"].update(keys.get(graph, ()))
    for row in grouped.values():
        row["sources"] = [
            dict(zip(("key", "iri"), pair.rsplit(" ", 1), strict=True))
            for pair in sorted(row["sources"])
        ]
    return list(grouped.values())


@per_generation
def _source_keys(store: Store, ns: Namespaces) -> dict[str, set[str]]:
    """Each named graph's sources as "KEY IRI": the key (S1…, which may hold spaces, or
    "source" for a source without one) and the address, for a link."""
    keys: dict[str, set[str]] = defaultdict(set)
    for row in select_rows(
        store,
        ns,
        """SELECT ?g ?source ?key WHERE {
          ?g prov:wasDerivedFrom ?source . OPTIONAL { ?source skos:notation ?key } }""",
    ):
        keys[row["g"]].add(f"{row['key'] or 'source'} {row['source']}")
    return keys


def _iris(store: Store, ns: Namespaces, sparql: str) -> list[str]:
    """The IRIs in the first column of a SELECT."""
    return [next(iter(row.values())) for row in select_rows(store, ns, sparql)]


def _values(variable: str, iris: list[str]) -> str:
    """A VALUES block. Placed inside a GRAPH block, it lets the store start from these few
    nodes: joined from outside, the GRAPH pattern is evaluated for every node first."""
    return f"VALUES ?{variable} {{ {' '.join(f'<{iri}>' for iri in iris)} }}"


def _statements_by(store: Store, ns: Namespaces, speakers: list[str]) -> list[dict]:
    if not speakers:
        return []
    return _sourced(
        store,
        ns,
        f"""
        SELECT DISTINCT ?statement ?text ?date ?speaker ?speakerLabel ?class ?g WHERE {{
          GRAPH ?g {{ {_values("speaker", speakers)}
                      ?statement pkg:speaker ?speaker ; schema:text ?text }}
          ?statement a ?class . FILTER (?class IN (pkg:Quote, pkg:Paraphrase))
          OPTIONAL {{ ?statement dct:date ?date }} ?speaker rdfs:label ?speakerLabel .
        }} ORDER BY ?date""",
    )


def _provisions(store: Store, ns: Namespaces, policies: list[str]) -> list[dict]:
    """Every provision of these policies, with its rule, action, condition, exception, the
    date it was first withdrawn, and the sources that give it."""
    if not policies:
        return []
    links = _sourced(
        store,
        ns,
        f"""SELECT DISTINCT ?policy ?link ?provision ?g WHERE {{
          GRAPH ?g {{ {_values("policy", policies)}
                      VALUES ?link {{ odrl:prohibition odrl:permission odrl:obligation }}
                      ?policy ?link ?provision }}
        }}""",
    )
    if not links:
        return []
    provisions = sorted({row["provision"] for row in links})
    kinds = {
        row["policy"]: row["policyType"]
        for row in select_rows(
            store,
            ns,
            f"""SELECT DISTINCT ?policy ?policyType WHERE {{ {_values("policy", policies)}
              ?policy a ?policyType . ?policyType rdfs:subClassOf pkg:Policy }}""",
        )
    }
    about = _attributes(
        store,
        ns,
        provisions,
        {"action": "odrl:action", "condition": "pkg:condition", "exception": "pkg:exception"},
    )
    withdrawn = {
        row["provision"]: row["withdrawn"]
        for row in select_rows(
            store,
            ns,
            f"""SELECT ?provision (MIN(STR(?on)) AS ?withdrawn) WHERE {{
              {_values("provision", provisions)}
              ?amendment pkg:withdrawnRule ?provision ; dct:date ?on }} GROUP BY ?provision""",
        )
    }
    actions = {value for node in about.values() for value in node.get("action", [])}
    named = labels(store, ns, {*policies, *provisions, *actions})
    rows = []
    for link in links:
        policy, provision = link["policy"], link["provision"]
        own = about.get(provision, {})
        if policy not in kinds or policy not in named or provision not in named:
            continue  # as a policy or a provision the graph does not describe
        for action in own.get("action") or [None]:
            rows.append(
                {
                    "policy": policy,
                    "policyLabel": named[policy],
                    "policyType": kinds[policy],
                    "link": link["link"],
                    "provision": provision,
                    "provisionLabel": named[provision],
                    "action": named.get(action) if action else None,
                    "condition": _first(own.get("condition")),
                    "exception": _first(own.get("exception")),
                    "withdrawn": withdrawn.get(provision),
                    "sources": link["sources"],
                    "rule": RULE_KINDS[link["link"].rsplit("/", 1)[-1]],
                }
            )
    return sorted(rows, key=lambda row: (row["policyLabel"], row["link"], row["provisionLabel"]))


def _attributes(
    store: Store, ns: Namespaces, nodes: list[str], properties: dict[str, str]
) -> dict[str, dict[str, list[str]]]:
    """Each node's values of ``properties`` (a name for each property), each value once.

    One query of plain triples, in place of OPTIONALs joined to each other: in the union of
    the graphs a triple stated by several sources comes once per source, and OPTIONALs joined
    multiply those copies into one another. Each node's values in order (sorted here: ORDER BY
    in the query took five times as long as the query). The nodes' own triples are read first,
    in a sub-query: joined to the properties' VALUES at once, Oxigraph read every triple of
    those properties in the store (64 ms for a page's provisions at 1.1 M quads; 0.2 ms so)."""
    if not nodes:
        return {}
    named = " ".join(f'("{name}" {prop})' for name, prop in properties.items())
    wanted = ", ".join(properties.values())
    rows = select_rows(
        store,
        ns,
        f"""SELECT DISTINCT ?node ?name ?value WHERE {{
          {{ SELECT ?node ?property ?value WHERE {{ {_values("node", nodes)}
             ?node ?property ?value FILTER (?property IN ({wanted})) }} }}
          VALUES (?name ?property) {{ {named} }} }}""",
    )
    found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for row in sorted(rows, key=lambda row: (row["node"], row["name"], row["value"])):
        found[row["node"]][row["name"]].append(row["value"])
    return found


def _first(values: list[str] | None) -> str | None:
    return values[0] if values else None


def _group_policies(rows: list[dict]) -> list[dict]:
    """One entry per policy, its provisions grouped as prohibits / permits / requires."""
    policies: dict[str, dict] = {}
    for row in rows:
        policy = policies.setdefault(
            row["policy"],
            {
                "policy": row["policy"],
                "label": row["policyLabel"],
                "type": row["policyType"],
                "rules": defaultdict(list),
            },
        )
        rules = policy["rules"][row["rule"]]
        if row["provision"] not in {rule["provision"] for rule in rules}:
            rules.append(row)
    return list(policies.values())


def _organization(store: Store, ns: Namespaces, iri: str) -> dict[str, list[dict]]:
    heads = _heads(store, ns, iri)
    issued = _iris(store, ns, f"SELECT DISTINCT ?policy WHERE {{ ?policy pkg:issuedBy <{iri}> }}")
    policies = _group_policies(_provisions(store, ns, issued))
    agreements = _agreements(store, ns, iri)
    return {
        "heads": heads,
        "policies": policies,
        "agreements": agreements,
        # ICE's publications, in order, for the agreements' listing strips
        "publications": program.publications(store, ns) if agreements else [],
        "statements": _statements_by(store, ns, [iri, *_people_of(store, ns, iri)]),
    }


def _heads(store: Store, ns: Namespaces, iri: str) -> list[dict]:
    """Who held a post in the organization: person, post or role, start, end, sources."""
    tenures = _sourced(
        store,
        ns,
        f"""SELECT DISTINCT ?tenure ?person ?g WHERE {{
          GRAPH ?g {{ ?tenure org:organization <{iri}> ; org:member ?person }}
        }}""",
    )
    about = _attributes(
        store,
        ns,
        [row["tenure"] for row in tenures],
        {
            "role": "org:role",
            "post": "pkg:post",
            "start": "schema:startDate",
            "end": "schema:endDate",
        },
    )
    named = labels(
        store,
        ns,
        {row["person"] for row in tenures}
        | {v for node in about.values() for k in ("role", "post") for v in node.get(k, [])},
    )
    heads: dict[tuple, dict] = {}
    for tenure in tenures:
        own = about.get(tenure["tenure"], {})
        post, role = _first(own.get("post")), _first(own.get("role"))
        head = {
            "person": tenure["person"],
            "personLabel": named.get(tenure["person"]) or ns.compact(tenure["person"]),
            "post": post,
            "postLabel": named.get(post) if post else None,
            "role": named.get(role) if role else None,
            "start": _first(own.get("start")),
            "end": _first(own.get("end")),
        }
        kept = heads.setdefault(tuple(head.values()), {**head, "sources": []})
        # each source once, as _sourced orders them: sources without a notation share a key
        pairs = {(source["key"], source["iri"]) for source in kept["sources"] + tenure["sources"]}
        ordered = sorted(pairs, key=lambda pair: f"{pair[0]} {pair[1]}")
        kept["sources"] = [{"key": key, "iri": iri} for key, iri in ordered]
    return sorted(heads.values(), key=lambda head: head["start"] or "")


def _people_of(store: Store, ns: Namespaces, iri: str) -> list[str]:
    """Who heads the organization, or held a post in it."""
    return _iris(
        store,
        ns,
        f"""SELECT DISTINCT ?person WHERE {{ {{ ?person org:headOf <{iri}> }}
            UNION {{ ?tenure org:organization <{iri}> ; org:member ?person }} }}""",
    )


def _agreements(store: Store, ns: Namespaces, iri: str) -> list[dict]:
    """The agency's agreements with ICE: model, standing, first and last listing, signing dates
    (each with the sources that give it: sources may disagree), document, the publications that
    list it, and what the model lets its officers do."""
    rows = _sourced(
        store,
        ns,
        f"""
        SELECT DISTINCT ?agreement ?label ?model ?modelLabel ?status ?first ?last ?document ?g
        WHERE {{
          GRAPH ?g {{ ?agreement pkg:issuedBy <{iri}> ; a pkg:Agreement }}
          ?agreement rdfs:label ?label .
          OPTIONAL {{ ?agreement pkg:model ?model . ?model skos:prefLabel ?modelLabel }}
          OPTIONAL {{ ?agreement pkg:status/skos:prefLabel ?status }}
          OPTIONAL {{ ?agreement pkg:firstListedIn ?f . ?f dct:issued ?fi ; pkg:halfDay ?fh
                     BIND (CONCAT(STR(?fi), " ", ?fh) AS ?first) }}
          OPTIONAL {{ ?agreement pkg:lastListedIn ?l . ?l dct:issued ?li ; pkg:halfDay ?lh
                     BIND (CONCAT(STR(?li), " ", ?lh) AS ?last) }}
          OPTIONAL {{ ?agreement schema:url ?document }}
        }} ORDER BY ?label""",
    )
    signed = _signing_dates(store, ns, [row["agreement"] for row in rows])
    listed = program.listings(store, ns, [row["agreement"] for row in rows])
    for row in rows:
        row["signed"] = signed.get(row["agreement"], [])
        row["listed"] = listed.get(row["agreement"], set())
    models = {row["model"] for row in rows if row["model"]}
    implied: dict[str, list[str]] = defaultdict(list)
    if models:
        values = " ".join(f"<{model}>" for model in models)
        for row in select_rows(
            store,
            ns,
            f"""SELECT ?model ?rule WHERE {{ VALUES ?model {{ {values} }}
                ?model pkg:impliesRule/rdfs:label ?rule }} ORDER BY ?rule""",
        ):
            implied[row["model"]].append(row["rule"])
    for row in rows:
        row["implies"] = implied.get(row["model"], [])
    return rows


def _signing_dates(store: Store, ns: Namespaces, agreements: list[str]) -> dict[str, list[dict]]:
    """Each agreement's signing dates, every one with the sources that give it."""
    if not agreements:
        return {}
    values = " ".join(f"<{iri}>" for iri in agreements)
    found: dict[str, list[dict]] = defaultdict(list)
    for row in _sourced(
        store,
        ns,
        f"""SELECT DISTINCT ?agreement ?date ?g WHERE {{ VALUES ?agreement {{ {values} }}
            ?event pkg:changedPolicy ?agreement . GRAPH ?g {{ ?event dct:date ?date }}
        }} ORDER BY ?agreement ?date""",
    ):
        found[row["agreement"]].append({"date": row["date"], "sources": row["sources"]})
    return found


def _person(store: Store, ns: Namespaces, iri: str) -> dict[str, list[dict]]:
    posts = _sourced(
        store,
        ns,
        f"""
        SELECT DISTINCT ?organization ?organizationLabel ?post ?postLabel ?role ?start ?end ?g
        WHERE {{
          GRAPH ?g {{ ?tenure org:member <{iri}> ; org:organization ?organization }}
          ?organization rdfs:label ?organizationLabel .
          OPTIONAL {{ ?tenure org:role/skos:prefLabel ?role }}
          OPTIONAL {{ ?tenure pkg:post ?post . ?post rdfs:label ?postLabel }}
          OPTIONAL {{ ?tenure schema:startDate ?start }} OPTIONAL {{ ?tenure schema:endDate ?end }}
        }} ORDER BY ?start""",
    )
    return {"posts": posts, "statements": _statements_by(store, ns, [iri])}


def _policy(store: Store, ns: Namespaces, iri: str) -> dict[str, list[dict]]:
    timeline = _sourced(
        store,
        ns,
        f"""
        SELECT DISTINCT ?event ?label ?date ?kind ?g WHERE {{
          GRAPH ?g {{ ?event pkg:changedPolicy <{iri}> }}
          ?event rdfs:label ?label ; a ?class . ?class rdfs:subClassOf pkg:PolicyChange ;
                 rdfs:label ?kind .
          OPTIONAL {{ ?event dct:date ?date }}
        }} ORDER BY ?date""",
    )
    policies = _group_policies(_provisions(store, ns, [iri]))
    return {"timeline": timeline, "policies": policies}


def _statement(store: Store, ns: Namespaces, iri: str) -> dict[str, list[dict]]:
    quote = select_rows(
        store,
        ns,
        f"""
        SELECT ?text ?context ?date ?speaker ?speakerLabel ?class WHERE {{
          <{iri}> schema:text ?text ; pkg:speaker ?speaker ; a ?class .
          FILTER (?class IN (pkg:Quote, pkg:Paraphrase))
          ?speaker rdfs:label ?speakerLabel .
          OPTIONAL {{ <{iri}> dct:date ?date }} OPTIONAL {{ <{iri}> pkg:context ?context }}
        }} LIMIT 1""",
    )
    reported = select_rows(
        store,
        ns,
        f"""
        SELECT DISTINCT ?source ?key ?title ?url ?issued WHERE {{
          {{ <{iri}> pkg:reportedBy ?source }}
          UNION {{ GRAPH ?g {{ <{iri}> schema:text ?text }} ?g prov:wasDerivedFrom ?source }}
          OPTIONAL {{ ?source skos:notation ?key }} OPTIONAL {{ ?source rdfs:label ?title }}
          OPTIONAL {{ ?source schema:url ?url }} OPTIONAL {{ ?source dct:issued ?issued }}
        }} ORDER BY ?key""",
    )
    return {"quote": quote, "reported": reported}


def _source(store: Store, ns: Namespaces, iri: str) -> dict[str, list[dict]]:
    reports = select_rows(
        store,
        ns,
        f"""
        SELECT ?entity ?label (COUNT(*) AS ?facts) WHERE {{
          ?g prov:wasDerivedFrom <{iri}> . GRAPH ?g {{ ?entity ?p ?o }}
          FILTER (isIRI(?entity))
          OPTIONAL {{ ?entity rdfs:label ?label }}
        }} GROUP BY ?entity ?label ORDER BY DESC(?facts) ?label LIMIT 500""",
    )
    return {"reports": reports}


SECTIONS = {
    "organization": _organization,
    "person": _person,
    "policy": _policy,
    "statement": _statement,
    "source": _source,
}


# --- helpers -------------------------------------------------------------------------------


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
KIND_ROOTS = {  # the class each kind of page is for
    "statement": "pkg:Statement",
    "source": "pkg:Source",
    "policy": "pkg:Policy",
    "event": "pkg:Event",
    "person": "pkg:Person",
    "organization": "org:Organization",
    "place": "pkg:Jurisdiction",
    "concept": "skos:Concept",
}


def _kind(store: Store, ns: Namespaces, types: set[str]) -> str:
    """The kind of page for an entity of these types."""
    kinds = _kinds_of_classes(store, ns)
    found = {kind for type_ in types for kind in kinds.get(type_, ())}
    return next((kind for kind in KINDS if kind in found), "other")


@per_generation
def _kinds_of_classes(store: Store, ns: Namespaces) -> dict[str, set[str]]:
    """Every class's kinds of page: the roots it is, or is a subclass of (once per
    generation: each page's types are looked up in it, no path evaluated per page)."""
    values = " ".join(f'({root} "{kind}")' for kind, root in KIND_ROOTS.items())
    kinds: dict[str, set[str]] = defaultdict(set)
    for row in select_rows(
        store,
        ns,
        f"""SELECT DISTINCT ?class ?kind WHERE {{
        VALUES (?root ?kind) {{ {values} }} ?class rdfs:subClassOf* ?root }}""",
    ):
        kinds[row["class"]].add(row["kind"])
    return kinds


KEPT_MOST = 100_000  # answers a generation keeps of each kind (labels, graphs' sources)


def labels(store: Store, ns: Namespaces, iris: set[str]) -> dict[str, str]:
    """Each IRI's first label in order (sorted here: ORDER BY in the query costs 2 ms more).

    Kept for the generation: a page asks only for the labels no earlier page asked for (the
    predicates, classes, places and sources most pages share cost half a page's queries)."""
    return _kept_answers(_kept_labels(store, ns), iris, lambda iris: _labels_of(store, ns, iris))


def _kept_answers(kept: dict, keys: set[str], ask: Callable[[list[str]], dict]) -> dict:
    """``ask``'s answer for each of ``keys``, asked only for those ``kept`` (a generation's
    answers, at most KEPT_MOST) does not hold yet; a key with no answer is kept as None."""
    found = {key: kept.get(key, _UNKNOWN) for key in keys}
    missing = [key for key, answer in found.items() if answer is _UNKNOWN]
    if missing:
        asked = ask(missing)
        if len(kept) + len(missing) > KEPT_MOST:
            kept.clear()
        for key in missing:
            found[key] = kept[key] = asked.get(key)
    return {key: answer for key, answer in found.items() if answer is not None}


_UNKNOWN = object()


@per_generation
def _kept_labels(store: Store, ns: Namespaces) -> dict[str, str | None]:
    """The labels asked for in this generation (None: the IRI has none)."""
    return {}


def _labels_of(store: Store, ns: Namespaces, iris: list[str]) -> dict[str, str]:
    values = " ".join(f"<{iri}>" for iri in iris)
    labels: dict[str, str] = {}
    for row in select_rows(
        store,
        ns,
        f"""SELECT ?x ?label WHERE {{ VALUES ?x {{ {values} }}
            ?x rdfs:label|skos:prefLabel ?label }}""",
    ):
        if row["x"] not in labels or row["label"] < labels[row["x"]]:
            labels[row["x"]] = row["label"]
    return labels


def _graph_sources(store: Store, ns: Namespaces, names: set[str]) -> dict[str, SourceRef]:
    """Each of these named graphs' source, as a page cites it: key (S1…), label, address;
    kept for the generation, as labels are (one query of every graph's took 0.8 s on 500
    graphs). A graph derived from several sources (a compilation) cites the first by key."""
    return _kept_answers(
        _kept_graph_sources(store, ns), names, lambda names: _graph_sources_of(store, names)
    )


@per_generation
def _kept_graph_sources(store: Store, ns: Namespaces) -> dict[str, SourceRef | None]:
    """The graphs' sources asked for in this generation (None: a graph with no source)."""
    return {}


def _graph_sources_of(store: Store, names: list[str]) -> dict[str, SourceRef]:
    values = " ".join(f"<{name}>" for name in names)
    query = f"""SELECT ?g ?source ?key ?label ?graphLabel WHERE {{ VALUES ?g {{ {values} }}
        ?g <http://www.w3.org/ns/prov#wasDerivedFrom> ?source .
        OPTIONAL {{ ?source <http://www.w3.org/2004/02/skos/core#notation> ?key }}
        OPTIONAL {{ ?source <http://www.w3.org/2000/01/rdf-schema#label> ?label }}
        OPTIONAL {{ ?g <http://www.w3.org/2000/01/rdf-schema#label> ?graphLabel }} }}"""
    refs: dict[str, SourceRef] = {}
    for row in store.query(query):
        label = (row["label"] or row["graphLabel"] or row["source"]).value
        key = row["key"].value if row["key"] is not None else label
        ref = SourceRef(key, label, row["source"].value)
        graph = row["g"].value
        if graph not in refs or (ref.key, ref.iri) < (refs[graph].key, refs[graph].iri):
            refs[graph] = ref
    return refs


def _value(
    term: ox.NamedNode | ox.BlankNode | ox.Literal, labels: dict[str, str], ns: Namespaces
) -> Value:
    if isinstance(term, ox.NamedNode):
        return Value(labels.get(term.value) or ns.compact(term.value), iri=term.value)
    if isinstance(term, ox.BlankNode):
        return Value(term.value)
    datatype = term.datatype.value
    plain = term.language or datatype == XSD_STRING  # a simple or language-tagged literal
    return Value(term.value, lang=term.language, datatype=None if plain else datatype)


def _unique(values: list[Value]) -> list[Value]:
    return list(dict.fromkeys(values))
