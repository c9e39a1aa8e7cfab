"""ICE's 287(g) spreadsheets read as publications: one captured file, its date, its rows.

A publication is one file as captured: ICE's date and half-day from its name
(``participatingAgencies05162025am.xlsx`` → participating, 2025-05-16, am; the names the
project used before, ``participatingAgencies-2025-05-16am.xlsx``, read too), the capture time
from the scraper's folder (``sheets_20250519_024922`` → 2025-05-19T02:49:22Z), and the SHA-256
of its bytes. One row per agreement: state, agency, jurisdiction type, county, support model
and, for the participating agencies, the signing date and the memorandum's address (in the
cell's hyperlink). A value that cannot be read (a date typed 7/72025) is kept as given.

What the rows mean across publications — one agreement through all of them — is
kg.service.imports.history's work.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import urllib.parse
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl

from kg.service.imports.states import code_of

MODELS = {
    "jail enforcement model": "287g-jail-enforcement",
    "task force model": "287g-task-force",
    "warrant service officer": "287g-warrant-service-officer",
}
COLUMNS = {
    "participating": [
        "STATE",
        "LAW ENFORCEMENT AGENCY",
        "TYPE",
        "COUNTY",
        "SUPPORT TYPE",
        "SIGNED",
    ],
    "pending": ["STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "COUNTY", "SUPPORT TYPE"],
}
_NAME = re.compile(
    r"^(participating|pending)agencies-?(?:(\d{2})(\d{2})(\d{4})|(\d{4})-(\d{2})-(\d{2}))"
    r"(am|pm)(?:_\w+)?\.xlsx$",
    re.IGNORECASE,
)
_FOLDER = re.compile(r"^sheets_(\d{8})_(\d{6})$")


class SheetError(ValueError):
    """A file that is not one of ICE's 287(g) sheets, or one that cannot be read: the file
    and what is wrong with it."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path, self.problem = path, problem


@dataclass(frozen=True)
class Row:
    """One agreement row, as the sheet prints it (trimmed)."""

    state: str  # two letters, or "" when the state cell cannot be read
    state_as_given: str
    agency: str
    level: str  # ICE's jurisdiction type: County, Municipality, State Agency
    county: str
    model: str | None  # the activity concept's local name, None when unreadable
    model_as_given: str
    signed: str | None = None  # xsd:date
    signed_as_given: str = ""
    address: str = ""


@dataclass
class Publication:
    """One captured file of ICE's 287(g) page."""

    path: Path
    kind: str  # participating, pending
    published: str  # ICE's date, YYYY-MM-DD
    half: str  # am, pm
    captured: str | None  # xsd:dateTime, UTC; None when the file is not in a capture folder
    digest: str
    rows: list[Row] = field(default_factory=list)
    blank: int = 0
    version: int = 1  # 2, 3… for other contents captured under the same file name

    @property
    def key(self) -> str:
        """The publication's name in IRIs: participating-2025-07-03-pm, …-pm-2."""
        suffix = f"-{self.version}" if self.version > 1 else ""
        return f"{self.kind}-{self.published}-{self.half}{suffix}"

    @property
    def when(self) -> tuple[str, str, str]:
        return publication_order(self.captured, self.published, self.half)


def publication_order(captured: str | None, published: str, half: str) -> tuple[str, str, str]:
    """The order of publications: by capture, then by ICE's date and half-day (a file outside a
    capture folder is placed at the start of its half-day)."""
    return (captured or f"{published}T{'00' if half == 'am' else '12'}", published, half)


def publication_name(path: Path) -> tuple[str, str, str]:
    """(kind, ICE's date, half-day) from the file's name, or SheetError."""
    match = _NAME.match(path.name)
    if not match:
        raise SheetError(
            path,
            "not an ICE 287(g) sheet name (participatingAgencies or pendingAgencies, then "
            "MMDDYYYY and am or pm, .xlsx)",
        )
    kind = match[1].lower()
    month, day, year = match.group(2, 3, 4) if match[2] else match.group(6, 7, 5)
    try:
        published = datetime.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        raise SheetError(path, f"no such date in its name: {year}-{month}-{day}") from None
    return kind, published, match[8].lower()


def capture_time(path: Path) -> str | None:
    """The scraper's capture time, from the folder the file sits in."""
    match = _FOLDER.match(path.parent.name)
    if not match:
        return None
    stamp = datetime.datetime.strptime(match[1] + match[2], "%Y%m%d%H%M%S")
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def read_publication(path: Path) -> Publication:
    """The publication in ``path``, every row read; SheetError if it is not a readable sheet
    with the columns its kind has."""
    kind, published, half = publication_name(path)
    data = path.read_bytes()
    try:
        sheet = openpyxl.load_workbook(path).active
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as error:
        raise SheetError(path, f"not a readable spreadsheet ({error})") from None
    publication = Publication(
        path, kind, published, half, capture_time(path), hashlib.sha256(data).hexdigest()
    )
    rows = sheet.iter_rows()
    header = [_clean(cell.value).upper() for cell in next(rows, ())]
    missing = [name for name in COLUMNS[kind] if name not in header]
    if missing:
        raise SheetError(path, f"the header lacks the column(s) {', '.join(missing)}")
    at = {name: header.index(name) for name in [*COLUMNS[kind], "MOA"] if name in header}
    for cells in rows:
        values = [cell.value for cell in cells]
        if all(v is None or str(v).strip() == "" for v in values):
            publication.blank += 1
            continue
        publication.rows.append(_row(cells, at))
    return publication


def _row(cells, at: dict[str, int]) -> Row:
    def value(column: str) -> str:
        return _clean(cells[at[column]].value) if column in at and at[column] < len(cells) else ""

    model_text = value("SUPPORT TYPE")
    signed = cells[at["SIGNED"]].value if "SIGNED" in at and at["SIGNED"] < len(cells) else None
    moa = cells[at["MOA"]] if "MOA" in at and at["MOA"] < len(cells) else None
    return Row(
        state=code_of(value("STATE")) or "",
        state_as_given=value("STATE"),
        agency=value("LAW ENFORCEMENT AGENCY"),
        level=value("TYPE"),
        county=value("COUNTY"),
        model=MODELS.get(model_text.lower()),
        model_as_given=model_text,
        signed=_date(signed),
        signed_as_given=_clean(signed) if signed is not None and not _date(signed) else "",
        address=_document(moa) if moa is not None else "",
    )


_NOT_SHEETS = ("SOURCE.txt", ".DS_Store")  # a folder's notes, beside its sheets


def sheet_files(path: Path) -> list[Path]:
    """The files that may be sheets: the file itself, or a folder's files (in capture folders
    or not), its notes left out."""
    files = sorted(path.rglob("*")) if path.is_dir() else [path]
    return [file for file in files if not file.is_dir() and file.name not in _NOT_SHEETS]


def read_publications(
    files: list[Path], read: Callable[[Path], None] | None = None
) -> tuple[list[Publication], list[SheetError]]:
    """The publications in ``files``, with the files skipped and why; ``read`` is told of each
    file once read. The same name captured again with the same bytes is one publication; with
    other bytes, a later version of it."""
    found, skipped = [], []
    for file in files:
        try:
            found.append(read_publication(file))
        except SheetError as error:
            skipped.append(error)
        if read:
            read(file)
    return found, skipped


def _clean(value) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _date(value) -> str | None:
    """An xsd:date from a cell: a date, or text written m/d/yyyy; None when unreadable."""
    if isinstance(value, datetime.datetime | datetime.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, str):
        try:
            return datetime.datetime.strptime(value.strip(), "%m/%d/%Y").strftime("%Y-%m-%d")
        except ValueError:
            return None
    return None


def _document(cell) -> str:
    target = cell.hyperlink.target if cell.hyperlink else None
    value = _clean(cell.value)
    return _unwrap(target or (value if value.startswith("http") else ""))


def _unwrap(address: str) -> str:
    """The address itself, out of an Outlook "safelinks" wrapper; '' if it is no usable IRI."""
    parsed = urllib.parse.urlsplit(address.strip())
    if parsed.netloc.endswith("safelinks.protection.outlook.com"):
        wrapped = urllib.parse.parse_qs(parsed.query).get("url")
        address = wrapped[0] if wrapped else address
    address = address.strip().replace(" ", "%20")
    return address if re.fullmatch(r"https?://[^\s<>\"{}|^`\\]+", address) else ""
