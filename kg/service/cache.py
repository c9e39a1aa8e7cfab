"""Answers kept until the store moves: a function of the store's content, computed once per
generation (a write makes every answer stale at once) and shared by the worker's threads."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from kg.namespaces import Namespaces
from kg.store import Store

P = ParamSpec("P")
R = TypeVar("R")


def per_generation(function: Callable[..., R]) -> Callable[..., R]:
    """``function(store, ns, *args)`` computed once per generation of the store for the same
    arguments; the answers of older generations are dropped."""
    answers: dict[tuple, R] = {}
    lock = threading.Lock()

    @functools.wraps(function)
    def cached(store: Store, ns: Namespaces, *args) -> R:
        generation = store.generation
        key = (id(store), ns.base, args)
        with lock:
            found = answers.get(key)
            if found is not None and found[0] == generation:
                return found[1]
        answer = function(store, ns, *args)
        with lock:
            answers[key] = (generation, answer)
        return answer

    return cached
