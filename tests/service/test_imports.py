"""The FBI roster and ICE's 287(g) sheets, imported and reconciled, checked against the files."""

from __future__ import annotations

import csv
import io
from collections import Counter

import openpyxl
import pyoxigraph as ox
import pytest
from rdflib import Literal, URIRef

from kg.resources import dataset_files
from kg.service import loading
from kg.service.gate import validate_change
from kg.service.queries import named_query, run_query, select_rows
from kg.store.embedded import EmbeddedStore
from tests.conftest import NS

SHEETS = {path.name: path for path in dataset_files()["ice-287g"]}
JULY = "participatingAgencies-2025-07-18pm.xlsx"
MAY = "participatingAgencies-2025-05-16am.xlsx"


@pytest.fixture(scope="module")
def store() -> EmbeddedStore:
    store = EmbeddedStore()
    reports = loading.load_bundled(store, NS)
    # the FBI roster first, then ICE's publications by date
    assert [r.graph.rsplit("/", 2)[-2:] for r in reports[1:]] == [
        ["pending", "2025-05-15"],
        ["participating", "2025-05-16"],
        ["participating", "2025-07-18"],
        ["pending", "2025-07-18"],
    ]
    return store


def rows_of(name: str) -> list[tuple]:
    sheet = openpyxl.load_workbook(SHEETS[name]).active
    return [
        row
        for row in sheet.iter_rows(min_row=2, values_only=True)
        if any(value not in (None, "") and str(value).strip() for value in row)
    ]


def graph_of(name: str) -> str:
    kind = "pending" if name.startswith("pending") else "participating"
    date = name.split("-", 1)[1][:10]
    return NS.iri(f"graph/ice-287g/{kind}/{date}")


def rows(store, sparql: str) -> list[dict]:
    return select_rows(store, NS, sparql)


@pytest.mark.parametrize("name", sorted(SHEETS))
def test_every_non_blank_row_becomes_an_agreement(store, name):
    found = rows(
        store,
        f"""SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE {{
        GRAPH <{graph_of(name)}> {{ ?a a pkg:Agreement }} }}""",
    )[0]["n"]
    assert int(found) == len(rows_of(name))
    described = rows(
        store,
        f"""SELECT ?rows ?blank WHERE {{ GRAPH <{NS.meta_graph}> {{
        <{graph_of(name)}> prov:wasDerivedFrom ?p . ?p pkg:rows ?rows ; pkg:blankRows ?blank }} }}""",
    )[0]
    sheet = openpyxl.load_workbook(SHEETS[name]).active
    assert int(described["rows"]) == sheet.max_row - 1
    assert int(described["rows"]) - int(described["blank"]) == len(rows_of(name))


def test_every_fbi_row_is_an_agency_with_its_ori(store):
    path = dataset_files()["fbi-lee"][0]
    with path.open(encoding="utf-8") as stream:
        oris = {row["ori"] for row in csv.DictReader(stream)}
    found = rows(
        store,
        f"""SELECT (COUNT(DISTINCT ?ori) AS ?n) WHERE {{
        GRAPH <{NS.iri("graph/fbi-lee/2025")}> {{ ?agency pkg:ori ?ori }} }}""",
    )[0]["n"]
    assert int(found) == len(oris) == 18_330


def test_the_seed_agencies_are_their_roster_rows(store):
    found = {
        row["a"].rsplit("/", 1)[-1]: row["ori"]
        for row in rows(
            store,
            """
        SELECT ?a ?ori WHERE { VALUES ?a { agency:lvmpd agency:nypd agency:chicago-pd
            agency:omaha-pd agency:stockton-pd } ?a pkg:ori ?ori }""",
        )
    }
    # as the roster has them: NV0020100 "Las Vegas Metropolitan Police Department", NY0303000
    # "New York", ILCPD0000 "Chicago", NB0280200 "Omaha" (Nebraska's prefix NB), CA0390500 "Stockton"
    assert found == {
        "lvmpd": "NV0020100",
        "nypd": "NY0303000",
        "chicago-pd": "ILCPD0000",
        "omaha-pd": "NB0280200",
        "stockton-pd": "CA0390500",
    }
    omaha_state = rows(
        store, "SELECT ?code WHERE { agency:omaha-pd pkg:state/pkg:stateCode ?code }"
    )
    assert {row["code"] for row in omaha_state} == {"NE"}


def agreement(store, agency_name: str, model: str, graph: str) -> list[dict]:
    return rows(
        store,
        f"""SELECT ?a ?agency ?signed ?document ?given ?flag WHERE {{
        GRAPH <{graph}> {{ ?a a pkg:Agreement ; pkg:issuedBy ?agency ; pkg:model act:{model}
                           OPTIONAL {{ ?a schema:url ?document }} }}
        ?agency rdfs:label|schema:alternateName "{agency_name}" .
        OPTIONAL {{ GRAPH <{graph}> {{ ?e pkg:changedPolicy ?a
                     OPTIONAL {{ ?e dct:date ?signed }} OPTIONAL {{ ?e pkg:valueAsGiven ?given }} }} }}
        OPTIONAL {{ ?agency pkg:reconciliation ?flag }} }}""",
    )


def test_hand_checked_rows(store):
    july = graph_of(JULY)
    # ALABAMA, Colbert County Sheriff's Office, Warrant Service Officer, 2025-05-08, MOA behind an
    # Outlook safelinks wrapper
    colbert = agreement(
        store, "Colbert County Sheriff's Office", "287g-warrant-service-officer", july
    )
    assert colbert[0]["signed"] == "2025-05-08"
    assert colbert[0]["document"] == (
        "https://www.ice.gov/doclib/287gMOA/ColbertCoSheriffsOfficeAL_WSO_MOA_05.08.25.pdf"
    )
    assert colbert[0]["agency"] == NS.iri("id/agency/al0200000")
    # NEVADA, Las Vegas Metropolitan Police Department, Warrant Service Officer, 2025-06-16
    lvmpd = agreement(
        store, "Las Vegas Metropolitan Police Department", "287g-warrant-service-officer", july
    )
    assert lvmpd[0]["agency"] == NS.iri("id/agency/lvmpd") and lvmpd[0]["signed"] == "2025-06-16"
    assert lvmpd[0]["document"] is None  # "link pending "


@pytest.mark.parametrize(
    "agency,typed",
    [
        ("Tooele County Sheriff's Office", "7/72025"),
        ("Campbell County Sheriff's Office", "05/082025"),
    ],
)
def test_a_date_typed_wrongly_is_kept_as_given_and_warned_about(store, agency, typed):
    found = [
        row
        for row in rows(
            store,
            f"""SELECT DISTINCT ?e ?given WHERE {{
        GRAPH <{graph_of(JULY)}> {{ ?e pkg:valueAsGiven ?given ; pkg:changedPolicy ?a }}
        ?a pkg:issuedBy/(rdfs:label|schema:alternateName) "{agency}" }}""",
        )
    ]
    assert [row["given"] for row in found] == [f"SIGNED: {typed}"]
    event = URIRef(found[0]["e"])
    report = validate_change(
        store, NS, [(event, URIRef(NS.pkg + "valueAsGiven"), Literal(found[0]["given"]))]
    )
    assert report.conforms
    assert any("could not be read" in w.message for w in report.warnings)


def test_trailing_spaces_in_models_are_read(store):
    models = Counter(" ".join(str(row[4]).split()) for row in rows_of(JULY))
    answer = {row["model"]: int(row["agreements"]) for row in _named(store, "287g-by-model")}
    assert answer == {
        "287(g) task force model": models["Task Force Model"],
        "287(g) warrant service officer model": models["Warrant Service Officer"],
        "287(g) jail enforcement model": models["Jail Enforcement Model"],
    }


def _named(store, name: str) -> list[dict]:
    result = run_query(store, named_query(name).text(NS), NS)
    names = [variable.value for variable in result.variables]
    return [{n: row[n].value if row[n] is not None else None for n in names} for row in result]


def test_287g_by_state(store):
    answer = {
        row["state"]: (int(row["agreements"]), int(row["agencies"]))
        for row in _named(store, "287g-by-state")
    }
    assert sum(agreements for agreements, _ in answer.values()) == len(rows_of(JULY))
    by_state = Counter(" ".join(str(row[0]).split()).title() for row in rows_of(JULY))
    assert answer["Florida"][0] == by_state["Florida"]
    assert answer["Nevada"] == (5, 4)  # Douglas, Las Vegas Metro, Lyon (2 models), Mineral


def test_287g_added(store):
    added = {(row["agency"], row["model"]) for row in _named(store, "287g-added")}
    # Las Vegas Metropolitan Police Department is in July's sheet, not May's
    assert (
        "Las Vegas Metropolitan Police Department",
        "287(g) warrant service officer model",
    ) in added
    # Colbert County's warrant service officer agreement was in May's sheet already
    assert not any(agency == "Colbert" and "warrant" in model for agency, model in added)


def test_stance_vs_agreements(store):
    answer = _named(store, "stance-vs-agreements")
    assert {row["agency"] for row in answer} == {"Las Vegas Metropolitan Police Department"}
    refusals = " | ".join(row["refusal"] for row in answer)
    assert "That's not my job" in refusals and "(S4)" in refusals
    assert "does not delay an inmate's release for ICE" in refusals
    assert {(row["model"], row["signed"]) for row in answer} == {
        ("287(g) warrant service officer model", "2025-06-16")
    }


def test_unmatched_agencies_are_kept_and_listed(store):
    answer = _named(store, "unmatched-agencies")
    flagged = {(row["name"], row["reconciliation"]) for row in answer}
    assert ("Alachua Police Departent", "unmatched") in flagged  # ICE's typo
    assert all(row["reconciliation"] in ("unmatched", "ambiguous") for row in answer)
    ambiguous = [row for row in answer if row["reconciliation"] == "ambiguous"]
    assert all(len(row["candidates"].split()) > 1 for row in ambiguous)


def test_importing_a_publication_again_changes_nothing():
    store = EmbeddedStore()
    loading.load_items(store, NS, loading.bundled_items(NS))
    imports = [("fbi-lee", dataset_files()["fbi-lee"][0]), ("ice-287g", SHEETS[JULY])]
    for kind, path in imports:
        loading.import_dataset(store, NS, kind, path)
    before = quads(store)
    for kind, path in reversed(imports):  # the roster last: the sheet's agencies are its nodes
        loading.import_dataset(store, NS, kind, path)
    after = quads(store)
    assert len(after) == len(before) and after == before


def quads(store) -> set[bytes]:
    output = io.BytesIO()
    store.dump(output, ox.RdfFormat.N_QUADS)
    return set(output.getvalue().splitlines())
