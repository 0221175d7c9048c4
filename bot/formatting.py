"""Safe mrkdwn: user and catalog text goes through here before it reaches Slack.

Slack turns ``<...>`` into mentions, channel links and labelled links, and ``&`` starts an
entity, so those three characters are escaped. Control, zero-width and direction-override
characters are dropped (they can hide or reorder text), and newlines collapse so catalog
text cannot start quotes, lists or code blocks of its own. The only links the bot emits
are built by :func:`link` from a catalog url that the catalog loader already checked.

mrkdwn markers (``*``, ``_``, ``~`` and the backtick) cannot ping or link, but in user or
catalog text they would turn the bot's own layout bold, italic or into code, or close the
italics the bot wraps an echo in. Slack has no escape for them, so where one could act
as a marker (next to a space, punctuation or the end of the text) it is shown as a
look-alike character; inside a word (``snake_case``), where Slack ignores it, it stays.
"""

from __future__ import annotations

import re
from urllib.parse import quote

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_HIDDEN = re.compile(r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_SPACE = re.compile(r"\s+")
# Plain-text broadcasts ("@channel") are inert with verbatim text, but a word joiner keeps
# them inert even where Slack might parse them.
_BROADCAST = re.compile(r"@(?=(?:channel|here|everyone)\b)", re.IGNORECASE)
_SAFE_URL = re.compile(r"^https?://[^\s<>|\"'`]+$")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,30}$")
_MARKER = re.compile(r"[*_~`]")
LOOKALIKES = {"*": "\u2217", "_": "\uff3f", "~": "\u223c", "`": "\u02cb"}  # ∗ ＿ ∼ ˋ
ELLIPSIS = "…"


def clean(text: str) -> str:
    """One line of visible text: no control or invisible characters, single spaces."""
    return _SPACE.sub(" ", _HIDDEN.sub("", text or "")).strip()


def escape(text: str) -> str:
    """Text that Slack shows literally: no mentions, links, entities, broadcasts or formatting."""
    return _escape_visible(clean(text))


def _escape_visible(text: str) -> str:
    return _literal_markers(_BROADCAST.sub("@\u2060", text.translate(_ESCAPES)))


def _literal_markers(text: str) -> str:
    def literal(match: re.Match[str]) -> str:
        at = match.start()
        before = text[at - 1] if at else " "
        after = text[at + 1] if at + 1 < len(text) else " "
        return match.group() if before.isalnum() and after.isalnum() else LOOKALIKES[match.group()]

    return _MARKER.sub(literal, text)


def truncate(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a word boundary when one is near."""
    text = clean(text)
    if len(text) <= limit:
        return text
    return _at_boundary(text[: limit - 1], limit)


def escaped(text: str, limit: int) -> str:
    """Escaped text of at most ``limit`` characters, never cutting an entity in half.

    Escaping never shortens visible text, so only its first ``limit`` characters (and a
    few more, to see the word or broadcast around the cut) are escaped: a catalog
    description of 40,000 characters costs no more than one of 300.
    """
    text = text or ""
    window = 4 * limit + 64
    visible = clean(text[:window])
    if len(text) > window and len(visible) < limit + 16:  # mostly invisible characters: look at it all
        visible = clean(text)
    if len(visible) > limit + 16:
        visible = visible[: limit + 16]  # its escaped form is longer than limit: it is cut below
    result = _escape_visible(visible)
    if len(result) <= limit:
        return result
    cut = result[: limit - 1]
    entity = cut.rfind("&")
    if entity != -1 and ";" not in cut[entity:]:
        cut = cut[:entity]
    return _at_boundary(cut, limit)


def _at_boundary(cut: str, limit: int) -> str:
    """The cut text back to its last word boundary (a space or a hyphen, when one is near), then "…"."""
    boundary = max(cut.rfind(" "), cut.rfind("-"))
    if boundary >= limit * 0.6:
        cut = cut[:boundary]
    return cut.rstrip(" ,.:-") + ELLIPSIS


def link(url: str | None, label: str) -> str:
    """``<url|label>`` for a plain http(s) url; otherwise just the (already escaped) label."""
    if url and _SAFE_URL.match(url):
        return f"<{url.replace('&', '&amp;')}|{label}>"
    return label


def project_url(url: str | None, project_id: int | str, template: str | None) -> str | None:
    """The project's own url, else the template's (PROJECT_URL_TEMPLATE) with its id filled in."""
    if url or not template:
        return url
    return template.replace("{id}", quote(str(project_id), safe=""))


def user_mention(user_id: str) -> str:
    """A mention of the user who asked, only when the id looks like a real Slack user id."""
    return f"<@{user_id}>" if _USER_ID.match(user_id or "") else "Someone"
