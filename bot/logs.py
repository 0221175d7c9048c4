"""Log lines on stderr: human-readable by default, one JSON object per line with LOG_FORMAT=json.

A JSON line has ``time`` (UTC, ISO 8601), ``level``, ``logger`` and ``message``, plus the
ids of the Slack request it belongs to (``event_id``, ``team``, ``channel``; see
bot.request_info) when there is one. What the messages say is the same in both formats:
tokens and secrets never, message text only at DEBUG.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

from bot import request_info

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
HANDLER_NAME = "findproject"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request = request_info.current()
        if request is not None:
            line.update(request.ids())
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line)


def start(verbose: bool) -> None:
    """Human-readable lines until the settings are read. Like basicConfig, does nothing where
    logging is set up already (under pytest, or in a host application)."""
    handler = logging.StreamHandler()
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, handlers=[handler])


def apply(level: str, log_format: str, verbose: bool = False) -> None:
    """The settings' level (unless -v asked for DEBUG) and format, on the handler :func:`start` made."""
    root = logging.getLogger()
    if not verbose:
        root.setLevel(level)
    formatter = JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    for handler in root.handlers:
        if handler.get_name() == HANDLER_NAME:
            handler.setFormatter(formatter)
