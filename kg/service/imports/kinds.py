"""What kind of agency a row is: read from its name first, then from the dataset's type.

The FBI's "County" type holds sheriffs and county police alike, ICE's "County" type holds
sheriffs, county police, corrections and port authorities, and ICE files some city police under
"County": the name says more than the type. Agencies are only ever matched to agencies of the
same kind (kg.service.imports.reconcile), and a kind gives the class PolicyKG types it with.
"""

from __future__ import annotations

import re

SHERIFF, COUNTY_POLICE, CITY_POLICE = "sheriff", "county police", "city police"
STATE, CAMPUS, AIRPORT, PORT = "state agency", "campus police", "airport police", "port police"
CORRECTIONS, TRIBAL, FEDERAL, OTHER = "corrections", "tribal police", "federal agency", "other"

# In order: the first kind whose words a name holds is its kind.
_BY_NAME = [
    (CAMPUS, r"\b(university|college|school|campus)\b"),
    (AIRPORT, r"\b(airport|aviation)\b"),
    (PORT, r"\b(port authority|port police|seaport|harbor|harbour)\b"),
    (CORRECTIONS, r"\b(corrections?|correctional|jail|detention)\b"),
    (TRIBAL, r"\b(tribal|tribe|pueblo|indian community|rancheria)\b"),
    (SHERIFF, r"\bsheriff'?s?\b"),
    (COUNTY_POLICE, r"\b(county|parish) police\b"),
    (
        STATE,
        r"\b(state police|state patrol|highway patrol|troopers?|national guard|"
        r"department of law enforcement|law enforcement division|bureau of investigation|"
        r"wildlife|agriculture|attorney general|environmental protection|motor vehicles)\b",
    ),
    (CITY_POLICE, r"\b(police|marshals?|constables?)\b"),
]
# The dataset's own type, where the name says nothing.
_BY_TYPE = {
    "county": SHERIFF,  # the FBI's County rows, ICE's County rows
    "state police": STATE,
    "other state agency": STATE,
    "state agency": STATE,
    "university or college": CAMPUS,
    "tribal": TRIBAL,
}
# A city's row is its police whatever its name says ("College Park", "Indian Hills"), unless the
# name is an airport's or a port's (ICE files airport police under Municipality).
_CITY_TYPES = {"city", "municipality", "municipal"}
# The type of a row that PolicyKG's classes stand for, to read an agency of the graph by.
_TYPE_OF_CLASS = {
    "SheriffsOffice": "county",
    "StateAgency": "state agency",
    "FederalAgency": "federal",
}
CLASSES = {
    SHERIFF: "SheriffsOffice",
    COUNTY_POLICE: "PoliceDepartment",
    CITY_POLICE: "PoliceDepartment",
    STATE: "StateAgency",
    FEDERAL: "FederalAgency",
}


def kind_of(name: str, dataset_type: str = "") -> str:
    """The kind of agency ``name`` is, in a row of the dataset's ``dataset_type`` (any case)."""
    lowered = " ".join(name.lower().replace("\u2019", "'").split())
    given = " ".join(dataset_type.lower().split())
    if given == "federal":
        return FEDERAL
    named = next((kind for kind, words in _BY_NAME if re.search(words, lowered)), None)
    if given in _CITY_TYPES:
        return named if named in (AIRPORT, PORT) else CITY_POLICE
    return named or _BY_TYPE.get(given, OTHER)


def class_of(kind: str, dataset_type: str = "") -> str:
    """The PolicyKG class (local name) of an agency of ``kind``: corrections of a state are a
    state agency; campus, airport, port, tribal police an "other law-enforcement agency"."""
    if kind == CORRECTIONS and "state" in dataset_type.lower():
        return "StateAgency"
    return CLASSES.get(kind, "OtherLawEnforcementAgency")


def kind_of_class(local_name: str, names: frozenset[str]) -> str:
    """The kind of an agency of the graph, from its class and every name it has."""
    if local_name == "SheriffsOffice":
        return SHERIFF
    if local_name == "PoliceDepartment":
        said = {kind_of(name) for name in names}
        return COUNTY_POLICE if COUNTY_POLICE in said else CITY_POLICE
    given = _TYPE_OF_CLASS.get(local_name, "")
    said = sorted({kind_of(name, given) for name in names} - {OTHER, CITY_POLICE})
    return said[0] if said else _BY_TYPE.get(given, OTHER)
