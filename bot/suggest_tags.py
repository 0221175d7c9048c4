"""`findproject suggest-tags`: projects whose own text strongly implies a tag they lack.

For catalog maintainers: an under-tagged project is missed by every search that filters or
ranks on that tag. The suggestions come from the engine's tag model (retrieval/missing_tags.py),
which is also what expands requests, so fixing a suggested tag helps both.
"""

from __future__ import annotations

import argparse
import contextlib
import json
from typing import TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bot.cli import EXIT_BAD_INPUT, EXIT_OK, build_engine
from retrieval.missing_tags import suggest_missing_tags
from retrieval.plurals import plural
from retrieval.progress import hidden
from retrieval.tagmodel import MIN_EXAMPLES


def cmd_suggest_tags(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if not 0 <= args.min_confidence <= 1:
        print("error: --min-confidence must be between 0 and 1", file=err)
        return EXIT_BAD_INPUT
    if args.limit < 1:
        print("error: --limit must be at least 1", file=err)
        return EXIT_BAD_INPUT
    with hidden() if args.json else contextlib.nullcontext():
        engine = build_engine(args.catalog, args.taxonomy, args.skip_invalid, err)
        model = engine.models.tag_model
        if model is None:
            print(f"error: the catalog has too few tagged projects to learn tags from (a tag needs {MIN_EXAMPLES})", file=err)
            return EXIT_BAD_INPUT
        found = suggest_missing_tags(engine.projects, model, engine.analyzer.terms, engine.taxonomy, args.min_confidence)
    shown = found[: args.limit]
    if args.json:
        out.write(json.dumps([s.model_dump() for s in shown], ensure_ascii=False, indent=2) + "\n")
        return EXIT_OK
    console = Console(file=out, highlight=False)
    if not found:
        console.print(f"No project lacks a tag with confidence {args.min_confidence:.2f} or more.")
        return EXIT_OK
    table = Table()
    table.add_column("id", justify="right")
    table.add_column("title")
    table.add_column("tag")
    table.add_column("confidence", justify="right")
    for suggestion in shown:
        table.add_row(Text(suggestion.id), Text(suggestion.title), Text(f"#{suggestion.tag}"), f"{suggestion.confidence:.2f}")
    console.print(table)
    more = f" (the first {len(shown)} shown; --limit for more)" if len(shown) < len(found) else ""
    console.print(f"{plural(len(found), 'suggestion')} with confidence {args.min_confidence:.2f} or more{more}.", soft_wrap=True)
    return EXIT_OK
