"""The query page in a real browser: run an example, see the rows, follow a link."""

from __future__ import annotations

from tests.conftest import http


def test_query_page_serves_its_assets_locally(server):
    html = http("GET", server.url + "/query").text
    assert "<title>Query PolicyKG</title>" in html
    assert 'name="description"' in html and 'name="viewport"' in html
    assert "http://" not in html.split("<main>")[0].replace("http://www.w3.org", "")
    for asset in ("/static/query.js", "/static/style.css", "/static/search.js"):
        assert http("GET", server.url + asset).status == 200


def test_run_an_example_and_follow_a_link(server, page):
    page.goto(server.url + "/query")
    page.get_by_role("button", name="Every statement, with speaker, date and source").click()
    page.wait_for_selector("#results table tbody tr")
    rows = page.locator("#results table tbody tr")
    assert rows.count() == 6
    assert "That's not my job" in page.inner_text("#results")
    link = page.locator("#results a[href^='/id/statement/']").first
    target = link.get_attribute("href")
    link.click()
    page.wait_for_url("**" + target)
    assert page.locator(".quote blockquote").count() == 1


def test_ctrl_enter_runs_and_errors_show_inline(server, page):
    page.goto(server.url + "/query")
    page.fill("#query", "SELECT ?x WHERE { ?x ?y }")
    page.press("#query", "Control+Enter")
    page.wait_for_selector("#error:not([hidden])")
    assert "error at 1:" in page.inner_text("#error")


def test_agency_page_to_statement_and_its_source(server, page):
    page.goto(server.url + "/id/agency/lvmpd")
    assert page.title() == "Las Vegas Metropolitan Police Department — PolicyKG"
    page.locator(".statements a[href^='/id/statement/']").first.click()
    page.wait_for_url("**/id/statement/kevin-mcmahill-2025-01-21-not-my-job")
    assert "That's not my job. I have too much to do." in page.inner_text(".quote blockquote")
    page.locator(".reported a[href='/id/source/s2']").click()
    page.wait_for_url("**/id/source/s2")
    assert "Not my job" in page.inner_text("h1")


def test_pages_fit_a_phone(server, browser):
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        mobile = phone.new_page()
        mobile.goto(server.url + "/id/agency/lvmpd")
        overflow = mobile.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1
    finally:
        phone.close()
