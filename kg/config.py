"""Settings, read from the environment (``KG_*``) and overridden by command-line options."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from kg.namespaces import DEFAULT_BASE, Namespaces

DEFAULT_STORE = Path(".policykg/store")


@dataclass(frozen=True)
class Settings:
    store_path: Path = DEFAULT_STORE
    base: str = DEFAULT_BASE

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls(
            store_path=Path(env.get("KG_STORE", str(DEFAULT_STORE))),
            base=env.get("KG_BASE", DEFAULT_BASE),
        )

    def with_overrides(self, **overrides: object) -> Settings:
        """A copy with every override that is not None applied."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    @property
    def namespaces(self) -> Namespaces:
        return Namespaces(self.base)
