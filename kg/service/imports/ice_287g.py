"""ICE's 287(g) spreadsheets: the agreements of participating agencies, and the pending ones.

One row per agreement: state, agency, jurisdiction type, county, support model and, for the
participating agencies, the signing date and a link to the memorandum of agreement (in the
cell's hyperlink). Every non-blank row becomes an agreement: a pkg:Agreement of the agency with
ICE, its model, its status in this publication and, when signed, its adoption dated by the
signing. A value that cannot be read (a date typed 7/72025) is kept as given and flagged.
"""

from __future__ import annotations

import datetime
import re
import urllib.parse
from pathlib import Path

import openpyxl

from kg.namespaces import Namespaces
from kg.service.imports import (
    DCT,
    PROV,
    RDF_TYPE,
    RDFS_LABEL,
    SCHEMA,
    ImportReport,
    Quads,
    describe_publication,
    iri,
    replace_publication,
    slug,
    text,
    typed,
)
from kg.service.imports.reconcile import Places, agency_index
from kg.service.imports.states import code_of
from kg.store import Store

MODELS = {
    "jail enforcement model": ("287g-jail-enforcement", "jail enforcement model"),
    "task force model": ("287g-task-force", "task force model"),
    "warrant service officer": ("287g-warrant-service-officer", "warrant service officer model"),
}
# ICE's jurisdiction types: the kinds of agency a name is compared among, in order of
# preference, and the class of an agency PolicyKG has to create.
KINDS = {
    "county": (["SheriffsOffice", "PoliceDepartment"], "SheriffsOffice"),
    "municipality": (["PoliceDepartment"], "PoliceDepartment"),
    "state agency": (["StateAgency"], "StateAgency"),
}
ICE = "id/agency/ice"
_FILE_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def as_of_from(path: Path) -> str:
    match = _FILE_DATE.search(path.name)
    if not match:
        raise ValueError(f"cannot tell the publication date from {path.name!r}: give --as-of")
    return "-".join(match.groups())


def import_sheet(
    store: Store, ns: Namespaces, path: Path, *, as_of: str | None = None
) -> ImportReport:
    kind = "pending" if "pending" in path.name.lower() else "participating"
    as_of = as_of or as_of_from(path)
    graph = ns.iri(f"graph/ice-287g/{kind}/{as_of}")
    source = ns.iri(f"id/source/ice-287g-{kind}-{as_of}")
    report = ImportReport(f"ICE 287(g) {kind} agencies, {as_of} ({path.name})", graph)
    quads = Quads(graph)
    sheet = Sheet(store, ns, quads, source, kind, report)
    rows = list(openpyxl.load_workbook(path).active.iter_rows(min_row=2))
    report.rows = len(rows)
    for row in rows:
        sheet.row(row)
    meta = Quads(ns.meta_graph)
    describe_publication(
        meta,
        ns,
        graph=graph,
        source=source,
        series=ns.iri(f"id/dataset/ice-287g-{kind}"),
        series_label=f"ICE 287(g) {kind} agencies (spreadsheet, updated often)",
        title=f"ICE 287(g) {kind} agencies, as published on {as_of}",
        publisher=ns.iri(ICE),
        issued=as_of,
        file=path.name,
        rows=report.rows,
        blank=report.blank,
        address="https://www.ice.gov/identify-and-arrest/287g",
        key=f"ICE {kind} {as_of}",
    )
    report.quads = len(quads.lines)
    replace_publication(store, ns, graph, source, quads.data() + meta.data())
    return report


class Sheet:
    """The rows of one publication, turned into agreements."""

    def __init__(
        self,
        store: Store,
        ns: Namespaces,
        quads: Quads,
        source: str,
        kind: str,
        report: ImportReport,
    ) -> None:
        self.ns, self.quads, self.source, self.kind, self.report = ns, quads, source, kind, report
        self.places = Places(store, ns, quads)
        self.agencies = agency_index(store, ns, with_ori=True, excluded=(quads.graph,))
        self.seen: set[str] = set()

    def row(self, cells) -> None:
        values = [cell.value for cell in cells]
        if all(v is None or str(v).strip() == "" for v in values):
            self.report.blank += 1
            return
        state_text, name, level, county, model_text = (_clean(v) for v in values[:5])
        agency = self._agency(state_text, name, level, county)
        model = MODELS.get(model_text.lower())
        agreement = self.ns.iri(
            f"id/policy/287g-{agency.rsplit('/', 1)[-1]}-{model[0] if model else slug(model_text)}"
        )
        if agreement in self.seen:  # the same agency and model twice in one sheet
            agreement += f"-{len(self.seen)}"
        self.seen.add(agreement)
        self._agreement(agreement, agency, name, model, model_text)
        if self.kind == "participating":
            self._signing(agreement, agency, name, model, values[5])
            self._document(agreement, cells[6])
        self.report.written += 1

    def _agency(self, state_text: str, name: str, level: str, county: str) -> str:
        ns, add = self.ns, self.quads.add
        code = code_of(state_text)
        if code is None:
            self.report.unreadable.append(f"state {state_text!r} of {name!r}")
        kinds, created_class = KINDS.get(level.lower(), ([], "OtherLawEnforcementAgency"))
        status, found = self.agencies.match(code, name, kinds) if code else ("unmatched", [])
        self.report.reconciliation[status] += 1
        if status == "matched":
            add(found[0], SCHEMA + "alternateName", text(name, None))
            return found[0]
        node = ns.iri(f"id/agency/ice-{(code or 'xx').lower()}-{slug(name)}")
        add(node, RDF_TYPE, iri(ns.pkg + created_class))
        add(node, RDFS_LABEL, text(name))
        add(node, ns.pkg + "reconciliation", text(status, None))
        for candidate in found:
            add(node, ns.pkg + "candidate", iri(candidate))
        if code:
            add(node, ns.pkg + "state", iri(self.places.state(code)))
            if county and county not in ("#N/A", "N/A"):
                add(node, ns.pkg + "county", iri(self.places.county(code, county)))
        else:
            add(node, ns.pkg + "valueAsGiven", text(f"STATE: {state_text}", None))
        return node

    def _agreement(self, agreement: str, agency: str, name: str, model, model_text: str) -> None:
        ns, add = self.ns, self.quads.add
        add(agreement, RDF_TYPE, iri(ns.pkg + "Agreement"))
        label = model[1] if model else model_text
        add(agreement, RDFS_LABEL, text(f"{name}: 287(g) agreement, {label}"))
        add(agreement, ns.pkg + "issuedBy", iri(agency))
        add(agreement, ns.pkg + "counterparty", iri(ns.iri(ICE)))
        add(agreement, ns.pkg + "status", iri(ns.iri(f"vocab/agreement-status/{self.kind}")))
        if model:
            add(agreement, ns.pkg + "model", iri(ns.iri(f"vocab/activity/{model[0]}")))
        else:
            add(agreement, ns.pkg + "valueAsGiven", text(f"SUPPORT TYPE: {model_text}", None))
            self.report.unreadable.append(f"support type {model_text!r} of {name!r}")

    def _signing(self, agreement: str, agency: str, name: str, model, signed) -> None:
        ns, add = self.ns, self.quads.add
        event = agreement.replace("/id/policy/", "/id/event/") + "-signed"
        add(event, RDF_TYPE, iri(ns.pkg + "PolicyAdoption"))
        label = model[1] if model else "287(g)"
        add(event, RDFS_LABEL, text(f"{name} signs a 287(g) agreement ({label})"))
        add(event, ns.pkg + "changedPolicy", iri(agreement))
        add(event, PROV + "wasAssociatedWith", iri(agency))
        add(event, PROV + "wasAssociatedWith", iri(ns.iri(ICE)))
        add(event, ns.pkg + "reportedBy", iri(self.source))
        date = _date(signed)
        if date:
            add(event, DCT + "date", typed(date, "date"))
        elif signed not in (None, ""):
            add(event, ns.pkg + "valueAsGiven", text(f"SIGNED: {signed}", None))
            self.report.unreadable.append(f"signed {signed!r} for {name!r}")

    def _document(self, agreement: str, cell) -> None:
        target = cell.hyperlink.target if cell.hyperlink else None
        value = _clean(cell.value)
        address = _unwrap(target or (value if value.startswith("http") else ""))
        if address:
            self.quads.add(agreement, SCHEMA + "url", iri(address))


def _clean(value) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _date(value) -> str | None:
    """An xsd:date from a cell: a date, or text written m/d/yyyy; None when unreadable."""
    if isinstance(value, datetime.datetime | datetime.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, str):
        try:
            return datetime.datetime.strptime(value.strip(), "%m/%d/%Y").strftime("%Y-%m-%d")
        except ValueError:
            return None
    return None


def _unwrap(address: str) -> str:
    """The address itself, out of an Outlook "safelinks" wrapper; '' if it is no usable IRI."""
    parsed = urllib.parse.urlsplit(address.strip())
    if parsed.netloc.endswith("safelinks.protection.outlook.com"):
        wrapped = urllib.parse.parse_qs(parsed.query).get("url")
        address = wrapped[0] if wrapped else address
    address = address.strip().replace(" ", "%20")
    return address if re.fullmatch(r"https?://[^\s<>\"{}|^`\\]+", address) else ""
