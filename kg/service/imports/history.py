"""ICE's 287(g) program over time: one agreement through every publication that lists it.

Each publication (kg.service.imports.ice_287g) gets a named graph of its own that says only
what it says of each agreement it lists: that it lists it (``pkg:listedIn``), under which name
(``pkg:nameAsListed``) and, for the participating agencies, the signing date it prints (on the
agreement's adoption event, ``dct:date``, or ``pkg:valueAsGiven``). Two publications that print
different dates are two sources that disagree: both dates stay, each in its publication's graph.

The agreement itself — its agency, model, counterparty, adoption, and what the listings add up
to (first and last listed, standing: participating, pending or removed) — is in one graph that
PolicyKG compiles from all the publications (``graph/ice-287g/agreements``), rebuilt on every
import. An agreement is the same through every publication when its agency (matched, or named
alike) and model are: spelling, case and a changed signing date do not make a new one.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from kg.namespaces import Namespaces
from kg.service.imports import (
    DCT,
    PROV,
    RDF_TYPE,
    RDFS_LABEL,
    SCHEMA,
    SKOS,
    Quads,
    describe_publication,
    iri,
    replace_graphs,
    slug,
    text,
    typed,
)
from kg.service.imports.ice_287g import Publication, Row, SheetError, publication_order
from kg.service.imports.kinds import class_of, kind_of
from kg.service.imports.reconcile import Places, agency_index, core_names, full_name
from kg.service.query.queries import select_rows
from kg.store import Store

ICE = "id/agency/ice"
RECORD_GRAPH = "graph/ice-287g/agreements"
RECORD_SOURCE = "id/source/ice-287g-record"
MODEL_LABELS = {
    "287g-jail-enforcement": "jail enforcement model",
    "287g-task-force": "task force model",
    "287g-warrant-service-officer": "warrant service officer model",
}


@dataclass
class HistoryReport:
    """What an import of publications read, wrote, matched and skipped."""

    publications: list[Publication] = field(default_factory=list)
    skipped: list[SheetError] = field(default_factory=list)
    reconciliation: Counter = field(default_factory=Counter)  # (kind, status) → agencies
    agreements: int = 0
    quads: int = 0
    unreadable: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        lines = [
            f"ICE 287(g): {len(self.publications)} publication(s) imported, "
            f"{len(self.skipped)} file(s) skipped; {self.agreements:,} agreements in the "
            f"record; {self.quads:,} quads written"
        ]
        for publication in self.publications:
            lines.append(
                f"  {publication.key} ({publication.path.name}, captured "
                f"{publication.captured or 'unknown'}): {len(publication.rows):,} agreement "
                f"rows, {publication.blank:,} blank"
            )
        lines += [f"  skipped {error.path}: {error.problem}" for error in self.skipped]
        lines.append("  agencies, by kind: matched / ambiguous / unmatched")
        for kind in sorted({kind for kind, _ in self.reconciliation}):
            counts = [self.reconciliation[(kind, s)] for s in ("matched", "ambiguous", "unmatched")]
            lines.append(f"    {kind:<16} {counts[0]:>5} {counts[1]:>5} {counts[2]:>5}")
        if self.unreadable:
            lines.append(
                f"  values kept as given (unreadable): {len(self.unreadable)}: "
                + "; ".join(sorted(set(self.unreadable))[:10])
            )
        lines += [f"  {note}" for note in self.notes]
        return lines


@dataclass
class Agreement:
    iri: str
    agency: str
    model: str | None
    model_as_given: str
    listings: dict[str, str] = field(default_factory=dict)  # publication IRI → name as listed
    address: str = ""
    address_when: tuple = ()  # the listing the address is from


class History:
    """The stored history and the publications being imported, as one record."""

    def __init__(self, store: Store, ns: Namespaces, publications: list[Publication]) -> None:
        self.store, self.ns = store, ns
        self.record = Quads(ns.iri(RECORD_GRAPH))
        self.stored = _stored_publications(store, ns)
        self.new = _versioned(publications, self.stored)
        replaced = {self.source(p) for p in self.new}
        self.order = {  # publication IRI → (when, kind)
            iri: (info.when, info.kind) for iri, info in self.stored.items() if iri not in replaced
        } | {self.source(p): (p.when, p.kind) for p in self.new}
        self.agreements = _stored_agreements(store, ns, replaced)
        for agreement in self.agreements.values():
            if agreement.address and agreement.listings:
                agreement.address_when = max(self.order[i][0] for i in agreement.listings)
        self.kept = _stored_record(store, ns)
        self.places = Places(store, ns, self.record)
        excluded = (ns.iri("graph/ice-287g/"), ns.iri("graph/policykg/"))
        self.index = agency_index(store, ns, with_ori=True, excluded=excluded)
        self.report = HistoryReport(publications=self.new)

    def source(self, publication: Publication) -> str:
        return self.ns.iri(f"id/source/ice-287g-{publication.key}")

    def graph(self, publication: Publication) -> str:
        return self.ns.iri(f"graph/ice-287g/{publication.key.replace('-', '/', 1)}")

    # --- the new rows, grouped into agreements -------------------------------------------

    def build(self) -> bytes:
        """The new publications' graphs, the record and their descriptions, as N-Quads."""
        by_agency: dict[tuple, list[tuple[Publication, Row]]] = defaultdict(list)
        for publication in self.new:
            for row in publication.rows:
                by_agency[_agency_identity(row)].append((publication, row))
        data = []
        listed: dict[str, Quads] = {p.key: Quads(self.graph(p)) for p in self.new}
        by_agreement: dict[tuple[str, str], list[tuple[Publication, Row]]] = defaultdict(list)
        for rows in by_agency.values():
            names = sorted({row.agency for _p, row in rows}, key=lambda n: (-len(n), n))
            agency = self._agency(max(rows, key=lambda item: item[0].when)[1], names)
            for publication, row in rows:
                by_agreement[(agency, row.model or slug(row.model_as_given))].append(
                    (publication, row)
                )
        for (agency, model), rows in by_agreement.items():
            for suffix, agreement_rows in _by_signing(rows):
                agreement = self._agreement(agency, model + suffix, agreement_rows)
                for publication, row in sorted(agreement_rows, key=lambda item: item[0].when):
                    self._listing(listed[publication.key], agreement, publication, row)
        meta = Quads(self.ns.meta_graph)
        for publication in self.new:
            data.append(listed[publication.key].data())
            self._describe(meta, publication)
        self._record(meta)
        data += [self.record.data(), meta.data()]
        self.report.quads = sum(len(part.lines) for part in [*listed.values(), self.record, meta])
        return b"".join(data)

    def _agreement(self, agency: str, model: str, rows: list[tuple[Publication, Row]]) -> Agreement:
        """The agreement of ``agency`` under ``model``: the stored one, or a new one."""
        latest = max(rows, key=lambda item: item[0].when)[1]
        node = self.ns.iri(f"id/policy/287g-{agency.rsplit('/', 1)[-1]}-{model}")
        return self.agreements.setdefault(
            node, Agreement(node, agency, latest.model, latest.model_as_given)
        )

    def _agency(self, row: Row, names: list[str]) -> str:
        """The agency of a group of rows: matched to the graph's by kind, or minted."""
        ns, add = self.ns, self.record.add
        kind = kind_of(row.agency, row.level)
        status, found = self.index.match(row.state, names, kind) if row.state else ("unmatched", [])
        self.report.reconciliation[(kind, status)] += 1
        if status == "matched":
            return found[0]
        core, role = core_names(row.agency)[1], _role(row.agency)
        node = ns.iri(f"id/agency/ice-{(row.state or 'xx').lower()}-{slug(f'{core} {role}')}")
        add(node, RDF_TYPE, iri(ns.pkg + class_of(kind, row.level)))
        add(node, ns.pkg + "reconciliation", text(status, None))
        for candidate in found:
            add(node, ns.pkg + "candidate", iri(candidate))
        if row.state:
            add(node, ns.pkg + "state", iri(self.places.state(row.state)))
            if row.county and row.county not in ("#N/A", "N/A"):
                add(node, ns.pkg + "county", iri(self.places.county(row.state, row.county)))
        else:
            add(node, ns.pkg + "valueAsGiven", text(f"STATE: {row.state_as_given}", None))
        return node

    def _listing(self, quads: Quads, agreement: Agreement, publication: Publication, row: Row):
        ns, source = self.ns, self.source(publication)
        if source in agreement.listings:
            self.report.notes.append(f"{publication.path.name}: {row.agency} listed twice")
        agreement.listings[source] = row.agency
        quads.add(agreement.iri, ns.pkg + "listedIn", iri(source))
        quads.add(agreement.iri, ns.pkg + "nameAsListed", text(row.agency, None))
        if publication.kind == "participating":
            event = _event(agreement.iri)
            if row.signed:
                quads.add(event, DCT + "date", typed(row.signed, "date"))
            elif row.signed_as_given:
                self.report.unreadable.append(f"{row.agency}: SIGNED: {row.signed_as_given}")
                quads.add(
                    event, ns.pkg + "valueAsGiven", text(f"SIGNED: {row.signed_as_given}", None)
                )
        if row.address and publication.when >= agreement.address_when:
            agreement.address, agreement.address_when = row.address, publication.when

    # --- the record: what every listing adds up to ---------------------------------------

    def _record(self, meta: Quads) -> None:
        ns = self.ns
        latest = {
            kind: max(
                (iri for iri, (_w, k) in self.order.items() if k == kind),
                key=lambda i: self.order[i][0],
                default=None,
            )
            for kind in ("participating", "pending")
        }
        names_of: dict[str, Counter] = defaultdict(Counter)
        for agreement in self.agreements.values():
            listings = sorted(agreement.listings, key=lambda i: self.order[i][0])
            if not listings:
                continue
            self.report.agreements += 1
            names_of[agreement.agency].update(agreement.listings.values())
            self._agreement_facts(agreement, listings, latest)
        self._agency_names(names_of)
        unlisted = {
            f"<{node}>"
            for a in self.agreements.values()
            if not a.listings
            for node in (a.iri, _event(a.iri))
        }
        self.record.lines += [line for line in self.kept if line.split(" ", 1)[0] not in unlisted]
        ordered = sorted(self.order, key=lambda i: self.order[i][0])
        _describe_record(meta, ns, ordered, self.order[ordered[-1]][0][1])
        self.record.lines = sorted(set(self.record.lines))

    def _agreement_facts(self, agreement: Agreement, listings: list[str], latest: dict) -> None:
        ns, add, node = self.ns, self.record.add, agreement.iri
        model_label = MODEL_LABELS.get(agreement.model or "", agreement.model_as_given)
        name = max(agreement.listings.values(), key=lambda n: (len(n), n))
        add(node, RDF_TYPE, iri(ns.pkg + "Agreement"))
        add(node, RDFS_LABEL, text(f"{name}: 287(g) agreement, {model_label}"))
        add(node, ns.pkg + "issuedBy", iri(agreement.agency))
        add(node, ns.pkg + "counterparty", iri(ns.iri(ICE)))
        if agreement.model:
            add(node, ns.pkg + "model", iri(ns.iri(f"vocab/activity/{agreement.model}")))
        else:
            add(
                node,
                ns.pkg + "valueAsGiven",
                text(f"SUPPORT TYPE: {agreement.model_as_given}", None),
            )
        if agreement.address:
            add(node, SCHEMA + "url", iri(agreement.address))
        standing = next(
            (kind for kind in ("participating", "pending") if latest[kind] in agreement.listings),
            "removed",
        )
        add(node, ns.pkg + "status", iri(ns.iri(f"vocab/agreement-status/{standing}")))
        add(node, ns.pkg + "firstListedIn", iri(listings[0]))
        add(node, ns.pkg + "lastListedIn", iri(listings[-1]))
        signed_in = [i for i in listings if self.order[i][1] == "participating"]
        if signed_in:
            event = _event(node)
            add(event, RDF_TYPE, iri(ns.pkg + "PolicyAdoption"))
            add(event, RDFS_LABEL, text(f"{name} signs a 287(g) agreement ({model_label})"))
            add(event, ns.pkg + "changedPolicy", iri(node))
            add(event, PROV + "wasAssociatedWith", iri(agreement.agency))
            add(event, PROV + "wasAssociatedWith", iri(ns.iri(ICE)))
            add(event, ns.pkg + "reportedBy", iri(signed_in[-1]))

    def _agency_names(self, names_of: dict[str, Counter]) -> None:
        """ICE's fullest spelling as the agency's name, unless another source names it; the
        other spellings as alternate names."""
        labelled = _labelled_elsewhere(self.store, self.ns, set(names_of))
        for agency, names in names_of.items():
            spellings = sorted(names, key=lambda n: (-len(full_name(n)), -names[n], n))
            if agency not in labelled:
                self.record.add(agency, RDFS_LABEL, text(spellings[0]))
                spellings = spellings[1:]
            for name in spellings:
                self.record.add(agency, SCHEMA + "alternateName", text(name, None))

    def _describe(self, meta: Quads, publication: Publication) -> None:
        ns, source = self.ns, self.source(publication)
        half = publication.half
        again = f", version {publication.version}" if publication.version > 1 else ""
        describe_publication(
            meta,
            ns,
            graph=self.graph(publication),
            source=source,
            series=ns.iri(f"id/dataset/ice-287g-{publication.kind}"),
            series_label=f"ICE 287(g) {publication.kind} agencies (spreadsheet, updated often)",
            title=f"ICE 287(g) {publication.kind} agencies, as published on "
            f"{publication.published} {half}{again}",
            publisher=ns.iri(ICE),
            issued=publication.published,
            file=publication.path.name,
            rows=len(publication.rows) + publication.blank,
            blank=publication.blank,
            address="https://www.ice.gov/identify-and-arrest/287g",
            key=f"ICE {publication.kind} {publication.published} {half}{again}",
        )
        meta.add(source, ns.pkg + "halfDay", text(half, None))
        meta.add(source, ns.pkg + "agreementRows", typed(str(len(publication.rows)), "integer"))
        meta.add(source, ns.pkg + "contentHash", text(publication.digest, None))
        meta.add(source, ns.pkg + "version", typed(str(publication.version), "integer"))
        if publication.captured:
            meta.add(source, ns.pkg + "capturedAt", typed(publication.captured, "dateTime"))


def import_publications(
    store: Store, ns: Namespaces, publications: list[Publication]
) -> HistoryReport:
    """Imports the publications (each replacing an earlier import of itself) and rebuilds the
    record of every agreement, in one atomic write."""
    history = History(store, ns, publications)
    data = history.build()
    graphs = [history.graph(p) for p in history.new] + [ns.iri(RECORD_GRAPH)]
    sources = [history.source(p) for p in history.new] + [ns.iri(RECORD_SOURCE)]
    replace_graphs(store, ns, graphs, sources, data)
    return history.report


def _agency_identity(row: Row) -> tuple:
    """Rows of one agency: the same state, name without the words of its kind and place
    ("City of St. Cloud Police Department" is "St. Cloud Police Department"), and role (its
    name says sheriff, police or neither)."""
    return (row.state or row.state_as_given, core_names(row.agency)[1], _role(row.agency))


def _by_signing(rows: list[tuple[Publication, Row]]) -> list[tuple[str, list]]:
    """The rows of one agency and model as agreements: one, whatever dates they print, unless a
    publication lists it twice with two signing dates — then one per date, the one listed most
    keeping the plain name and the others suffixed with their date (pending rows, undated, go
    with the first)."""
    dates_by_publication: dict[str, set] = defaultdict(set)
    for publication, row in rows:
        dates_by_publication[publication.key].add(row.signed)
    if all(len(dates - {None}) < 2 for dates in dates_by_publication.values()):
        return [("", rows)]
    by_date: dict[str | None, list] = defaultdict(list)
    for item in rows:
        by_date[item[1].signed].append(item)
    undated = by_date.pop(None, [])
    ordered = sorted(by_date.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    ordered[0][1].extend(undated)
    return [("" if i == 0 else f"-{date}", items) for i, (date, items) in enumerate(ordered)]


def _role(name: str) -> str:
    words = set(full_name(name).split())
    return "sheriff" if words & {"sheriff", "sheriffs"} else ("police" if "police" in words else "")


def _event(agreement: str) -> str:
    return agreement.replace("/id/policy/", "/id/event/") + "-signed"


def _versioned(publications: list[Publication], stored: dict) -> list[Publication]:
    """The publications, each once, numbered where one file name holds several contents."""
    by_digest = {p.digest: p for p in sorted(publications, key=lambda p: p.when)}
    known = defaultdict(dict)  # (kind, date, half) → digest → version, stored first
    for info in stored.values():
        known[info.name][info.digest] = info.version
    result = []
    for publication in by_digest.values():
        versions = known[(publication.kind, publication.published, publication.half)]
        publication.version = versions.setdefault(publication.digest, len(versions) + 1)
        result.append(publication)
    return result


@dataclass(frozen=True)
class _Stored:
    name: tuple[str, str, str]
    digest: str
    version: int
    when: tuple[str, str, str]
    kind: str


def _stored_publications(store: Store, ns: Namespaces) -> dict[str, _Stored]:
    rows = select_rows(
        store,
        ns,
        f"""SELECT ?source ?series ?issued ?half ?digest ?version ?captured WHERE {{
        GRAPH <{ns.meta_graph}> {{
          ?source dct:isVersionOf ?series ; dct:issued ?issued ; pkg:halfDay ?half ;
                  pkg:contentHash ?digest ; pkg:version ?version
          OPTIONAL {{ ?source pkg:capturedAt ?captured }} }}
        FILTER (?series IN (dataset:ice-287g-participating, dataset:ice-287g-pending)) }}""",
    )
    stored = {}
    for row in rows:
        kind = row["series"].rsplit("-", 1)[-1]
        when = publication_order(row.get("captured"), row["issued"], row["half"])
        name = (kind, row["issued"], row["half"])
        stored[row["source"]] = _Stored(name, row["digest"], int(row["version"]), when, kind)
    return stored


def _stored_agreements(store: Store, ns: Namespaces, replaced: set[str]) -> dict[str, Agreement]:
    """The agreements of the record, with the listings of the publications not replaced."""
    rows = select_rows(
        store,
        ns,
        f"""SELECT ?agreement ?agency ?model ?given ?address ?source ?name WHERE {{
        GRAPH <{ns.iri(RECORD_GRAPH)}> {{ ?agreement a pkg:Agreement ; pkg:issuedBy ?agency
          OPTIONAL {{ ?agreement pkg:model ?model }}
          OPTIONAL {{ ?agreement pkg:valueAsGiven ?given }}
          OPTIONAL {{ ?agreement schema:url ?address }} }}
        OPTIONAL {{ GRAPH ?g {{ ?agreement pkg:listedIn ?source ; pkg:nameAsListed ?name }} }}
        }}""",
    )
    found: dict[str, Agreement] = {}
    for row in rows:
        model = row["model"].rsplit("/", 1)[-1] if row.get("model") else None
        given = (row.get("given") or "").removeprefix("SUPPORT TYPE: ")
        agreement = found.setdefault(
            row["agreement"],
            Agreement(
                row["agreement"], row["agency"], model, given, address=row.get("address") or ""
            ),
        )
        if row.get("source") and row["source"] not in replaced:
            agreement.listings[row["source"]] = row["name"]
    return found


# What the record recomputes from the listings (the labels of places excepted).
_RECOMPUTED = re.compile(
    r"ontology#(?:status|firstListedIn|lastListedIn|reportedBy)>$"
    r"|^<https://schema.org/(?:alternateName|url)>$"
)
_LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"


def _stored_record(store: Store, ns: Namespaces) -> list[str]:
    """The record's facts that no import recomputes: the agencies PolicyKG minted, their places,
    and the agreements' own facts."""
    graph = ns.iri(RECORD_GRAPH)
    result = store.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    lines = []
    for row in result:
        predicate = str(row["p"])
        if _RECOMPUTED.search(predicate) or (
            predicate == _LABEL and "/id/place/" not in str(row["s"])
        ):
            continue
        lines.append(f"{row['s']} {predicate} {row['o']} <{graph}> .\n")
    return lines


def _labelled_elsewhere(store: Store, ns: Namespaces, agencies: set[str]) -> set[str]:
    """The agencies a source other than ICE's and PolicyKG's own names (the seed's)."""
    rows = select_rows(
        store,
        ns,
        f"""SELECT DISTINCT ?agency WHERE {{ GRAPH ?g {{ ?agency rdfs:label ?label ; a ?class }}
        FILTER (!STRSTARTS(STR(?g), "{ns.iri("graph/ice-287g/")}")
                && !STRSTARTS(STR(?g), "{ns.iri("graph/policykg/")}")) }}""",
    )
    return {row["agency"] for row in rows} & agencies


def _describe_record(meta: Quads, ns: Namespaces, publications: list[str], issued: str) -> None:
    graph, source = ns.iri(RECORD_GRAPH), ns.iri(RECORD_SOURCE)
    title = "ICE 287(g) agreements across publications, compiled by PolicyKG"
    meta.add(graph, RDF_TYPE, iri(ns.pkg + "SourceGraph"))
    meta.add(graph, RDFS_LABEL, text(title))
    meta.add(graph, PROV + "wasDerivedFrom", iri(source))
    meta.add(source, RDF_TYPE, iri(ns.pkg + "Dataset"))
    meta.add(source, RDFS_LABEL, text(title))
    meta.add(source, DCT + "title", text(title))
    meta.add(source, SKOS + "notation", text("ICE 287(g) record", None))
    meta.add(source, DCT + "issued", typed(issued, "date"))  # as of its latest publication
    meta.add(
        source,
        DCT + "description",
        text(
            "One agreement through every publication of ICE that lists it: its agency, model, "
            "first and last listing and standing, as PolicyKG reads them from the publications."
        ),
    )
    for publication in publications:
        meta.add(source, PROV + "wasDerivedFrom", iri(publication))
