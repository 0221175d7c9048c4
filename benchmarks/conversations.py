"""Conversation benchmark: replay conversations through the conversation core and score every turn.

    python benchmarks/conversations.py [--cases benchmarks/cases/conversations_tuning.jsonl]
        [--catalog ../shared/data/madewithml] [--verbose] [--json OUT]

One conversation per line::

    {"id": "c1", "surface": "thread"|"dm",
     "turns": [{"from": "asker"|"other", "text": "...", "expect": EXPECT}, ...]}

The first turn is the request. Texts may hold Slack markup ("<@U0BOT>" is the bot); each
turn goes through the same cleaning and the same core as in Slack (bot/slack_text.py,
bot/conversation.py), with the real engine on the Made With ML catalog and the clock
fixed at 2026-12-01. A thread's first turn is a mention; later turns are mentions when
they mention the bot, else thread replies. A DM's turns are top-level DMs.

EXPECT and how a turn is scored:
- "ignored" / "ack": the bot says nothing and the search is unchanged. Both are silent in
  Slack, so either outcome passes either label; the report counts them apart.
- "help": the usage text, search unchanged. "not-understood": one line, search unchanged.
- an object: the conversation's search after the turn. Omitted keys are empty or the
  default. include = every tag the query asks for (a tag named by an expected keyword may be
  there too: that rule was set before the blind set was first run); exclude = excluded tags and words;
  keywords = each expected word (stemmed) among the query's keywords, phrases and tag
  words, and no extra keyword that only steers a conversation; sort, date_from, date_to,
  page (0-based), page_size (default 5) exactly. {"similar_to": n}: a "more like" search
  of the n-th result shown (the project itself left out); {"undo": true}: the search of
  two turns before (turns that changed nothing, like a "thanks", are skipped); {}: nothing
  is left of the search.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.conversation import LAST_DM, Conversation, save  # noqa: E402
from bot.events import DirectMessage, Event, Mention, ThreadReply  # noqa: E402
from bot.outcomes import Outcome, TurnKind  # noqa: E402
from bot.slack_text import read  # noqa: E402
from bot.sqlite_store import SQLiteStateStore  # noqa: E402
from bot.store import ThreadKey, ThreadState  # noqa: E402
from retrieval import replies  # noqa: E402
from retrieval.analyzer import STOP_WORDS  # noqa: E402
from retrieval.engine import SearchEngine  # noqa: E402
from retrieval.refine import positive_tags  # noqa: E402
from retrieval.vocabulary import FILLER  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "madewithml"
CASES = ROOT / "benchmarks" / "cases"
TODAY = date(2026, 12, 1)
BOT, ASKER, OTHER = "U0BOT", "U0ASKER", "U0OTHER"
PAGE_SIZE = 5
# Words that only steer a conversation: as a keyword they are a misreading.
STEERING = frozenset(
    """instead about more like similar thanks thank ok okay cool great please undo back fewer show top
    only drop remove part filter filters one ones second third first number look have u2 switch use rather try
    what how anything results""".split()
)
SILENT = ("ignored", "ack")


def load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


class Replay:
    """One conversation through the core, saving each outcome as the Slack runner would."""

    def __init__(self, engine: SearchEngine, surface: str):
        self.engine = engine
        self.store = SQLiteStateStore(":memory:", ttl_seconds=86400)
        self.conversation = Conversation(engine, self.store, PAGE_SIZE, today=lambda: TODAY)
        self.surface = surface
        self.thread = ThreadKey("T0", "C0", "100.0")
        self.key = self.thread if surface == "thread" else ThreadKey("T0", "D0", LAST_DM)
        self.turns = 0

    def state(self) -> ThreadState | None:
        return self.store.load(self.key)

    def say(self, who: str, text: str) -> Outcome:
        self.turns += 1
        user = ASKER if who == "asker" else OTHER
        said = read(text, BOT)
        event: Event
        if self.surface == "dm":
            event = DirectMessage("T0", "D0", user, f"{100 + self.turns}.0", said.text)
        elif self.turns == 1 or said.mentions_bot:
            event = Mention(self.thread, user, said.text, in_thread=self.turns > 1)
        else:
            event = ThreadReply(self.thread, user, said.text, to_someone_else=said.mentions_others)
        outcome = self.conversation.handle(event)
        save(self.store, outcome)
        return outcome


def kind_of(outcome: Outcome) -> str:
    """What the bot did, in the labels' words."""
    if outcome.turn is None:
        return "ack" if outcome.heard else "ignored"
    return {TurnKind.USAGE: "help", TurnKind.NOTICE: "not-understood"}.get(outcome.turn.kind, "search")


def expect_type(expect: Any) -> str:
    if isinstance(expect, str):
        return expect
    if expect == {}:
        return "reset"
    for special in ("similar_to", "undo"):
        if special in expect:
            return special.replace("_to", "")
    return "state"


class Scorer:
    def __init__(self, engine: SearchEngine):
        self.engine = engine
        self.analyzer = engine.analyzer

    def problems(
        self,
        expect: Any,
        outcome: Outcome,
        before: ThreadState | None,
        after: ThreadState | None,
        history: list[ThreadState | None],
        pointed: dict[str, str],
    ) -> list[str]:
        """What is wrong with one turn (empty when it is right)."""
        did = kind_of(outcome)
        if isinstance(expect, str):
            wanted = SILENT if expect in SILENT else (expect,)
            problems = [] if did in wanted else [f"expected {expect}, the bot did: {did}"]
            if _search(after) != _search(before):
                problems.append("the search changed")
            return problems
        if after is None:
            return [f"no search after the turn (the bot did: {did})"]
        if expect.get("undo"):
            return [] if _search(after) == _search(_before_last_change(history)) else ["not the search before"]
        if "similar_to" in expect:
            return self._similar(expect, after, before, pointed)
        return self._state(expect, after)

    def _similar(
        self, expect: dict[str, Any], after: ThreadState, before: ThreadState | None, pointed: dict[str, str]
    ) -> list[str]:
        rank = int(expect["similar_to"])
        if before is not None and not before.query.exclude_ids:  # the list the rank points into
            offset = before.page * (before.page_size or PAGE_SIZE)
            position = rank - 1 - offset if rank > offset else rank - 1
            if 0 <= position < len(before.shown):
                pointed["id"] = before.shown[position]
        problems = []
        if pointed.get("id") not in after.query.exclude_ids:
            problems.append(f"not a search for projects like #{rank}")
        problems += self._plain(expect, after, ("page", "page_size"))
        return problems

    def _state(self, expect: dict[str, Any], after: ThreadState) -> list[str]:
        query = after.query
        if not expect:
            return [] if query.is_empty else [f"expected nothing left, got {query.echo()}"]
        problems = []
        include = {self._tag(t) for t in expect.get("include", [])}
        # A word the label lists as a keyword may also be read as the tag it names
        # ("tutorials" -> #tutorial): the blind set's writer kept resource words as keywords.
        named = {tag for word in expect.get("keywords", []) if (tag := self.engine.parser.resolve_tag(word))}
        if not include <= set(positive_tags(query)) <= include | named:
            problems.append(f"include {sorted(include)} != {sorted(positive_tags(query))}")
        exclude = {self._tag(t) for t in expect.get("exclude", [])}
        got = {*query.exclude_tags, *query.exclude_words}
        if exclude != got:
            problems.append(f"exclude {sorted(exclude)} != {sorted(got)}")
        problems += self._keywords(expect.get("keywords", []), after)
        if expect.get("sort", "relevance") != query.sort.value:
            problems.append(f"sort {expect.get('sort', 'relevance')} != {query.sort.value}")
        for field in ("date_from", "date_to"):
            wanted = expect.get(field)
            value = getattr(query, field)
            if (value.isoformat() if value else None) != wanted:
                problems.append(f"{field} {wanted} != {value}")
        return problems + self._plain(expect, after, ("page", "page_size"))

    def _plain(self, expect: dict[str, Any], after: ThreadState, fields: tuple[str, ...]) -> list[str]:
        got = {"page": after.page, "page_size": after.page_size or PAGE_SIZE}
        defaults = {"page": 0, "page_size": PAGE_SIZE}
        return [f"{f} {expect.get(f, defaults[f])} != {got[f]}" for f in fields if expect.get(f, defaults[f]) != got[f]]

    def _keywords(self, expected: list[str], after: ThreadState) -> list[str]:
        query = after.query
        said = [*query.keywords, *query.phrases]
        have = {self._stem(w) for w in [*said, *query.tag_words]}
        missing = [w for w in expected if self._stem(w) not in have]
        wanted = {self._stem(w) for w in expected}
        filler = [w for w in said if self._stem(w) not in wanted and _steering(w)]
        return ([f"keywords missing {missing}"] if missing else []) + ([f"filler keywords {filler}"] if filler else [])

    def _stem(self, text: str) -> str:
        return " ".join(self.analyzer.stem(w) for w in text.lower().split())

    def _tag(self, tag: str) -> str:
        return self.engine.parser.resolve_tag(tag) or tag


def _before_last_change(history: list[ThreadState | None]) -> ThreadState | None:
    """The search two turns back, skipping turns that changed nothing ("thanks" before "undo")."""
    current = _search(history[-1])
    return next((state for state in reversed(history[:-1]) if _search(state) != current), None)


def _steering(word: str) -> bool:
    return all(w in STEERING or w in FILLER or w in STOP_WORDS for w in word.lower().split())


def _search(state: ThreadState | None) -> tuple[Any, ...] | None:
    """What a user sees of a conversation's search: the query, the page and its size."""
    if state is None or state.query.is_empty and not state.history:  # no search yet
        return None
    query = state.query.model_dump(exclude={"text", "notes"})
    return (json.dumps(query, sort_keys=True, default=str), state.page, state.page_size or PAGE_SIZE)


def run(engine: SearchEngine, cases: list[dict[str, Any]], verbose: bool = False) -> dict[str, Any]:
    scorer = Scorer(engine)
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    failures = []
    for case in cases:
        replay = Replay(engine, case["surface"])
        history: list[ThreadState | None] = [None]
        pointed: dict[str, str] = {}
        for number, turn in enumerate(case["turns"], start=1):
            before = replay.state()
            outcome = replay.say(turn["from"], turn["text"])
            after = replay.state()
            problems = scorer.problems(turn["expect"], outcome, before, after, history, pointed)
            history.append(after)
            kind = expect_type(turn["expect"])
            total[kind] += 1
            if problems:
                failures.append(
                    {"id": case["id"], "turn": number, "text": turn["text"], "expect": turn["expect"], "problems": problems}
                )
            else:
                right[kind] += 1
    turns = sum(total.values())
    report = {
        "conversations": len(cases),
        "turns": turns,
        "turn_accuracy": sum(right.values()) / turns if turns else 0.0,
        "by_expect": {kind: {"turns": total[kind], "accuracy": right[kind] / total[kind]} for kind in sorted(total)},
        "failures": failures,
    }
    if verbose:
        for failure in failures:
            print(f"  {failure['id']} turn {failure['turn']}: {failure['text']!r} -> {'; '.join(failure['problems'])}")
    return report


REPLY_C = [1.0, 3.0, 10.0, 30.0, 100.0]
REPLY_CONFIDENCE = [0.3, 0.4, 0.5, 0.6, 0.7]
TUNING_CONVERSATIONS = [CASES / f"conversations_tuning{n}.jsonl" for n in ("", *(str(n) for n in range(2, 25)))]


def fit_replies(catalog: Path) -> None:
    """The reply model's settings (retrieval/replies.py): C by 5-fold cross-validation over the
    example replies, then the confidence below which the rules read a reply, by turn accuracy
    on the tuning conversations (never the blind set)."""
    examples = replies.load_examples()
    for c in REPLY_C:
        accuracy = replies.cross_validated_accuracy(examples, c)
        print(f"C={c:<6g} cross-validated move accuracy on {len(examples)} example replies: {accuracy:.3f}")
    engine = SearchEngine.from_paths(catalog / "projects.json", catalog / "tags.json")
    cases = [case for path in TUNING_CONVERSATIONS for case in load(path)]
    for confidence in REPLY_CONFIDENCE:
        replies.MIN_CONFIDENCE = confidence
        report = run(engine, cases)
        print(f"min confidence {confidence}: turn accuracy {report['turn_accuracy']:.1%} on {report['turns']} tuning turns")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=Path, default=ROOT / "benchmarks" / "cases" / "conversations_tuning.jsonl")
    parser.add_argument("--catalog", type=Path, default=SHARED, help="a folder with projects.json and tags.json")
    parser.add_argument("--verbose", action="store_true", help="list every wrong turn")
    parser.add_argument("--json", type=Path, help="also write the report here")
    parser.add_argument("--fit-replies", action="store_true", help="choose the reply model's C and confidence (tuning sets)")
    args = parser.parse_args(argv)
    if not (args.catalog / "projects.json").exists():
        print(f"skipped: no catalog at {args.catalog} (the Made With ML catalog lives in ../shared/data/madewithml)")
        return 0
    if args.fit_replies:
        fit_replies(args.catalog)
        return 0
    if not args.cases.exists():
        print(f"error: no cases file at {args.cases}", file=sys.stderr)
        return 2
    engine = SearchEngine.from_paths(args.catalog / "projects.json", args.catalog / "tags.json")
    report = run(engine, load(args.cases), args.verbose)
    print(
        f"{args.cases.name}: {report['conversations']} conversations, {report['turns']} turns, "
        f"turn accuracy {report['turn_accuracy']:.1%}"
    )
    for kind, figures in report["by_expect"].items():
        print(f"  {kind:<15} {figures['accuracy']:6.1%} of {figures['turns']}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
