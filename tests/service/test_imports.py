"""The FBI roster and every ICE 287(g) publication, imported and reconciled, checked against the
files."""

from __future__ import annotations

import csv
import io
import shutil
from collections import Counter
from pathlib import Path

import openpyxl
import pyoxigraph as ox
import pytest
from rdflib import Literal, URIRef

from kg.resources import dataset_files
from kg.service import loading
from kg.service.imports.ice_287g import SheetError, read_publications, sheet_files
from kg.service.publish.export import store_dataset
from kg.service.query.queries import named_query, run_query, select_rows
from kg.service.write.gate import validate_change
from kg.service.write.validation import validate
from kg.store.embedded import EmbeddedStore
from tests.conftest import NS

HISTORY = dataset_files()["ice-287g"]
SHEETS = sorted(HISTORY.rglob("*.xlsx"))
JULY = HISTORY / "sheets_20250719_151637" / "participatingAgencies07182025pm.xlsx"
MAY = HISTORY / "sheets_20250519_024922" / "participatingAgencies05162025am.xlsx"
TWICE = [
    HISTORY / "sheets_20250703_151805" / "participatingAgencies07032025pm.xlsx",
    HISTORY / "sheets_20250704_151659" / "participatingAgencies07032025pm.xlsx",
]


@pytest.fixture(scope="module")
def store() -> EmbeddedStore:
    store = EmbeddedStore()
    loading.load_bundled(store, NS)
    return store


def rows_of(path: Path) -> list[tuple]:
    sheet = openpyxl.load_workbook(path).active
    return [
        row
        for row in sheet.iter_rows(min_row=2, values_only=True)
        if any(value not in (None, "") and str(value).strip() for value in row)
    ]


def rows(store, sparql: str) -> list[dict]:
    return select_rows(store, NS, sparql)


def named(store, name: str) -> list[dict]:
    result = run_query(store, named_query(name).text(NS), NS)
    names = [variable.value for variable in result.variables]
    return [{n: row[n].value if row[n] is not None else None for n in names} for row in result]


def test_the_bundled_graph_conforms_to_its_shapes(store):
    # on the two-snapshot graph, 8 signing events had two dates in the union: a violation
    report = validate(store_dataset(store), NS)
    assert report.violations == []


def test_every_captured_file_is_a_publication(store):
    publications = named(store, "287g-publications")
    assert len(SHEETS) == 64 and len(publications) == 64
    assert Counter(p["kind"] for p in publications) == {"participating": 29, "pending": 35}
    captured = [p["captured"] for p in publications]
    assert captured == sorted(captured)
    by_file = {}
    for path in SHEETS:
        by_file.setdefault(path.name, []).append(len(rows_of(path)))
    # the same name captured twice with other contents: two publications, the later version 2
    twice = [
        p
        for p in publications
        if p["published"] == "2025-07-03 pm" and p["kind"] == "participating"
    ]
    assert [int(p["agreements"]) for p in twice] == [753, 777] == by_file[TWICE[0].name]
    assert twice[1]["publication"].endswith("participating-2025-07-03-pm-2")
    assert sum(int(p["agreements"]) for p in publications) == sum(map(len, map(rows_of, SHEETS)))


def test_every_agreement_row_is_a_listing(store):
    listings = named(store, "287g-listings")
    assert len(listings) == sum(len(rows_of(path)) for path in SHEETS)
    july = [
        r for r in listings if r["published"] == "2025-07-18 pm" and r["kind"] == "participating"
    ]
    assert Counter(r["agency_name"] for r in july) == Counter(
        " ".join(str(row[1]).split()) for row in rows_of(JULY)
    )
    assert {r["model"] for r in listings} == {
        "jail enforcement",
        "task force",
        "warrant service officer",
    }


def test_one_agreement_through_every_publication(store):
    # LVMPD's warrant service officer agreement: one node, pending on ICE's 2025-06-03 sheet,
    # then participating (signed 2025-06-16) to the last
    found = rows(
        store,
        """SELECT ?a (COUNT(DISTINCT ?p) AS ?n) ?first ?series ?status WHERE {
        ?a pkg:issuedBy agency:lvmpd ; pkg:model act:287g-warrant-service-officer ;
           pkg:listedIn ?p ; pkg:firstListedIn ?f ; pkg:status ?status .
        ?f dct:issued ?first ; dct:isVersionOf ?series }
        GROUP BY ?a ?first ?series ?status""",
    )
    assert len(found) == 1 and found[0]["status"].endswith("/participating")
    assert (found[0]["first"], found[0]["series"]) == (
        "2025-06-03",
        NS.iri("id/dataset/ice-287g-pending"),
    )
    # an agreement pending in May and participating in July stays one node
    moved = rows(
        store,
        """SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE {
        ?a pkg:listedIn ?pending , ?participating .
        ?pending dct:isVersionOf dataset:ice-287g-pending .
        ?participating dct:isVersionOf dataset:ice-287g-participating }""",
    )
    assert int(moved[0]["n"]) > 50


def test_a_changed_signing_date_is_a_disagreement_not_a_violation(store):
    # Kenton County Sheriff's Office, jail enforcement: 2025-05-02 in early sheets, 05-06 later
    found = [
        row
        for row in named(store, "source-disagreements")
        if row["subject"] == NS.iri("id/event/287g-ky0590000-287g-jail-enforcement-signed")
    ]
    assert {row["value"] for row in found} == {"2025-05-02", "2025-05-06"}
    assert all("ICE participating" in row["sources"] for row in found)


@pytest.mark.parametrize(
    "agency,ori",
    [
        # the sheriffs matched to their county's police before: the sheriff's row now
        ("Gaston County Sheriff's Office", "NC0360000"),
        ("Kenton County Sheriff's Office", "KY0590000"),
        ("Glynn County Sheriff's Office", "GA0630000"),
        ("Horry County Sheriff's Office", "SC0260000"),
        ("Floyd County Sheriff's Office", "GA0570000"),
        ("Okeechobee Police Department", "FL0470100"),  # filed by ICE as County: a city's
        ("Okeechobee County Sheriff's Office", "FL0470000"),
        # ten more, checked by hand in both files, across kinds and states
        ("University of Florida Police Department", "FL0010600"),  # campus
        ("Melbourne Police Department", "FL0050700"),  # a city among Melbourne Beach, West M.
        ("Melbourne International Airport Police Department", "FL0051800"),  # airport
        ("Broward County Sheriff's Office", "FL0060000"),
        ("Colbert County Sheriff's Office", "AL0200000"),
        ("West Melbourne Police Department", "FL0051600"),
        ("Melbourne Beach Police Department", "FL0050800"),
        ("Kodiak Police Department", "AK0010500"),
        ("Las Vegas Metropolitan Police Department", "NV0020100"),
        ("Lee County Port Authority Police", "FL0360400"),  # port
    ],
)
def test_agencies_are_matched_by_kind(store, agency, ori):
    found = rows(
        store,
        f"""SELECT DISTINCT ?ori WHERE {{ ?a pkg:nameAsListed "{agency}" ; pkg:issuedBy ?agency .
        ?agency pkg:ori ?ori }}""",
    )
    assert [row["ori"] for row in found] == [ori]


def test_an_agency_several_rows_could_be_stays_ambiguous(store):
    found = rows(
        store,
        """SELECT ?status (COUNT(DISTINCT ?c) AS ?n) WHERE {
        ?a pkg:nameAsListed "Florida Department of Law Enforcement" ; pkg:issuedBy ?agency .
        ?agency pkg:reconciliation ?status ; pkg:candidate ?c } GROUP BY ?status""",
    )
    assert found[0]["status"] == "ambiguous" and int(found[0]["n"]) > 1


def test_county_police_rows_are_police_not_sheriffs(store):
    found = rows(store, "SELECT ?class WHERE { ?a pkg:ori 'NC0360500' ; a ?class }")
    assert {row["class"].rsplit("#", 1)[-1] for row in found} == {"PoliceDepartment"}


def test_names_people_read(store):
    labels = {
        row["ori"]: row["label"]
        for row in rows(
            store,
            """SELECT ?ori ?label WHERE { VALUES ?ori { "FL0060000" "NV0030000" "NV0100000" "CA0010100" }
            ?a pkg:ori ?ori ; rdfs:label ?label }""",
        )
    }
    assert labels["FL0060000"] == "Broward County Sheriff's Office"  # ICE's name
    assert labels["NV0030000"] == "Douglas County Sheriff's Office"  # ICE's name
    # where only the FBI names it: composed, in PolicyKG's own graph, never the FBI's
    composed = rows(
        store,
        """SELECT ?label ?g WHERE { GRAPH ?g { ?a rdfs:label ?label } ?a pkg:ori "CA0010100" }""",
    )
    assert [(row["label"], row["g"]) for row in composed] == [
        ("Alameda Police Department", NS.iri("graph/policykg/names"))
    ]
    bare = rows(
        store,
        """SELECT (COUNT(DISTINCT ?agency) AS ?n) WHERE {
        ?a pkg:status status:participating ; pkg:issuedBy ?agency .
        ?agency rdfs:label ?label ; schema:alternateName ?label }""",
    )
    assert bare[0]["n"] == "0"  # no agency holding an agreement is shown by the FBI's short form


def test_hand_checked_rows(store):
    colbert = rows(
        store,
        """SELECT DISTINCT ?document ?signed WHERE {
        ?a pkg:issuedBy agency:al0200000 ; pkg:model act:287g-warrant-service-officer ;
           schema:url ?document .
        ?e pkg:changedPolicy ?a ; dct:date ?signed }""",
    )
    assert colbert == [
        {
            "document": "https://www.ice.gov/doclib/287gMOA/ColbertCoSheriffsOfficeAL_WSO_MOA_05.08.25.pdf",
            "signed": "2025-05-08",
        }
    ]


@pytest.mark.parametrize(
    "agency,typed",
    [
        ("Tooele County Sheriff's Office", "7/72025"),
        ("Campbell County Sheriff's Office", "05/082025"),
    ],
)
def test_a_date_typed_wrongly_is_kept_as_given_and_warned_about(store, agency, typed):
    found = rows(
        store,
        f"""SELECT DISTINCT ?e ?given WHERE {{
        ?a pkg:nameAsListed "{agency}" . ?e pkg:changedPolicy ?a ; pkg:valueAsGiven ?given }}""",
    )
    assert f"SIGNED: {typed}" in [row["given"] for row in found]
    event = URIRef(found[0]["e"])
    report = validate_change(
        store, NS, [(event, URIRef(NS.pkg + "valueAsGiven"), Literal(found[0]["given"]))]
    )
    assert report.conforms
    assert any("could not be read" in w.message for w in report.warnings)


def test_the_latest_publication_by_model_and_state(store):
    models = Counter(" ".join(str(row[4]).split()) for row in rows_of(JULY))
    answer = {row["model"]: int(row["agreements"]) for row in named(store, "287g-by-model")}
    assert answer == {
        "287(g) task force model": models["Task Force Model"],
        "287(g) warrant service officer model": models["Warrant Service Officer"],
        "287(g) jail enforcement model": models["Jail Enforcement Model"],
    }
    by_state = {r["state"]: int(r["agreements"]) for r in named(store, "287g-by-state")}
    assert sum(by_state.values()) == len(rows_of(JULY))


def test_timeline_and_removed(store):
    timeline = named(store, "287g-timeline")
    first = sum(int(r["agreements"]) for r in timeline if r["published"] == "2025-05-16 am")
    assert first == len(rows_of(MAY)) == 571
    removed = named(store, "287g-removed")
    assert removed and all(r["last_listed"] < "2025-07-18 pm" for r in removed)
    # St. Cloud's second row (signed 2025-04-15) is dropped on 2025-07-09 pm
    assert any(r["agreement"].endswith("-2025-04-15") for r in removed)


def test_stance_vs_agreements(store):
    answer = named(store, "stance-vs-agreements")
    assert {row["agency"] for row in answer} == {"Las Vegas Metropolitan Police Department"}
    refusals = " | ".join(row["refusal"] for row in answer)
    assert "That's not my job" in refusals and "(S4)" in refusals
    assert {(row["model"], row["signed"]) for row in answer} == {
        ("287(g) warrant service officer model", "2025-06-16")
    }


def test_every_fbi_row_is_an_agency_with_its_ori(store):
    with dataset_files()["fbi-lee"].open(encoding="utf-8") as stream:
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
            """SELECT ?a ?ori WHERE { VALUES ?a { agency:lvmpd agency:nypd agency:chicago-pd
            agency:omaha-pd agency:stockton-pd } ?a pkg:ori ?ori }""",
        )
    }
    assert found == {
        "lvmpd": "NV0020100",
        "nypd": "NY0303000",
        "chicago-pd": "ILCPD0000",
        "omaha-pd": "NB0280200",
        "stockton-pd": "CA0390500",
    }


def quads(store) -> set[bytes]:
    output = io.BytesIO()
    store.dump(output, ox.RdfFormat.N_QUADS)
    return set(output.getvalue().splitlines())


def test_importing_publications_again_changes_nothing():
    store = EmbeddedStore()
    loading.load_items(store, NS, loading.bundled_items(NS))
    loading.import_dataset(store, NS, "fbi-lee", dataset_files()["fbi-lee"])
    for path in (MAY, *TWICE):
        loading.import_dataset(store, NS, "ice-287g", path)
    before = quads(store)
    for path in (TWICE[1], MAY):
        loading.import_dataset(store, NS, "ice-287g", path)
    assert quads(store) == before
    versions = rows(
        store,
        "SELECT ?v WHERE { ?p pkg:version ?v ; pkg:file 'participatingAgencies07032025pm.xlsx' }",
    )
    assert sorted(row["v"] for row in versions) == ["1", "2"]


def test_bad_files_are_named_and_skipped(tmp_path):
    folder = tmp_path / "sheets_20250720_101010"
    folder.mkdir()
    shutil.copy(MAY, folder / MAY.name)
    (folder / "notes.txt").write_text("not a sheet")
    (folder / "participatingAgencies13452025am.xlsx").write_bytes(MAY.read_bytes())  # no such date
    (folder / "pendingAgencies07012025pm.xlsx").write_bytes(b"PK not a workbook")
    headless = openpyxl.Workbook()
    headless.active.append(["STATE", "LAW ENFORCEMENT AGENCY", "TYPE"])
    headless.save(folder / "pendingAgencies07022025am.xlsx")
    found, skipped = read_publications(sheet_files(tmp_path))
    assert [p.path.name for p in found] == [MAY.name]
    assert found[0].captured == "2025-07-20T10:10:10Z"
    problems = {error.path.name: error.problem for error in skipped}
    assert set(problems) == {
        "notes.txt",
        "participatingAgencies13452025am.xlsx",
        "pendingAgencies07012025pm.xlsx",
        "pendingAgencies07022025am.xlsx",
    }
    assert "COUNTY, SUPPORT TYPE" in problems["pendingAgencies07022025am.xlsx"]
    with pytest.raises(SheetError, match=r"notes\.txt"):
        loading.import_dataset(EmbeddedStore(), NS, "ice-287g", folder / "notes.txt")
