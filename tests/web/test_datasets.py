"""The public datasets over a real server: `kg serve` loads them on an empty store, agency pages
show agreements beside policies and statements, /agencies filters them; `kg import` reports."""

from __future__ import annotations

import urllib.parse

from kg.resources import dataset_files
from tests.conftest import http, run_kg


def page(server, path: str) -> str:
    answer = http("GET", f"{server.url}/{path}", headers={"Accept": "text/html"})
    assert answer.status == 200, answer.text
    return answer.text


def agreements_of(server, agency: str) -> str:
    html = page(server, f"id/agency/{agency}")
    return html.split("Agreements with ICE")[1].split("Statements by its people")[0]


def test_an_agency_page_shows_its_agreement_beside_its_policies_and_statements(full):
    html = page(full, "id/agency/lvmpd")
    agreements = agreements_of(full, "lvmpd")
    assert "287(g) warrant service officer model" in agreements
    assert "Signed <time>2025-06-16</time>" in agreements
    assert '<span class="status status-participating">participating</span>' in agreements
    assert "serve and execute ICE administrative warrants" in agreements  # what the model allows
    assert "ICE 287(g) record" in agreements and "ICE participating 2025-07-18 pm" in agreements
    # its listing history as a strip: pending from 2025-06-03 am, then participating
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="strip"' in agreements
    assert "first listed 2025-06-03 am, last 2025-07-18 pm" in agreements
    assert "2025-06-03 am (pending): lists it" in agreements
    assert "2025-05-16 am (participating): does not list it" in agreements
    assert "LVMPD immigration policy" in html and "That&#39;s not my job" in html


def test_sources_that_disagree_are_shown_with_their_sources(full):
    agreements = agreements_of(full, "ky0590000")  # Kenton County Sheriff's Office
    disagreement = agreements.split("Sources disagree on the signing date:")[1].split("</p>")[0]
    assert "<time>2025-05-02</time>" in disagreement and "<time>2025-05-06</time>" in disagreement
    assert "ICE participating 2025-05-16 am" in disagreement  # the first to print 05-06
    event = page(full, "id/event/287g-ky0590000-287g-jail-enforcement-signed")
    assert "2025-05-02" in event and "2025-05-06" in event


def test_the_287g_page_draws_the_program_over_time(full):
    html = page(full, "287g")
    assert "571 agreements of participating agencies on 2025-05-16 am" in html
    assert "832 on 2025-07-18 pm" in html
    chart = html.split('class="program-chart"')[1].split("</svg>")[0]
    assert chart.count("<polyline") == 6  # three models, participating and pending
    assert "participating: task force: 415 in the latest" in chart
    assert "Johnson County Sheriff&#39;s Office" in html  # added on 2025-07-18 pm
    assert "Berrian County Sheriff&#39;s Offic" in html  # no longer listed
    address = html.split('download="287g-publications.csv"')[0].rsplit('href="', 1)[1]
    csv = http("GET", full.url + address.split('"')[0].replace("&amp;", "&"))
    assert csv.status == 200 and csv.text.splitlines()[0].strip() == (
        "publication,kind,published,captured,agreements"
    )
    assert len(csv.text.strip().splitlines()) == 65


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
    pkg = "https://w3id.org/policykg/ontology#"

    def count(where: str) -> int:
        query = f"SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE {{ {where} }}"
        answer = http(
            "GET", f"{full.url}/sparql?" + urllib.parse.urlencode({"query": query, "format": "csv"})
        )
        return int(answer.text.splitlines()[1])

    # one node per agreement, however many publications list it
    agreements = count(f"?a a <{pkg}Agreement> ; <{pkg}listedIn> ?p")
    assert agreements == count(f"?a <{pkg}listedIn> ?p") and agreements > 832


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
