"""Bearer tokens for writes: who may write, checked in constant time, never logged.

Tokens come from ``KG_TOKENS`` (``name:token,name:token``) or a file named by
``KG_TOKENS_FILE`` with one ``name:token`` or ``name:sha256:HEX`` per line (the hashed form
keeps the secret out of the file). Only SHA-256 digests are kept in memory.
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


@dataclass(frozen=True)
class Tokens:
    digests: tuple[tuple[str, bytes], ...] = ()

    @classmethod
    def load(cls, spec: str, file: Path | None) -> Tokens:
        entries = [entry for entry in spec.split(",") if entry.strip()]
        if file is not None:
            lines = file.read_text(encoding="utf-8").splitlines()
            entries += [line for line in lines if line.strip() and not line.startswith("#")]
        return cls(tuple(_parse(entry.strip()) for entry in entries))

    def identify(self, presented: str) -> str | None:
        """The name of the token presented, or None. Compares against every token, so the
        time taken does not tell which (if any) matched or how much of one."""
        candidate = digest(presented)
        found = None
        for name, known in self.digests:
            if hmac.compare_digest(candidate, known):
                found = name
        return found

    def __bool__(self) -> bool:
        return bool(self.digests)


def _parse(entry: str) -> tuple[str, bytes]:
    name, separator, secret = entry.partition(":")
    if not separator or not name or not secret:
        raise TokenConfigError("a token entry must read name:token or name:sha256:HEX")
    if secret.startswith("sha256:"):
        try:
            return name, bytes.fromhex(secret.removeprefix("sha256:"))
        except ValueError:
            raise TokenConfigError(f"the sha256 digest of token {name!r} is not hex") from None
    return name, digest(secret)
