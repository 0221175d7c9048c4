"""How many results a request asks to see: "show me 3 tutorials on gans", "top 5 gan papers",
"4 papers on rl".

A number is a count only with a cue before it (show, give, top, best...), in a last clause
that only says how many ("object tracking code, just the top 3") or, opening the request,
before a resource type the catalog names ("4 papers"): "2 stage detectors", "need 4
gpus" and "3d" stay words of the request.
"""

from __future__ import annotations

import re
from collections.abc import Callable

NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
NUMBER = r"\d{1,2}|" + "|".join(NUMBER_WORDS)  # a number of results, in digits or words
# "one" is no count of results in a request: "one-shot", "the one about gans".
_NUMBER = r"\d{1,2}|" + "|".join(w for w in NUMBER_WORDS if w != "one")
_MANY = rf"(?P<n>{_NUMBER})"
_CUED = re.compile(
    r"\b(?:(?:show|give|find|get|list|recommend|suggest|share|pick|send)(?:\s+(?:me|us))?(?:\s+(?:the|your|some))?"
    rf"(?:\s+(?:top|best|first))?|top|best|first)\s+{_MANY}\s+(?=[a-z])",
    re.IGNORECASE,
)
_LEADING = re.compile(rf"^\W*{_MANY}\s+(?P<noun>[a-z][\w-]*)", re.IGNORECASE)
# A last clause that only says how many: "object tracking code, just the top 3", "gans - 10 per page".
_SIZE_CLAUSE = re.compile(
    r"(?:[,;:]|\s[-\u2013\u2014]+)\s*(?:(?:just|only|show|show me|give me|pls|please|and)\s+)*(?:the\s+)?"
    rf"(?:(?:top|first|best)\s+(?P<n>{_NUMBER})|(?P<m>{_NUMBER})(?=\s+(?:results?|per page|at a time|a page)\b))"
    r"(?:\s+(?:results?|per page|at a time|a page|only|max|pls|please))*\W*$",
    re.IGNORECASE,
)


def take_count(text: str, is_resource: Callable[[str], bool]) -> tuple[int, str]:
    """The number of results ``text`` asks for (0: it names none) and the text without the number.
    ``is_resource``: whether a word names a resource type of the catalog ("papers")."""
    if clause := _SIZE_CLAUSE.search(text):
        return number(clause.group("n") or clause.group("m")), text[: clause.start()]
    match = _CUED.search(text)
    if match is None:
        match = _LEADING.match(text)
        if match is None or not is_resource(match.group("noun")):
            return 0, text
    return number(match.group("n")), text[: match.start("n")] + text[match.end("n") :]


def number(said: str) -> int:
    """The value of a number said in digits or in words (``NUMBER``)."""
    return int(said) if said.isdigit() else NUMBER_WORDS[said.lower()]
