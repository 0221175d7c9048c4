"""``findproject chat``: the Slack conversation in a terminal, on the same conversation layer.

The first line is a request, later lines refine it ("only pytorch", "not videos",
"more"); ``/new`` starts over and ``/quit`` (or end of input) leaves.
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from bot.conversation import START_OVER, Conversation
from bot.conversation_models import Delivery, Turn, TurnKind
from bot.engines import open_engine
from bot.settings import load_settings
from bot.terminal import results, understood
from bot.sqlite_store import SQLiteStateStore
from bot.store import ThreadKey
from retrieval.plurals import plural

CONSOLE = ThreadKey("console", "console", "chat")
SESSION_SECONDS = 7 * 86400
USAGE = ("Type a request, e.g. 'pytorch tutorials on object detection, not yolo'.\n"
         "Then refine it: 'only pytorch', 'not videos', 'newest first', 'more'. /new starts over, /quit leaves.")


def cmd_chat(args: argparse.Namespace, out: TextIO, err: TextIO, lines: TextIO | None = None) -> int:
    settings = load_settings()
    engine = open_engine(settings, getattr(args, "catalog", None), getattr(args, "taxonomy", None), err=err)
    conversation = Conversation(engine, SQLiteStateStore(":memory:", SESSION_SECONDS), settings.results_per_page)
    source = lines or sys.stdin
    interactive = source.isatty()
    out.write(f"FindProject chat on {plural(len(engine.projects), 'project')}. {USAGE}\n")

    def deliver(turn: Turn) -> Delivery:
        out.write(render(turn) + "\n")
        out.flush()
        return Delivery(None, (CONSOLE,))

    fresh = True
    try:
        while True:
            if interactive:
                out.write("> ")
                out.flush()
            line = source.readline()
            if not line or line.strip() == "/quit":
                break
            text = line.strip()
            if text == "/new":
                fresh = True
                out.write(START_OVER + "\n")
            elif text:
                if fresh or conversation.follow(CONSOLE, text, deliver) is None:
                    conversation.start(text, deliver, (CONSOLE,))
                fresh = False
    except KeyboardInterrupt:
        out.write("\n")
    return 0


def render(turn: Turn) -> str:
    """Plain text for a terminal; catalog text is cleaned of control characters first."""
    if turn.kind is TurnKind.USAGE:
        return USAGE
    if turn.kind is TurnKind.PROMPT:
        return turn.change[:1].upper() + turn.change[1:]
    response = turn.response
    assert response is not None
    lines = [f"({turn.change})"] if turn.change else []
    lines += understood(response)
    if response.total == 0:
        lines.append("No projects match.")
        if turn.alternatives:
            lines.append("Try: " + " · ".join(f"{a.action.label()} ({a.count})" for a in turn.alternatives))
        return "\n".join(lines)
    lines += results(response)
    if response.suggested_tags:
        lines.append("Refine with: " + "  ".join(f"only {s.tag} ({s.count})" for s in response.suggested_tags))
    return "\n".join(lines)
