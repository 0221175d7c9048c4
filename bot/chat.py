"""``findproject chat``: the Slack conversation in a terminal, on the same conversation layer.

The first line is a request, later lines refine it ("only pytorch", "not videos",
"more"); ``/new`` starts over and ``/quit`` (or "quit", "exit", end of input) leaves.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TextIO

from bot.conversation import CONSOLE, START_OVER, Conversation, save
from bot.engines import open_engine
from bot.events import ConsoleLine
from bot.outcomes import Action, Turn, TurnKind, label
from bot.settings import load_settings
from bot.sqlite_store import SQLiteStateStore
from bot.stores import open_search_log
from bot.terminal import results, understood
from retrieval.plurals import plural

SESSION_SECONDS = 7 * 86400
LEAVE = {"/quit", "/exit", "quit", "exit"}  # a console's habits: nobody searches for the word alone
USAGE = (
    "Type a request, e.g. 'pytorch tutorials on object detection, not yolo'.\n"
    "Then refine it: 'only pytorch', 'not videos', 'what about keras', 'since 2021', 'newest first', "
    "'show 3', 'more', 'more like #2', 'undo'. /new starts over, /quit leaves."
)


def cmd_chat(args: argparse.Namespace, out: TextIO, err: TextIO, lines: TextIO | None = None) -> int:
    settings = load_settings()
    engine = open_engine(settings, getattr(args, "catalog", None), getattr(args, "taxonomy", None), err=err)
    store = SQLiteStateStore(":memory:", SESSION_SECONDS)
    conversation = Conversation(engine, store, settings.results_per_page)
    search_log = open_search_log(settings)
    asker = os.environ.get("USER") or "console"  # keyed like any user id before it is stored
    source = lines or sys.stdin
    interactive = source.isatty()
    out.write(f"FindProject chat on {plural(len(engine.projects), 'project')}. {USAGE}\n")
    try:
        while True:
            if interactive:
                out.write("> ")
                out.flush()
            line = source.readline()
            if not line or line.strip().lower() in LEAVE:
                break
            text = line.strip()
            if text == "/new":
                store.forget(CONSOLE)
                out.write(START_OVER + "\n")
            elif text:
                outcome = conversation.handle(ConsoleLine(text))
                turn = outcome.turn
                if turn is not None:
                    out.write(render(turn, settings.project_url_template) + "\n")
                    out.flush()
                    if turn.kind is TurnKind.RESULTS and turn.response is not None:
                        search_log.record_search(
                            turn.response,
                            request=turn.request,
                            page=turn.page,
                            surface="console",
                            team="",
                            channel="",
                            user=asker,
                            search_id=turn.id,
                        )
                save(store, outcome)
    except KeyboardInterrupt:
        out.write("\n")
    finally:
        search_log.close()
    return 0


def render(turn: Turn, url_template: str | None = None) -> str:
    """Plain text for a terminal; catalog text is cleaned of control characters first."""
    if turn.kind is TurnKind.USAGE:
        return USAGE
    if turn.kind in (TurnKind.PROMPT, TurnKind.NOTICE):
        return turn.change[:1].upper() + turn.change[1:]
    response = turn.response
    assert response is not None
    lines = [f"({turn.change})"] if turn.change else []
    lines += understood(response)
    if response.total == 0:
        lines.append("No projects match.")
        if turn.alternatives:
            lines.append(
                "Try: " + " · ".join(f"{label(Action(op='change', change=a.change))} ({a.count})" for a in turn.alternatives)
            )
        return "\n".join(lines)
    lines += results(response, url_template)
    if response.suggested_tags:
        lines.append("Refine with: " + "  ".join(f"only {s.tag} ({s.count})" for s in response.suggested_tags))
    return "\n".join(lines)
