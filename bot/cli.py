"""The `findproject` command line: search, validate, and the bot's own commands.

Exit codes: 0 success, 1 unexpected failure, 2 bad input (catalog, settings or usage).
No command ever shows a traceback; problems are listed one per line.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.metadata
import json
import logging
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TextIO

from bot import logs
from bot.engines import open_engine
from bot.settings import SettingsError, load_settings
from bot.snapshots import add_snapshot_option, snapshot_setting
from bot.terminal import results, understood
from retrieval.catalog import load_catalog
from retrieval.engine import SearchEngine
from retrieval.missing_tags import DEFAULT_MIN_CONFIDENCE
from retrieval.models import SearchResponse
from retrieval.plurals import plural
from retrieval.problems import CatalogError, Problem, format_problems
from retrieval.progress import hidden
from retrieval.taxonomy import load_taxonomy

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2

log = logging.getLogger("findproject")


def contract(response: SearchResponse) -> dict[str, Any]:
    """The stable JSON shape documented in the README."""
    parsed = response.parsed
    return {
        "request": response.request,
        "parsed": {
            "keywords": parsed.keywords,
            "phrases": parsed.phrases,
            "include_tags": parsed.include_tags,
            "inferred_tags": parsed.inferred_tags,
            "expanded_tags": [{"tag": e.tag, "weight": e.weight, "source": e.source} for e in parsed.expanded_tags],
            "exclude_tags": parsed.exclude_tags,
            "sort": parsed.sort.value,
            "date_from": parsed.date_from.isoformat() if parsed.date_from else None,
            "date_to": parsed.date_to.isoformat() if parsed.date_to else None,
        },
        "total": response.total,
        "relaxed": response.relaxed,
        "notes": response.notes,
        "results": [
            {
                "id": r.project.id,
                "title": r.project.title,
                "description": r.project.description,
                "tags": r.project.tags,
                "created_on": r.project.created_on.isoformat() if r.project.created_on else None,
                "url": r.project.url,
                "score": round(r.score, 6),
            }
            for r in response.results
        ],
        "suggested_tags": [{"tag": s.tag, "count": s.count} for s in response.suggested_tags],
    }


def human(response: SearchResponse) -> str:
    """Numbered results with their tags, then the suggestions."""
    lines = understood(response)
    if not response.results:
        lines.append("No projects found.")
    lines += results(response)
    if response.suggested_tags:
        lines.append("Refine with: " + "  ".join(f"#{s.tag} ({s.count})" for s in response.suggested_tags))
    return "\n".join(lines)


def build_engine(catalog: Path | None, taxonomy: Path | None, skip_invalid: bool, err: TextIO) -> SearchEngine:
    """Load the catalog named on the command line, or the one in settings."""
    engine = open_engine(load_settings(), catalog, taxonomy, skip_invalid=skip_invalid, err=err)
    if engine.skipped:
        print(f"Skipped {plural(len(engine.skipped), 'invalid record')}:", file=err)
        print(format_problems(engine.skipped), file=err)
    return engine


def _add_catalog_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--catalog", type=Path, help="catalog JSON/JSONL (default: CATALOG_PATH, the demo)")
    parser.add_argument("--taxonomy", type=Path, help="tags.json taxonomy (default: TAXONOMY_PATH)")
    parser.add_argument("--skip-invalid", action="store_true", help="load the valid records, report the rest")


def cmd_search(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if not args.batch and args.request is None:
        print("error: give a REQUEST or --batch FILE", file=err)
        return EXIT_BAD_INPUT
    if args.snapshot and (args.catalog or args.taxonomy):
        print("error: give --snapshot or --catalog/--taxonomy, not both (a snapshot holds its catalog)", file=err)
        return EXIT_BAD_INPUT
    with hidden() if args.json else contextlib.nullcontext():
        engine = build_engine(args.catalog, args.taxonomy, args.skip_invalid, err)
    if args.batch:
        for request in _batch_requests(args.batch):
            response = engine.search(request, limit=args.limit, offset=args.offset)
            out.write(json.dumps(contract(response), ensure_ascii=False) + "\n")
        return EXIT_OK
    response = engine.search(args.request, limit=args.limit, offset=args.offset)
    if args.json:
        out.write(json.dumps(contract(response), ensure_ascii=False, indent=2) + "\n")
    else:
        out.write(human(response) + "\n")
    return EXIT_OK


def _batch_requests(path: str) -> Iterable[str]:
    """One request per line; blank lines are not requests."""
    handle = sys.stdin if path == "-" else open(path, encoding="utf-8")
    with handle:
        for line in handle:
            if line.strip():
                yield line.rstrip("\n")


def cmd_validate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    # Both files are read in full first, so one run lists every problem in either of them.
    problems: list[Problem] = []
    catalog = None
    try:
        catalog = load_catalog(args.catalog, skip_invalid=True)
        problems += catalog.skipped
    except CatalogError as exc:
        problems += exc.problems
    taxonomy = None
    if args.taxonomy:
        try:
            taxonomy, tax_problems = load_taxonomy(args.taxonomy, skip_invalid=True)
            problems += tax_problems
        except CatalogError as exc:
            problems += exc.problems
    if catalog is None or (problems and not args.skip_invalid) or (args.taxonomy and taxonomy is None):
        raise CatalogError(problems)
    # Tags as the search sees them: aliases and spelling variants count as their tag.
    canonical = taxonomy.canonical if taxonomy is not None else (lambda tag: tag)
    columns = catalog.catalog
    tags = {canonical(tag) for tag in columns.tag_names}
    untagged = sum(1 for _ in filter(lambda n: n == 0, map(len, columns.tag_lists())))
    out.write(f"projects: {len(columns)}\n")
    out.write(f"tags used: {len(tags)}\n")
    out.write(f"untagged projects: {untagged}\n")
    if taxonomy is not None:
        taxonomy_tags = set(taxonomy.tags)
        missing = sorted(tags - taxonomy_tags)
        out.write(f"taxonomy tags: {len(taxonomy_tags)}\n")
        out.write(f"catalog tags missing from the taxonomy: {len(missing)}\n")
        if missing:
            shown = ", ".join(missing[:20]) + (f", ... and {len(missing) - 20} more" if len(missing) > 20 else "")
            out.write(f"  {shown}\n")
    if problems:
        out.write(f"skipped {plural(len(problems), 'invalid record')}:\n{format_problems(problems)}\n")
    return EXIT_OK


Command = Callable[[argparse.Namespace, TextIO, TextIO], int]


def _bot_command(module: str, name: str) -> Command:
    """The bot's commands, imported only when run: `search` starts without Bolt and uvicorn."""

    def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
        command: Command = getattr(importlib.import_module(module), name)
        return command(args, out, err)

    return run


def _examples(*lines: str) -> dict[str, Any]:
    """The parser options that end its --help with these example command lines."""
    return {
        "epilog": "examples:\n" + "\n".join(f"  {line}" for line in lines),
        "formatter_class": argparse.RawDescriptionHelpFormatter,
    }


def _version() -> str:
    try:
        return importlib.metadata.version("findproject")
    except importlib.metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="findproject",
        description="Find ML projects, papers and tutorials.",
        **_examples(
            'findproject search "pytorch tutorials on object detection, not yolo"',
            "findproject chat",
            "findproject run",
            "findproject search --help",
        ),
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument("--version", action="version", version=f"findproject {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    search = commands.add_parser(
        "search",
        help="search the catalog",
        description="Search the catalog (the bundled demo by default).",
        **_examples(
            'findproject search "gans"',
            'findproject search --json --limit 5 "#pytorch #object-detection"',
            "findproject search --batch requests.txt --catalog projects.json --taxonomy tags.json",
        ),
    )
    search.add_argument("request", nargs="?", help='e.g. "pytorch tutorials on object detection, not yolo"')
    _add_catalog_options(search)
    search.add_argument("--limit", type=int, default=10, help="results per page (1-100, default 10)")
    search.add_argument("--offset", type=int, default=0, help="results to skip (default 0)")
    search.add_argument("--json", action="store_true", help="print the JSON contract")
    search.add_argument("--batch", metavar="FILE", help="one request per line ('-' = stdin); writes JSONL")
    add_snapshot_option(search)
    search.set_defaults(handler=cmd_search)

    index = commands.add_parser(
        "index",
        help="build a snapshot to start from",
        description="Build the search index, the tag model and a columnar catalog into one file.",
        **_examples("findproject index build --catalog projects.json --taxonomy tags.json --out catalog.snapshot"),
    )
    index_commands = index.add_subparsers(dest="index_command", metavar="COMMAND", required=True)
    build = index_commands.add_parser(
        "build",
        help="write a snapshot file",
        description="Validate the catalog, index it, train the tag model, and "
        "write all of it to one snapshot file that --snapshot FILE or SNAPSHOT_PATH starts from.",
        **_examples(
            "findproject index build --catalog projects.json --taxonomy tags.json --out catalog.snapshot",
            "findproject serve --http --workers 2 --snapshot catalog.snapshot",
        ),
    )
    build.add_argument("--catalog", type=Path, required=True, help="catalog JSON/JSONL")
    build.add_argument("--taxonomy", type=Path, help="tags.json taxonomy")
    build.add_argument("--out", type=Path, required=True, help="the snapshot file to write (replaced atomically)")
    build.add_argument("--skip-invalid", action="store_true", help="index the valid records, report the rest")
    build.set_defaults(handler=_bot_command("bot.snapshots", "cmd_index_build"))

    validate = commands.add_parser(
        "validate",
        help="check a catalog and taxonomy",
        description="Check every record; list each problem.",
        **_examples("findproject validate --catalog projects.json --taxonomy tags.json"),
    )
    validate.add_argument("--catalog", type=Path, required=True)
    validate.add_argument("--taxonomy", type=Path)
    validate.add_argument("--skip-invalid", action="store_true", help="report problems but exit 0")
    validate.set_defaults(handler=cmd_validate)

    serve = commands.add_parser(
        "serve",
        help="run the Slack bot: Socket Mode, or HTTP with --http",
        description="Run the Slack bot; the settings come from the environment or .env (see .env.example).",
        **_examples("findproject serve", "findproject serve --http --port 3000 --metrics-port 9100"),
    )
    serve.add_argument("--http", action="store_true", help="HTTP mode even when SLACK_APP_TOKEN is set")
    serve.add_argument("--host", help="HTTP mode: address to bind (default: HOST, 0.0.0.0)")
    serve.add_argument("--port", type=int, help="HTTP mode: port (default: PORT, 3000)")
    serve.add_argument(
        "--metrics-port",
        type=int,
        metavar="PORT",
        help="serve /metrics on this port, not on the Slack one (default: METRICS_PORT)",
    )
    serve.add_argument(
        "--workers", type=int, default=1, help="HTTP mode: processes sharing the port (default 1; more need STATE_URL)"
    )
    add_snapshot_option(serve)
    serve.set_defaults(handler=_bot_command("bot.server", "cmd_serve"))
    chat = commands.add_parser(
        "chat",
        help="talk to the bot in this terminal",
        description="The Slack conversation in this terminal: a request, then replies that refine it.",
        **_examples("findproject chat", "findproject chat --catalog projects.json --taxonomy tags.json"),
    )
    chat.add_argument("--catalog", type=Path, help="catalog JSON/JSONL (default: CATALOG_PATH, the demo)")
    chat.add_argument("--taxonomy", type=Path, help="tags.json taxonomy (default: TAXONOMY_PATH)")
    add_snapshot_option(chat)
    chat.set_defaults(handler=_bot_command("bot.chat", "cmd_chat"))
    run = commands.add_parser(
        "run",
        help="serve when Slack tokens are configured, else chat",
        description="Serve Slack when SLACK_BOT_TOKEN is set, else open the console chat on the catalog.",
        **_examples("findproject run"),
    )
    add_snapshot_option(run)
    run.set_defaults(handler=_bot_command("bot.server", "cmd_run"))

    report = commands.add_parser(
        "report",
        help="what people asked, what they found, and what the catalog lacks",
        description="Summarise the search log (the configured state: STATE_DB_PATH or STATE_URL). Dates are UTC.",
        **_examples(
            "findproject report",
            "findproject report --since 2024-01-01 --until 2024-01-31 --json",
            "findproject report --state state/findproject.sqlite3 --html report.html",
        ),
    )
    report.add_argument("--since", metavar="DATE", help="first day, YYYY-MM-DD (default: 30 days ago)")
    report.add_argument("--until", metavar="DATE", help="last day, YYYY-MM-DD (default: today)")
    report.add_argument("--state", type=Path, metavar="FILE", help="an SQLite state file (default: the settings')")
    _add_catalog_options(report)
    report.add_argument("--top", type=int, default=10, help="rows in each list (default 10)")
    report.add_argument("--json", action="store_true", help="print one JSON object")
    report.add_argument("--html", type=Path, metavar="FILE", help="also write a self-contained page with charts")
    report.set_defaults(handler=_bot_command("bot.report", "cmd_report"))

    suggest = commands.add_parser(
        "suggest-tags",
        help="projects whose own text strongly implies a tag they lack",
        description="Suggest missing tags, from the catalog's tag model: a project, a tag and a confidence.",
        **_examples(
            "findproject suggest-tags",
            "findproject suggest-tags --min-confidence 0.8 --json",
            "findproject suggest-tags --catalog projects.json --taxonomy tags.json --limit 100",
        ),
    )
    _add_catalog_options(suggest)
    suggest.add_argument(
        "--min-confidence",
        type=float,
        default=DEFAULT_MIN_CONFIDENCE,
        metavar="P",
        help=f"the tag model's probability, 0-1 (default {DEFAULT_MIN_CONFIDENCE})",
    )
    suggest.add_argument("--limit", type=int, default=50, help="suggestions to show (default 50)")
    suggest.add_argument("--json", action="store_true", help="print [{id, title, tag, confidence}]")
    suggest.set_defaults(handler=_bot_command("bot.suggest_tags", "cmd_suggest_tags"))
    return parser


def main(argv: list[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    parser = build_parser()
    try:
        # argparse prints usage errors and --help itself: send them to this call's streams.
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed the usage error
        return EXIT_OK if exc.code == 0 else EXIT_BAD_INPUT
    logs.start(args.verbose)
    handler: Command | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(err)
        return EXIT_BAD_INPUT
    try:
        with snapshot_setting(getattr(args, "snapshot", None)):
            return handler(args, out, err)
    except CatalogError as exc:
        count = plural(len(exc.problems), "problem")
        print(f"error: {count} in the catalog or taxonomy; nothing was loaded:", file=err)
        print(format_problems(exc.problems), file=err)
        return EXIT_BAD_INPUT
    except (SettingsError, OSError) as exc:
        print(f"error: {exc}", file=err)
        return EXIT_BAD_INPUT
    except UnicodeDecodeError as exc:  # a --batch file that is not UTF-8
        print(f"error: cannot read input as UTF-8: {exc}", file=err)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return EXIT_FAILURE
    except Exception as exc:  # last resort: a clear line, the details only in debug logs
        log.debug("unexpected failure", exc_info=True)
        print(f"error: unexpected failure: {exc.__class__.__name__}: {exc}", file=err)
        return EXIT_FAILURE


if __name__ == "__main__":
    raise SystemExit(main())
