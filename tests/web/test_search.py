"""Search, the front page, state pages and error pages over a real server, and in a browser."""

from __future__ import annotations

import json
import urllib.parse

import pytest

from tests.conftest import http


def search(server, text: str, **params) -> list[dict]:
    query = urllib.parse.urlencode({"q": text, "format": "json", **params})
    answer = http("GET", f"{server.url}/search?{query}")
    assert answer.status == 200, answer.text
    found = json.loads(answer.body)
    assert found["query"] == text
    return found["results"]


def test_search_answers_json_by_accept_or_format(server):
    answer = http("GET", server.url + "/search?q=LVMPD", headers={"Accept": "application/json"})
    assert answer.headers["Content-Type"].startswith("application/json")
    first = json.loads(answer.body)["results"][0]
    assert set(first) >= {"iri", "label", "kind", "state", "why"}
    assert first["iri"].endswith("/id/agency/lvmpd") and first["why"] == "alternate name"
    assert first["page"] == "/id/agency/lvmpd"
    html = http("GET", server.url + "/search?q=LVMPD", headers={"Accept": "text/html"}).text
    assert 'href="/id/agency/lvmpd"' in html and "alternate name" in html


def test_limit_and_kind(server):
    assert len(search(server, "police", limit=3)) == 3
    assert {hit["kind"] for hit in search(server, "Tisch", kind="statement")} == {"statement"}


@pytest.mark.parametrize(
    "params,message",
    [
        ({"q": ""}, "nothing to search for"),
        ({"q": "x" * 501}, "at most 500 characters"),
        ({"q": "x", "limit": "0"}, "limit must be between 1 and 100"),
        ({"q": "x", "limit": "many"}, "limit must be a number"),
        ({"q": "x", "kind": "planet"}, "unknown kind"),
        ({"q": "x", "format": "yaml"}, "unknown format"),
    ],
)
def test_bad_searches_are_400s_that_say_why(server, params, message):
    answer = http("GET", f"{server.url}/search?{urllib.parse.urlencode(params)}")
    assert answer.status == 400 and message in answer.text


@pytest.mark.parametrize(
    "text",
    [
        '"',
        "*",
        "OR",
        "NEAR(",
        "a AND (b",
        "SELECT * WHERE {",
        "'; DROP TABLE x",
        "\u0007",
        "😀",
        "警察",
    ],
)
def test_query_syntax_never_leaks(server, text):
    assert isinstance(search(server, text), list)


def test_search_by_ori_typo_and_place_over_the_datasets(full):
    assert search(full, "NV0020100")[0]["label"] == "Las Vegas Metropolitan Police Department"
    assert search(full, "NV0020100")[0]["why"] == "ORI"
    maricopa = search(full, "maricopa sherif")[0]
    assert maricopa["label"] == "Maricopa County Sheriff's Office" and maricopa["state"] == "AZ"
    assert search(full, "maricpoa county")[0]["label"] == "Maricopa County Sheriff's Office"
    assert (
        search(full, "las vegas police")[0]["label"] == "Las Vegas Metropolitan Police Department"
    )


def test_the_front_page_leads_with_search_figures_chart_and_map(full):
    html = http("GET", full.url + "/", headers={"Accept": "text/html"}).text
    assert 'action="/search"' in html
    assert '<a href="/287g"><strong>832</strong>' in html  # the latest publication's agreements
    assert 'class="program-chart"' in html and 'class="state-map"' in html
    assert '<a href="/state/FL">' in html and "Florida: 309 agreements" in html
    assert "Las Vegas Metropolitan Police Department</strong> holds" in html
    assert 'href="/query"' in html  # the editor moved, linked from the header


def test_a_state_page(full):
    html = http("GET", full.url + "/state/NV", headers={"Accept": "text/html"}).text
    assert "<h1>Nevada" in html
    assert "Las Vegas Metropolitan Police Department" in html and "warrant service officer" in html
    assert "LVMPD immigration policy" in html  # its policies
    assert http("GET", full.url + "/state/ZZ").status == 404


def test_errors_are_pages_for_a_browser_and_text_for_clients(server):
    browser = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    for path, status in [
        ("/agencies?with=nothing", 400),
        ("/search?q=", 400),
        ("/sparql?query=SELEC", 400),
    ]:
        page = http("GET", server.url + path, headers=browser)
        assert page.status == status and page.headers["Content-Type"].startswith("text/html")
        assert 'class="site-search"' in page.text and 'href="/"' in page.text
        plain = http("GET", server.url + path)
        assert plain.status == status and plain.headers["Content-Type"].startswith("text/plain")


def test_type_in_the_header_and_pick_a_suggestion(server, page):
    page.goto(server.url + "/agencies")
    page.fill("#site-search", "lvmp")
    page.wait_for_selector("#site-search-suggestions li")
    suggestions = page.locator("#site-search-suggestions li")
    assert suggestions.first.inner_text().startswith("Las Vegas Metropolitan Police Department")
    assert suggestions.count() > 1  # its policy, its events…
    page.press("#site-search", "ArrowDown")
    page.press("#site-search", "Enter")
    page.wait_for_url("**/id/agency/lvmpd")
    assert "Las Vegas Metropolitan Police Department" in page.inner_text("h1")


def test_search_without_script_is_a_form(browser, server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server.url + "/statements")
    page.fill("#site-search", "Jessica Tisch")
    page.press("#site-search", "Enter")
    page.wait_for_url("**/search?q=Jessica+Tisch")
    assert "Jessica Tisch" in page.inner_text("ol.hits")
    context.close()


def test_in_a_browser_ori_typo_map_and_error_page(full, page):
    page.goto(full.url + "/search?q=NV0020100")
    assert (
        page.locator("ol.hits li")
        .first.inner_text()
        .startswith("Las Vegas Metropolitan Police Department")
    )
    page.goto(full.url + "/search?q=maricpoa+county")
    assert "Maricopa County Sheriff" in page.locator("ol.hits li").first.inner_text()
    page.goto(full.url + "/")
    page.locator('svg.state-map a[href="/state/NV"]').click()
    page.wait_for_url("**/state/NV")
    assert page.inner_text("h1").startswith("Nevada")
    page.goto(full.url + "/agencies?with=nothing")
    assert page.inner_text("h1") == "Bad Request"
    assert page.locator("header.site #site-search").count() == 1
