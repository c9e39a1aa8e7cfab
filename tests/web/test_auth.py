"""Tokens and their roles, as KG_TOKENS and KG_TOKENS_FILE spell them."""

from __future__ import annotations

import hashlib

import pytest

from kg.web.auth import CONTRIBUTOR, EDITOR, Identity, TokenConfigError, Tokens


@pytest.mark.parametrize(
    ("spec", "presented", "expected"),
    [
        ("desk:s3cret", "s3cret", Identity("desk", EDITOR)),  # no role: an editor, as before
        ("desk:s3cret:editor", "s3cret", Identity("desk", EDITOR)),
        ("reader:s3cret:contributor", "s3cret", Identity("reader", CONTRIBUTOR)),
        ("odd:a:b:c", "a:b:c", Identity("odd", EDITOR)),  # a colon inside a token stays in it
        ("odd:a:contributor", "a", Identity("odd", CONTRIBUTOR)),
        ("reader:s3cret:contributor", "s3cret:contributor", None),
        ("desk:s3cret", "wrong", None),
    ],
)
def test_a_token_names_its_holder_and_role(spec, presented, expected):
    assert Tokens.load(spec, None).identify(presented) == expected


def test_hashed_tokens_in_a_file_carry_roles(tmp_path):
    digest = hashlib.sha256(b"t0ken").hexdigest()
    file = tmp_path / "tokens"
    file.write_text(f"# comment\nreader:sha256:{digest}:contributor\ndesk:plain\n")
    tokens = Tokens.load("", file)
    assert tokens.identify("t0ken") == Identity("reader", CONTRIBUTOR)
    assert tokens.identify("plain") == Identity("desk", EDITOR)
    assert tokens.identify(digest) is None


@pytest.mark.parametrize(
    "spec", ["nameonly", "name:", ":secret", "name:contributor", "n:sha256:zz"]
)
def test_unreadable_entries_are_refused(spec):
    with pytest.raises(TokenConfigError):
        Tokens.load(spec, None)
