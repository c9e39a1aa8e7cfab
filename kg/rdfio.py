"""Parsing RDF: checking that input parses, and saying where it does not."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

RdfInput = Path | bytes


class ParseError(ValueError):
    """RDF input that does not parse; carries where, when the parser says."""

    def __init__(
        self,
        message: str,
        *,
        source: str = "<input>",
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.message, self.source, self.line, self.column = message, source, line, column
        where = source if line is None else f"{source}:{line}:{column or 1}"
        super().__init__(f"{where}: {message}")


def source_name(data: RdfInput) -> str:
    return str(data) if isinstance(data, Path) else "<input>"


def open_input(data: RdfInput) -> BinaryIO:
    return data.open("rb") if isinstance(data, Path) else io.BytesIO(data)


def parse_error(error: Exception, data: RdfInput) -> ParseError:
    """A pyoxigraph SyntaxError (or ValueError) as a ParseError with its position."""
    line = getattr(error, "lineno", None)
    column = getattr(error, "offset", None)
    return ParseError(str(error), source=source_name(data), line=line, column=column)


def check_parses(data: RdfInput, fmt: ox.RdfFormat, *, base_iri: str | None = None) -> int:
    """Parses all of ``data`` in constant memory and returns its number of quads."""
    try:
        with open_input(data) as stream:
            return sum(1 for _ in ox.parse(stream, fmt, base_iri=base_iri))
    except (SyntaxError, ValueError) as error:
        raise parse_error(error, data) from None


class ProgressReader(io.RawIOBase):
    """Reports every chunk read, so long loads can show progress."""

    def __init__(self, stream: BinaryIO, progress: Callable[[int], None]) -> None:
        self._stream, self._progress = stream, progress

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        chunk = self._stream.read(len(buffer))
        buffer[: len(chunk)] = chunk
        self._progress(len(chunk))
        return len(chunk)


CHUNK_BYTES = 64 * 1024  # what a ChunkWriter hands on at a time


class ChunkWriter:
    """A binary file object that hands on what is written in chunks of ``size`` bytes (the
    last may be shorter: ``flush`` sends it, unless the caller takes it with ``rest``)."""

    def __init__(
        self, send: Callable[[bytes], None], size: int = CHUNK_BYTES, *, flushes: bool = True
    ) -> None:
        self._send, self._size, self._buffer = send, size, bytearray()
        # False: a serializer's closing flush keeps the rest for the caller's last message
        self._flushes = flushes
        self.sent = False  # whether a chunk has been handed on

    def write(self, data) -> int:
        self._buffer += data
        if len(self._buffer) >= self._size:
            self._hand_on()
        return len(data)

    def rest(self) -> bytes:
        """What was written and not handed on, taken out: the caller hands it on itself."""
        rest = bytes(self._buffer)
        self._buffer.clear()
        return rest

    def flush(self) -> None:
        if self._flushes:
            self._hand_on()

    def _hand_on(self) -> None:
        if self._buffer:
            self._send(bytes(self._buffer))
            self._buffer.clear()
            self.sent = True
