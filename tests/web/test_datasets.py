"""The public datasets over a real server: `kg serve` loads them on an empty store, agency pages
show agreements beside policies and statements, /agencies filters them; `kg import` reports."""

from __future__ import annotations

import urllib.parse

import pytest

from kg.resources import dataset_files
from tests.conftest import http, run_kg, start_server


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    server = start_server(tmp_path_factory.mktemp("datasets") / "store", datasets=True)
    yield server
    server.stop()


def page(server, path: str) -> str:
    answer = http("GET", f"{server.url}/{path}", headers={"Accept": "text/html"})
    assert answer.status == 200, answer.text
    return answer.text


def test_an_agency_page_shows_its_agreement_beside_its_policies_and_statements(full):
    html = page(full, "id/agency/lvmpd")
    agreements = html.split("Agreements with ICE")[1].split("Statements by its people")[0]
    assert "287(g) warrant service officer model" in agreements and "2025-06-16" in agreements
    assert "participating on 2025-07-18" in agreements
    assert "serve and execute ICE administrative warrants" in agreements  # what the model allows
    assert "ICE participating 2025-07-18" in agreements  # its source
    assert "LVMPD immigration policy" in html and "That&#39;s not my job" in html


def test_agencies_filter_by_state_type_and_agreement(full):
    html = page(full, "agencies?" + urllib.parse.urlencode({"state": "NV", "with": "agreement"}))
    assert '<small class="count">(4)</small>' in html
    assert "Las Vegas Metropolitan Police Department" in html
    sheriffs = page(
        full,
        "agencies?"
        + urllib.parse.urlencode({"state": "NV", "type": "SheriffsOffice", "with": "agreement"}),
    )
    assert '<small class="count">(3)</small>' in sheriffs
    assert http("GET", f"{full.url}/agencies?with=nothing").status == 400


def test_the_endpoint_answers_the_287g_questions(full):
    query = "SELECT (COUNT(?a) AS ?n) WHERE { ?a a <https://w3id.org/policykg/ontology#Agreement> }"
    answer = http(
        "GET", f"{full.url}/sparql?" + urllib.parse.urlencode({"query": query, "format": "csv"})
    )
    assert int(answer.text.splitlines()[1]) > 1000


def test_kg_import_prints_its_reconciliation_report(tmp_path):
    store = tmp_path / "store"
    assert run_kg("load", "--seed-only", store=store).returncode == 0
    roster = run_kg("import", "fbi-lee", str(dataset_files()["fbi-lee"]), store=store)
    assert roster.returncode == 0, roster.stderr
    assert "rows read: 18,330" in roster.stdout
    assert "5 city police: matched to the graph's agencies" in roster.stdout
    july = (
        dataset_files()["ice-287g"]
        / "sheets_20250719_151637"
        / "participatingAgencies07182025pm.xlsx"
    )
    sheet = run_kg("import", "ice-287g", str(july), store=store)
    assert sheet.returncode == 0, sheet.stderr
    assert "participating-2025-07-18-pm" in sheet.stdout
    assert "832 agreement rows, 73 blank" in sheet.stdout
    assert "agencies, by kind: matched / ambiguous / unmatched" in sheet.stdout
    assert "SIGNED: 7/72025" in sheet.stdout  # a value kept as given, reported
    unmatched = run_kg("query", "--named", "unmatched-agencies", "--format", "csv", store=store)
    assert "Alachua Police Departent" in unmatched.stdout  # ICE's typo
    folder = tmp_path / "sheets_20250720_101010"
    folder.mkdir()
    (folder / "notes.txt").write_text("not a sheet")
    (folder / july.name).write_bytes(july.read_bytes())
    mixed = run_kg("import", "ice-287g", str(folder), store=store)
    assert mixed.returncode == 2 and "skipped" in mixed.stdout and "notes.txt" in mixed.stdout
    bad = run_kg("import", "ice-287g", str(folder / "notes.txt"), store=store)
    assert bad.returncode == 2 and "notes.txt" in bad.stderr
