"""Bearer tokens for writes: who may write and in which role, checked in constant time, never
logged.

Tokens come from ``KG_TOKENS`` (``name:token[:role],…``) or a file named by ``KG_TOKENS_FILE``
with one ``name:token[:role]`` or ``name:sha256:HEX[:role]`` per line (the hashed form keeps
the secret out of the file). The role is ``editor`` (writes are admitted through the gate) or
``contributor`` (writes become proposals an editor reviews); without one, ``editor``. Only
SHA-256 digests are kept in memory.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from pathlib import Path


class TokenConfigError(ValueError):
    """A token specification that cannot be read."""


def digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


EDITOR, CONTRIBUTOR = "editor", "contributor"
ROLES = (EDITOR, CONTRIBUTOR)


@dataclass(frozen=True)
class Identity:
    """Who presented a token, and in which role."""

    name: str
    role: str = EDITOR

    @property
    def is_editor(self) -> bool:
        return self.role == EDITOR


@dataclass(frozen=True)
class Tokens:
    digests: tuple[tuple[bytes, Identity], ...] = ()

    @classmethod
    def load(cls, spec: str, file: Path | None) -> Tokens:
        entries = [entry for entry in spec.split(",") if entry.strip()]
        if file is not None:
            lines = file.read_text(encoding="utf-8").splitlines()
            entries += [line for line in lines if line.strip() and not line.startswith("#")]
        return cls(tuple(_parse(entry.strip()) for entry in entries))

    def identify(self, presented: str) -> Identity | None:
        """Who holds the token presented, or None. Compares against every token, so the time
        taken does not tell which (if any) matched or how much of one."""
        candidate = digest(presented)
        found = None
        for known, identity in self.digests:
            if hmac.compare_digest(candidate, known):
                found = identity
        return found

    def __bool__(self) -> bool:
        return bool(self.digests)


def _parse(entry: str) -> tuple[bytes, Identity]:
    head, separator, last = entry.rpartition(":")
    role = last if separator and last in ROLES else EDITOR
    name, separator, secret = (head if last in ROLES else entry).partition(":")
    if not separator or not name or not secret:
        raise TokenConfigError(
            "a token entry must read name:token[:role] or name:sha256:HEX[:role]"
        )
    if secret.startswith("sha256:"):
        try:
            return bytes.fromhex(secret.removeprefix("sha256:")), Identity(name, role)
        except ValueError:
            raise TokenConfigError(f"the sha256 digest of token {name!r} is not hex") from None
    return digest(secret), Identity(name, role)
