"""What a passage names, found without a model: organizations, people, titles, amounts of money and dates.

These are the only values a source-constrained prompt lets a model choose from, so a small model picks
what the filing says instead of writing (or copying from its worked example) what it does not. Found by
patterns and lexicons, each kept with its span in the filing; a short name is completed to the fullest form
the filing gives it ("Takeda" to "Takeda Pharmaceutical Company Limited", "Mr. Smith" to "John A. Smith").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from gender_guesser.detector import Detector  # type: ignore[import-untyped]

from eightk.text import names as normalize
from eightk.text.dates import find_dates
from eightk.text.fold import Span

# --- organizations ----------------------------------------------------------------------------------------

_SUFFIX = (
    r"(?:Inc|Incorporated|Corp|Corporation|Company|Co|LLC|L\.L\.C|Ltd|Limited|N\.A|plc|PLC|AG|GmbH|S\.A|N\.V|B\.V"
    r"|L\.P|LP|LLP|Holdings?|Group|Bancorp|Trust|Partners|INC|CORP|CORPORATION|COMPANY|LTD|LIMITED|HOLDINGS)\b\.?"
)
_ORG_WORD = r"(?:[A-Z][\w&'’.-]*|&|of|de|du|la|at|for|the)"  # not "and": "Biogen and Reata Inc." is two
_ORGANIZATION = re.compile(
    rf"\b(?!(?:LLC|Inc|Corp|Ltd|LP|AG|and|And)\b)[A-Z][\w&'’.-]*"
    rf"(?:(?:[ \t]+|[ \t]*\n[ \t]*){_ORG_WORD}){{0,6}}?,?\s+{_SUFFIX}"
)
# `Biogen Inc. ("Biogen")`, `River Acquisition, Inc. (the "Merger Sub")`: a defined short name.
_DEFINITION = re.compile(r"\s*\(\s*(?:the\s+|together,?\s+)?[“\"]([^”\"()]{1,40})[”\"]")
_LEADING = re.compile(
    r"^(?:(?:On|In|Under|Today|Pursuant|As|At|By|For|From|The|This|Effective|Also|If|Upon|Following|Each|With"
    r"|Between|And|Among|Item|Section|Exhibit|Form|January|February|March|April|May|June|July|August|September"
    r"|October|November|December)\s+)+"
)
_THE_REGISTRANT = re.compile(r"\b(?:the|our)\s+(?:Company|Registrant|Corporation)\b|\b(?:we|We|us|our)\b")


@dataclass(frozen=True)
class Mention:
    """A value a passage states: `text` as it should be recorded, `span` where the passage says it."""

    text: str
    span: Span


def _clean(name: str) -> str:
    return " ".join(_LEADING.sub("", " ".join(name.split())).split()).strip(" ,")


def organizations(text: str, start: int, end: int, registrant: str | None = None) -> list[Mention]:
    """Companies the passage names, in order, each once, by its fullest name in the whole filing."""
    full_names = defined_names(text)
    found: list[Mention] = []
    seen: set[str] = set()

    def add(name: str, span: Span) -> None:
        key = normalize.company_name(name)
        if key and key not in seen and len(name) <= 100:
            seen.add(key)
            found.append(Mention(name, span))

    hits: list[tuple[int, int, str]] = []
    for match in _ORGANIZATION.finditer(text, start, end):
        name = _clean(match.group(0))
        if name and name[0].isupper() and " " in name:
            hits.append((match.start(), match.end(), name))
    for short, full in full_names.items():
        for match in re.finditer(rf"(?<![\w-]){re.escape(short)}(?![\w-])", text[start:end]):
            hits.append((start + match.start(), start + match.end(), full))
    if registrant:
        registrant = spelled_in(registrant, text)
        for match in _THE_REGISTRANT.finditer(text, start, end):
            hits.append((match.start(), match.end(), registrant))
    for begin, finish, name in sorted(hits):
        add(spelled_in(full_names.get(name, name), text), Span(begin, finish))
    return found


def short_forms(name: str) -> list[str]:
    """How filings write a company's name after its first mention: without the corporate suffix, or by its
    first word ("Norvane Therapeutics" and "Norvane" for "Norvane Therapeutics, Inc.")."""
    bare = re.sub(rf",?\s+{_SUFFIX}$", "", name).strip() or name
    first = bare.split()[0].strip(",")
    return [bare] if first == bare or len(first) < 3 or first.lower() in _NOT_NAMES else [bare, first]


def spelled_in(name: str, text: str) -> str:
    """The filing's own mixed-case spelling of a name its cover page writes in capitals."""
    if not name.isupper():
        return name
    pattern = r"\s+".join(re.escape(word) for word in name.split())
    for match in re.finditer(pattern, text, re.IGNORECASE):
        if not match.group(0).isupper():
            return " ".join(match.group(0).split())
    return name


@lru_cache(maxsize=4)  # one scan of the whole filing, shared by all of its passages
def defined_names(text: str) -> dict[str, str]:
    """Short names the filing defines for companies, to the full name: {"Takeda": "Takeda ... Limited"}."""
    defined: dict[str, str] = {}
    for match in _ORGANIZATION.finditer(text):
        definition = _DEFINITION.match(text, match.end())
        if definition is None:
            continue
        short, full = " ".join(definition.group(1).split()), _clean(match.group(0))
        if short.lower() in {"company", "registrant", "agreement"} or short.lower().endswith("agreement"):
            continue
        defined.setdefault(short, full)
    return defined


# --- people -----------------------------------------------------------------------------------------------

_HONORIFIC = r"(?:Mr|Ms|Mrs|Dr|Messrs)\.?"
_NAME_WORD = r"(?:[A-Z][a-z]+(?:[-'’][A-Z]?[a-z]+)?|Mc[A-Z][a-z]+|O[’'][A-Z][a-z]+)"
_INITIAL = r"[A-Z]\."
_GAP = r"(?:[ \t]+|[ \t]*\n[ \t]*)"  # a name may wrap onto the next line, never across a blank line
_PERSON = re.compile(
    rf"\b(?:{_HONORIFIC}\s+)?(?P<name>{_NAME_WORD}(?:{_GAP}(?:{_INITIAL}|{_NAME_WORD})){{0,2}}{_GAP}"
    rf"(?:(?:van|von|de|der|del|da|di|le|la){_GAP})?{_NAME_WORD}(?:,?{_GAP}(?:Jr|Sr)\.|,?{_GAP}(?:II|III|IV)\b)?)"
)
_SURNAME_WITH_HONORIFIC = re.compile(rf"\b{_HONORIFIC}\s+(?:{_INITIAL}\s+)?({_NAME_WORD})")
_AGE_AFTER = re.compile(r",?\s*(?:age\s*)?(\d\d)\s*[,)]|\s*\(\s*(?:age\s*)?(\d\d)\s*\)", re.IGNORECASE)
_COMMON_CAPITALIZED = """
    the a an and of for to in on at by with from as our its his her their this that these those company
    board directors director chief officer executive president vice senior chairman chair chairwoman
    treasurer secretary controller general counsel principal financial accounting operating committee audit
    compensation nominating governance agreement merger plan item section form exhibit act securities
    exchange commission report current annual quarterly inc corporation corp llc ltd limited group holdings
    bank trust capital partners fund international global american united states national new york north
    south east west street avenue road january february march april may june july august september october
    november december monday tuesday wednesday thursday friday saturday sunday press release news announces
    announced today interim acting registrant pharmaceuticals therapeutics technologies systems
    communications services solutions software financial energy resources industries products health
    healthcare medical bio biosciences sciences university college school institute foundation association
    federal reserve nasdaq nyse stock market common shares stockholders shareholders employment letter offer
    amendment restated amended bylaws certificate notes credit facility loan senior subordinated due dollars
    million billion california delaware texas florida massachusetts washington illinois jersey pennsylvania
    ohio nevada virginia georgia carolina michigan minnesota colorado arizona oregon maryland connecticut
    london america europe asia china japan germany canada france india israel technology technologies region
    division degree science engineering clara pacific atlantic valley
"""
_NOT_NAMES = frozenset((_COMMON_CAPITALIZED + " governor senator mayor judge general admiral honorable").split())
_INITIAL_INSIDE = re.compile(rf"\s{_INITIAL}\s")


@cache
def _first_names() -> Detector:
    """A lexicon of some 40,000 given names (gender-guesser's, from PyPI), read once per process."""
    return Detector(case_sensitive=False)


def _looks_like_person(name: str, honored: set[str], age_follows: bool) -> bool:
    """Filings introduce people with an honorific, an age, a middle initial, or at least a given name."""
    if not _is_name(name):
        return False
    return (
        name.split()[-1].strip(".,") in honored
        or age_follows
        or _INITIAL_INSIDE.search(name) is not None
        or _first_names().get_gender(name.split()[0]) != "unknown"
    )


def _is_name(name: str) -> bool:
    return not any(len(word) > 2 and word.lower().strip(".,") in _NOT_NAMES for word in name.split())


@lru_cache(maxsize=4)  # one scan of the whole filing, shared by all of its passages
def _people_named(text: str) -> dict[str, str]:
    """Everyone the filing names, by comparison form, to the fullest way it writes their name."""
    honored = {match.group(1) for match in _SURNAME_WITH_HONORIFIC.finditer(text)}
    fullest: dict[str, str] = {}
    for match in _PERSON.finditer(text):
        name = re.sub(r"[’']s$", "", " ".join(match["name"].split()))
        if _looks_like_person(name, honored, _AGE_AFTER.match(text, match.end()) is not None):
            key = normalize.person_name(name)
            if len(name) > len(fullest.get(key, "")):
                fullest[key] = name
    return fullest


def people(text: str, start: int, end: int) -> list[Mention]:
    """People the passage names, in order, each once, by their fullest name in the filing.

    A run of capitalized words is a person's name when the filing also calls them "Mr./Ms./Dr. <surname>",
    gives their age after the name, writes a middle initial, or starts it with a given name; a company's or
    a place's name rarely has any of these.
    """
    fullest = _people_named(text)
    by_surname = {key.split()[-1]: full for key, full in fullest.items() if key}
    found: list[Mention] = []
    seen: set[str] = set()
    hits = [
        (m.start("name"), m.end(), fullest.get(normalize.person_name(m["name"])))
        for m in _PERSON.finditer(text, start, end)
    ]
    hits += [
        (m.start(1), m.end(1), by_surname.get(normalize.person_name(m.group(1))))
        for m in _SURNAME_WITH_HONORIFIC.finditer(text, start, end)
    ]
    for begin, finish, full in sorted(hits, key=lambda hit: hit[0]):
        if full is not None and full not in seen:
            seen.add(full)
            found.append(Mention(full, Span(begin, finish)))
    return found


def age_of(person: str, text: str) -> int | None:
    """The age a filing gives after the person's name or surname ("Jane Doe, 52," "Doe, Jr., 52," "Doe (age
    52)"), the way filings introduce a director or officer."""
    words = [word for word in person.replace(",", " ").split() if word.strip(".") not in {"Jr", "Sr", "II", "III"}]
    for name in (person, words[-1] if words else person):
        for match in re.finditer(rf"\b{re.escape(name)}\b(?:,?\s*(?:Jr|Sr)\.|,?\s*(?:II|III)\b)?", text):
            age = _AGE_AFTER.match(text, match.end())
            if age:
                return int(age.group(1) or age.group(2))
    return None


# --- titles -----------------------------------------------------------------------------------------------

_TITLE_CORE = (
    r"Chief\s+(?:[A-Z][a-z]+\s+){1,2}Officer|(?:Co-)?President|Vice\s+President|Chairman(?:\s+of\s+the\s+Board)?"
    r"|Chairwoman|Chairperson|Chair\s+of\s+the\s+Board|Lead\s+(?:Independent\s+)?Director|Treasurer|Secretary"
    r"|Controller|Comptroller|General\s+Counsel|General\s+Manager|Senior\s+Advis[eo]r"
    r"|[Pp]rincipal\s+(?:[Ee]xecutive|[Ff]inancial|[Aa]ccounting|[Oo]perating)\s+[Oo]fficer|CEO|CFO|COO|CTO"
)
_TITLE_PREFIX = r"(?:(?:Senior|Executive|Group|Corporate|Assistant|Deputy|Interim|Acting|Non-[Ee]xecutive)\s+)*"
_TITLE_AREA = r"(?:,?\s+(?:of\s+)?(?!and\b|the\b|Chief\b)(?:[A-Z][\w&-]*)(?:\s+(?:&|and)?\s*[A-Z][\w&-]*){0,2})?"
_TITLE = re.compile(rf"\b(?P<core>{_TITLE_PREFIX}(?:{_TITLE_CORE}))(?P<area>{_TITLE_AREA})")
_AREA_STOP = re.compile(
    r",?\s+(?:of\s+)?(?:Mr|Ms|Mrs|Dr|Inc|Corp|The|On|In|Effective|Company|Board)\b.*$|,?\s+of\s+[A-Z]\w+\s+(?:Inc|Corp).*$"
)
_BOARD_SEAT = re.compile(r"\bboard\s+of\s+directors\b|\bdirectors?\b", re.IGNORECASE)


def titles(text: str, start: int, end: int) -> list[Mention]:
    """Officer titles the passage states, each once; a board seat as "Director"."""
    found: dict[str, Mention] = {}
    for match in _TITLE.finditer(text, start, end):
        area = _AREA_STOP.sub("", match["area"])
        words = area.strip(" ,").removeprefix("of ").split()
        if words and _first_names().get_gender(words[0]) != "unknown":
            area = ""  # "CEO, Ned Barnholt": a person named after the title, not the title's area
        title = " ".join((match["core"] + area).split()).strip(" ,")
        key = normalize.title(title)
        if key and key not in found:
            found[key] = Mention(title, Span(match.start(), match.start() + len(title)))
    seat = _BOARD_SEAT.search(text, start, end)
    if seat is not None and "director" not in found:
        found["director"] = Mention("Director", Span(seat.start(), seat.end()))
    return sorted(found.values(), key=lambda mention: mention.span.start)[:8]


# --- amounts and dates ------------------------------------------------------------------------------------

_MONEY = re.compile(
    r"(?:(?:up\s+to|approximately|about|at\s+least|more\s+than|in\s+excess\s+of|an\s+aggregate\s+of)\s+)?"
    r"(?:US)?\$\s?\d[\d,]*(?:\.\d+)?(?:\s+(?:million|billion|thousand)\b)?"
    r"|\d[\d,]*(?:\.\d+)?\s+(?:million|billion)\s+(?:dollars|euros|pounds)",
    re.IGNORECASE,
)


def money(text: str, start: int, end: int) -> list[Mention]:
    """Amounts of money the passage states, each once, with their qualifier ("up to $40 million")."""
    found: dict[str, Mention] = {}
    for match in _MONEY.finditer(text, start, end):
        amount = " ".join(match.group(0).split())
        found.setdefault(amount, Mention(amount, Span(match.start(), match.end())))
    return list(found.values())[:8]


def dates(text: str, start: int, end: int) -> list[Mention]:
    """Calendar dates the passage states, each once, as written."""
    found: dict[str, Mention] = {}
    for begin, finish, _ in find_dates(text[start:end]):
        written = " ".join(text[start + begin : start + finish].split())
        found.setdefault(written, Mention(written, Span(start + begin, start + finish)))
    return list(found.values())[:6]
