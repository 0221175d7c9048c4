"""How a turn is shown in Slack: one object, so every builder reads the same choices."""

from __future__ import annotations

from dataclasses import dataclass

DESCRIPTION_CHARS = 280
TITLE_CHARS = 150
MAX_TAGS = 8
TAG_CHARS = 40
REQUEST_CHARS = 200
ECHO_CHARS = 600
NOTE_CHARS = 300
MAX_NOTES = 3
FALLBACK_TITLES = 5


@dataclass(frozen=True)
class Presentation:
    """The surface-specific choices; the builders do all escaping themselves.

    ``asker`` heads the message "<@U…> searched: …" (a slash command's public answer).
    ``interactive`` is off where nobody can reply or click (a response_url answer).
    ``invite_hint`` says how to invite the bot into a channel it is not in;
    ``sent_to_dm`` words it for a copy sent to the asker's DM instead.
    ``in_dm`` words the hints for a DM, where replies need no thread.
    ``url_template`` links the titles of projects without a url (PROJECT_URL_TEMPLATE).
    """

    asker: str | None = None
    interactive: bool = True
    invite_hint: bool = False
    sent_to_dm: bool = False
    bot_name: str = "FindProject"
    in_dm: bool = False
    url_template: str | None = None
