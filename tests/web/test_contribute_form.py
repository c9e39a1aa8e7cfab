"""The contribution form in a real browser: admitted, or refused with the reason by the field."""

from __future__ import annotations

import pytest

from tests.conftest import CONTRIBUTOR_TOKEN, NS, TOKEN, start_server


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    server = start_server(tmp_path_factory.mktemp("form") / "store")
    yield server
    server.stop()


def fill(page, server, *, words: str, date: str, token: str = TOKEN) -> None:
    page.goto(server.url + "/contribute")
    page.fill("input[name=speaker]", "Jessica Tisch")
    page.fill("textarea[name=text]", words)
    page.fill("input[name=date]", date)
    page.select_option("select[name=source]", NS.iri("id/source/s1"))
    page.fill("input[name=token]", token)
    page.click("#statement-form button[type=submit]")


def test_a_statement_is_admitted(live, page):
    fill(page, live, words="Our officers serve every New Yorker.", date="2025-01-20")
    page.wait_for_selector("#outcome a[href^='/assertions/']")
    assert page.inner_text("#outcome").startswith("Admitted")
    page.click("#outcome a")
    page.wait_for_url("**/assertions/*")
    assert "jessica-tisch" in page.content() or "Contribution" in page.inner_text("h1")


def test_a_refusal_is_shown_next_to_the_field(live, page):
    fill(page, live, words="Said after the article was published.", date="2025-03-01")
    page.wait_for_selector(".field-error[data-for=date]:not([hidden])")
    assert "after the source that reports it" in page.inner_text(".field-error[data-for=date]")
    assert "Nothing was written" in page.inner_text("#outcome")


def test_a_wrong_token_is_shown_next_to_the_token(live, page):
    fill(page, live, words="Any words at all.", date="2025-01-20", token="wrong")
    page.wait_for_selector(".field-error[data-for=token]:not([hidden])")
    assert "not accepted" in page.inner_text(".field-error[data-for=token]")


def test_a_contributors_statement_becomes_a_proposal(live, page):
    fill(page, live, words="Proposed from the form.", date="2025-01-20", token=CONTRIBUTOR_TOKEN)
    page.wait_for_selector("#outcome:has-text('Proposed')")
    assert "wait for an editor" in page.inner_text("#outcome")
