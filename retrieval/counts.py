"""How many results a request asks to see: "show me 3 tutorials on gans", "top 5 gan papers",
"4 papers on rl".

A number is a count only with a cue before it (show, give, top, best...) or, opening the
request, before a resource type the catalog names ("4 papers"): "2 stage detectors", "need 4
gpus" and "3d" stay words of the request.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_MANY = r"(?P<n>\d{1,2}|two|three|four|five|six|seven|eight|nine|ten)"
_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
_CUED = re.compile(
    r"\b(?:(?:show|give|find|get|list|recommend|suggest|share|pick|send)(?:\s+(?:me|us))?(?:\s+(?:the|your|some))?"
    rf"(?:\s+(?:top|best|first))?|top|best|first)\s+{_MANY}\s+(?=[a-z])",
    re.IGNORECASE,
)
_LEADING = re.compile(rf"^\W*{_MANY}\s+(?P<noun>[a-z][\w-]*)", re.IGNORECASE)


def take_count(text: str, is_resource: Callable[[str], bool]) -> tuple[int, str]:
    """The number of results ``text`` asks for (0: it names none) and the text without the number.
    ``is_resource``: whether a word names a resource type of the catalog ("papers")."""
    match = _CUED.search(text)
    if match is None:
        match = _LEADING.match(text)
        if match is None or not is_resource(match.group("noun")):
            return 0, text
    number = match.group("n").lower()
    count = int(number) if number.isdigit() else _WORDS[number]
    return count, text[: match.start("n")] + text[match.end("n") :]
