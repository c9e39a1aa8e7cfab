"""The FBI's Law Enforcement Employees roster: every reporting agency, with its ORI.

One row per agency: its ORI, name (a short form: a city's police department is named by its
city, a sheriff's office by its county), state, counties, type, population served and staff.
An agency the graph already has (the seed's departments) keeps its node and gains the FBI's
facts; the others get a node named by their ORI. The FBI's short name is an alternate name:
the name shown is a source's fuller one, or one PolicyKG composes (kg.service.imports.names).
An agency is typed by what its name says, then by the FBI's type (kg.service.imports.kinds): a
County row named "… County Police Department" is a county police, not a sheriff's office.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from kg.namespaces import Namespaces
from kg.service.imports import (
    RDF_TYPE,
    RDFS_LABEL,
    SCHEMA,
    ImportReport,
    Quads,
    describe_publication,
    iri,
    replace_graphs,
    text,
    typed,
)
from kg.service.imports.kinds import class_of, kind_of
from kg.service.imports.reconcile import Places, agency_index
from kg.service.imports.states import code_of
from kg.store import Store

PUBLISHER = "id/agency/fbi"


def import_roster(store: Store, ns: Namespaces, path: Path, *, year: str = "2025") -> ImportReport:
    graph = ns.iri(f"graph/fbi-lee/{year}")
    source = ns.iri(f"id/source/fbi-lee-{year}")
    report = ImportReport(f"FBI Law Enforcement Employees {year} ({path.name})", graph)
    quads = Quads(graph)
    places = Places(store, ns, quads)
    # the roster matches the agencies the sources name, not those another import minted
    imported = tuple(ns.iri(f"graph/{dataset}/") for dataset in ("fbi-lee", "ice-287g"))
    seed = agency_index(store, ns, with_ori=False, excluded=imported)
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    report.rows = len(rows)
    for row in rows:
        if not (row.get("ori") or "").strip():
            report.blank += 1
            continue
        _agency(quads, ns, places, seed, row, report)
        report.written += 1
    meta = Quads(ns.meta_graph)
    describe_publication(
        meta,
        ns,
        graph=graph,
        source=source,
        series=ns.iri("id/dataset/fbi-lee"),
        series_label="FBI Law Enforcement Employees (yearly)",
        title=f"FBI Law Enforcement Employees, data year {year}",
        publisher=ns.iri(PUBLISHER),
        issued=f"{year}-12-31",
        file=path.name,
        rows=report.rows,
        blank=report.blank,
        address="https://cde.ucr.cjis.gov/",
        key=f"FBI {year}",
    )
    meta.add(ns.iri(PUBLISHER), RDF_TYPE, iri(ns.pkg + "FederalAgency"))
    meta.add(ns.iri(PUBLISHER), RDFS_LABEL, text("Federal Bureau of Investigation"))
    meta.add(ns.iri(PUBLISHER), SCHEMA + "alternateName", text("FBI", None))
    report.quads = len(quads.lines)
    replace_graphs(store, ns, [graph], [source], quads.data() + meta.data())
    return report


def _agency(
    quads: Quads, ns: Namespaces, places: Places, seed, row: dict, report: ImportReport
) -> None:
    ori = row["ori"].strip()
    name = " ".join(row["pub_agency_name"].split()).rstrip(":,")
    code = code_of(row["state_abbr"]) or row["state_abbr"].strip()
    given = row["agency_type_name"].strip()
    kind = kind_of(name, given)
    status, found = seed.match(code, [name], kind)
    if status == "matched":
        node = found[0]
        report.reconciliation[f"{kind}: matched to the graph's agencies"] += 1
    else:
        node = ns.iri(f"id/agency/{ori.lower()}")
        report.reconciliation[f"{kind}: new"] += 1
    quads.add(node, SCHEMA + "alternateName", text(name, None))
    quads.add(node, RDF_TYPE, iri(ns.pkg + class_of(kind, given)))
    quads.add(node, ns.pkg + "ori", text(ori, None))
    quads.add(node, ns.pkg + "state", iri(places.state(code)))
    for county in row["county_name"].split(","):
        county = " ".join(county.split())
        if county and county.upper() != "NOT SPECIFIED":
            quads.add(node, ns.pkg + "county", iri(places.county(code, county)))
    for column, prop in (
        ("population", "populationServed"),
        ("officer_ct", "officers"),
        ("civilian_ct", "civilians"),
    ):
        value = (row.get(column) or "").strip()
        if value.isdigit():
            quads.add(node, ns.pkg + prop, typed(value, "integer"))
        elif value and value != "NULL":
            quads.add(node, ns.pkg + "valueAsGiven", text(f"{column}: {value}", None))
            report.unreadable.append(f"{ori} {column}={value!r}")
