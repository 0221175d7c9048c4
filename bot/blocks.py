"""Block Kit messages for each kind of turn: pure functions of a Turn and a Presentation.

Built with ``slack_sdk.models.blocks`` so Slack's per-field limits are checked when the
message is serialised; every piece of user or catalog text is capped (see
bot.presentation) so that a page of 10 results stays well inside 50 blocks and ~12k
characters. Every mrkdwn text is ``verbatim`` so Slack does not auto-link or auto-mention.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.formatting import escape, escaped, link, project_url, truncate, user_mention
from bot.outcomes import Action, Turn, TurnKind, label
from bot.presentation import (
    DESCRIPTION_CHARS,
    ECHO_CHARS,
    FALLBACK_TITLES,
    MAX_NOTES,
    MAX_TAGS,
    NOTE_CHARS,
    REQUEST_CHARS,
    TAG_CHARS,
    TITLE_CHARS,
    Presentation,
)
from bot.searchlog import OpenRef
from retrieval.alternatives import Change
from retrieval.models import SearchResponse, SearchResult, Sort
from retrieval.plurals import plural

ACTION_PREFIX = "findproject."
FEEDBACK_PREFIX = ACTION_PREFIX + "feedback."
OPEN_ACTION = ACTION_PREFIX + "open"
BUTTON_CHARS = 75
BUTTON_VALUE_CHARS = 2000
MAX_BUTTONS = 25  # per actions block
MAX_SUGGESTIONS = 5
EXPIRED = "This search has expired. Mention me or use `/findproject` to search again."
APOLOGY = "Sorry, something went wrong on my side and I could not answer that. Please try again in a moment."
PLAIN_RESULTS = 3
EXAMPLES = ["pytorch tutorials on object detection, not yolo", "newest GAN papers", "transformers for text classification"]


@dataclass(frozen=True)
class Message:
    """A chat.postMessage payload: the notification text and the blocks."""

    text: str
    blocks: list[Block]

    def payload(self) -> dict[str, Any]:
        if not self.blocks:
            return {"text": self.text}
        return {"text": self.text, "blocks": [block.to_dict() for block in self.blocks]}


def build(turn: Turn, presentation: Presentation) -> Message:
    """The message for any turn."""
    if turn.kind is TurnKind.USAGE:
        return usage(presentation)
    if turn.kind is TurnKind.NOTICE:
        return notice(escape(turn.change))
    if turn.kind is TurnKind.EXPIRED:
        return notice(EXPIRED)
    if turn.kind is TurnKind.PROMPT:
        return prompt(turn, presentation)
    assert turn.response is not None
    if turn.response.total == 0:
        return no_results(turn, turn.response, presentation)
    return results(turn, turn.response, presentation)


def usage(presentation: Presentation) -> Message:
    name = escape(presentation.bot_name)
    examples = "\n".join(f"• `{escape(e)}`" for e in EXAMPLES)
    where = "reply" if presentation.in_dm else "reply in the thread"
    text = (
        f"*{name}* finds ML projects, papers, libraries and tutorials in the catalog.\n"
        f"Mention me with a request, send it to me in a DM, or use `/findproject &lt;request&gt;`. For example:\n"
        f"{examples}\nThen {where} to refine: `only pytorch`, `not videos`, `what about keras`, `since 2021`, "
        f"`newest first`, `show 3`, `more`, `more like #2`, `undo`."
    )
    return Message(text=f"How to use {name}", blocks=[_section(text)])


def plain(turn: Turn, presentation: Presentation) -> Message:
    """The same answer as plain text, with fewer results and no buttons: what is posted
    when Slack refuses the full message (``invalid_blocks``, ``msg_too_long``)."""
    lines = []
    if presentation.asker is not None:
        lines.append(f"{user_mention(presentation.asker)} searched: {escaped(turn.request, REQUEST_CHARS)}")
    if turn.change:
        lines.append(escaped(_capitalised(turn.change), NOTE_CHARS))
    response = turn.response
    if turn.kind is TurnKind.USAGE:
        lines.append(f"{escape(presentation.bot_name)} finds ML projects: mention me with a request, or send it to me in a DM.")
    elif turn.kind is TurnKind.EXPIRED:
        lines.append(EXPIRED)
    elif response is None:
        pass
    elif response.total == 0:
        lines.append(f"No projects match {escaped(response.parsed.echo(), ECHO_CHARS)}.")
    else:
        lines.append(f"Understood: {escaped(response.parsed.echo(), ECHO_CHARS)}")
        shown = response.results[:PLAIN_RESULTS]
        for number, result in enumerate(shown, start=response.offset + 1):
            lines.append(f"{number}. {_title(result, presentation)}")
        lines.append(f"Showing {response.offset + 1}–{response.offset + len(shown)} of {response.total}.")
        if presentation.interactive:
            lines.append(hint(response, presentation))
    if presentation.invite_hint:
        lines.append(_invite_text(presentation))
    return Message(text="\n".join(lines), blocks=[])


def apology() -> Message:
    """What the user sees when their request failed for good: short, and no details."""
    return notice(APOLOGY)


def notice(text: str) -> Message:
    """A one-line message from the bot itself (its own text may use mrkdwn)."""
    return Message(text=text, blocks=[_section(text)])


def prompt(turn: Turn, presentation: Presentation) -> Message:
    text = escape(_capitalised(turn.change))
    where = "Send me" if presentation.in_dm else "Reply in this thread with"
    blocks: list[Block] = [_section(_with_header(text, turn, presentation))]
    if presentation.interactive:
        blocks.append(_context([f"{where} a new request, e.g. `pytorch tutorials on object detection`."]))
    return Message(text=text, blocks=blocks)


def results(turn: Turn, response: SearchResponse, presentation: Presentation) -> Message:
    echo = escaped(response.parsed.echo(), ECHO_CHARS)
    blocks: list[Block] = [_section(_with_header(f"*Understood:* {echo}", turn, presentation))]
    blocks += _notes(response)
    for number, result in enumerate(response.results, start=response.offset + 1):
        blocks += _result(number, result, presentation, turn.id if presentation.interactive else "")
    shown = f"Showing {response.offset + 1}–{response.offset + len(response.results)} of {response.total}"
    blocks.append(_context([shown + (" (close matches included)" if response.relaxed else "")]))
    if presentation.interactive:
        suggestions = [
            (f"add.{i}", Action(op="change", change=Change(op="add", tag=s.tag), message=turn.id), s.count)
            for i, s in enumerate(response.suggested_tags)
        ]
        buttons = _fitting(suggestions)[:MAX_SUGGESTIONS]
        if buttons:
            blocks.append(ActionsBlock(block_id="findproject-suggestions", elements=buttons))
        blocks.append(_navigation(turn, more=response.has_more))
        if turn.id:  # a vote needs the search it is about
            blocks.append(_feedback(turn))
        blocks.append(_context([hint(response, presentation)]))
    invite = _invite(presentation)
    return Message(text=_fallback(response, invite), blocks=blocks + invite)


def _feedback(turn: Turn) -> ActionsBlock:
    """ "Found it" / "Not helpful": a vote on this message's search, for the maintainers' report."""
    buttons = [
        ButtonElement(text=PlainTextObject(text=text, emoji=False), action_id=FEEDBACK_PREFIX + vote, value=turn.id)
        for vote, text in (("helpful", "Found it"), ("not_helpful", "Not helpful"))
    ]
    return ActionsBlock(block_id="findproject-feedback", elements=buttons)


def no_results(turn: Turn, response: SearchResponse, presentation: Presentation) -> Message:
    echo = escaped(response.parsed.echo(), ECHO_CHARS)
    blocks: list[Block] = [_section(_with_header(f"No projects match *{echo}*.", turn, presentation))]
    blocks += _notes(response)
    if presentation.interactive:
        alternatives = _fitting(
            [
                (f"alt.{i}", Action(op="change", change=alt.change, message=turn.id), alt.count)
                for i, alt in enumerate(turn.alternatives)
            ]
        )
        if alternatives:
            blocks.append(_context(["Try one of these instead:"]))
            blocks.append(ActionsBlock(block_id="findproject-alternatives", elements=alternatives))
        blocks.append(_navigation(turn, more=False))
        blocks.append(_context([hint(response, presentation)]))
    invite = _invite(presentation)
    return Message(text=f"No projects match {echo}.", blocks=blocks + invite)


# ---- pieces ---------------------------------------------------------------------------


def _with_header(body: str, turn: Turn, presentation: Presentation) -> str:
    """The asker and request line (slash commands), the change line (refinements), then the body."""
    lines = []
    if presentation.asker is not None:
        lines.append(f"{user_mention(presentation.asker)} searched: _{escaped(turn.request, REQUEST_CHARS)}_")
    if turn.change and turn.kind is TurnKind.RESULTS:
        lines.append(f"_{escaped(_capitalised(turn.change), NOTE_CHARS)}_")
    return "\n".join([*lines, body])


def _notes(response: SearchResponse) -> list[Block]:
    notes = [escaped(note, NOTE_CHARS) for note in response.notes[:MAX_NOTES]]
    return [_context(notes)] if notes else []


def hint(response: SearchResponse, presentation: Presentation) -> str:
    """What to reply next, from where the search stands: a tag it could narrow to or leave
    out, the other order, the next page, similar projects."""
    query = response.parsed
    taken = {*query.include_tags, *query.exclude_tags}
    tags = [s.tag for s in response.suggested_tags if s.tag not in taken]
    examples = [f"only {tags[0]}"] if tags else []
    examples += [f"not {tags[1]}"] if len(tags) > 1 else []
    examples.append("most relevant" if query.sort is Sort.NEWEST else "newest first")
    if response.has_more:
        examples.append("more")
    if response.results:
        examples.append("more like #1")
    where = "Reply to refine" if presentation.in_dm else "Reply in this thread to refine"
    return f"{where}: " + " · ".join(escape(e) for e in examples)


def _title(result: SearchResult, presentation: Presentation) -> str:
    project = result.project
    return link(project_url(project.url, project.id, presentation.url_template), escaped(project.title, TITLE_CHARS))


def _result(number: int, result: SearchResult, presentation: Presentation, search_id: str = "") -> list[Block]:
    """A result; with ``search_id``, an "Open" button whose click is logged with the rank."""
    project = result.project
    text = f"*{number}.* {_title(result, presentation)}"
    if project.description:
        text += "\n" + escaped(project.description, DESCRIPTION_CHARS)
    facts = " ".join(f"#{escaped(tag, TAG_CHARS)}" for tag in project.tags[:MAX_TAGS])
    if len(project.tags) > MAX_TAGS:
        facts += f" +{len(project.tags) - MAX_TAGS}"
    if project.created_on:
        facts = f"{facts} · {project.created_on:%Y-%m-%d}" if facts else f"{project.created_on:%Y-%m-%d}"
    url = project_url(project.url, project.id, presentation.url_template)
    section = _section(text)
    if search_id and url:
        section.accessory = ButtonElement(
            text=PlainTextObject(text="Open", emoji=False),
            action_id=OPEN_ACTION,
            url=url,
            value=OpenRef(search=search_id, project=str(project.id), rank=number).value(),
        )
    return [section] + ([_context([facts])] if facts else [])


def _navigation(turn: Turn, more: bool) -> ActionsBlock:
    """ "More results" leads to the page after this message's, so a double click shows it twice, never skips one."""
    buttons = [_button("more", Action(op="page", page=turn.page + 1, message=turn.id))] if more else []
    buttons.append(_button("reset", Action(op="reset", message=turn.id)))
    return ActionsBlock(block_id="findproject-navigation", elements=buttons)


def _fitting(buttons: list[tuple[str, Action, int]]) -> list[ButtonElement]:
    """The buttons whose action fits in a button value (a tag or word of thousands of
    characters does not; such a button could not be clicked into anything useful anyway)."""
    return [
        _button(name, action, count)
        for name, action, count in buttons
        if len(action.model_dump_json(exclude_defaults=True)) <= BUTTON_VALUE_CHARS
    ][:MAX_BUTTONS]


def _button(name: str, action: Action, count: int | None = None) -> ButtonElement:
    suffix = "" if count is None else f" ({count})"
    text = truncate(label(action), BUTTON_CHARS - len(suffix)) + suffix
    return ButtonElement(
        text=PlainTextObject(text=text, emoji=False),
        action_id=ACTION_PREFIX + name,
        value=action.model_dump_json(exclude_defaults=True),
    )


def _invite(presentation: Presentation) -> list[Block]:
    if not presentation.invite_hint:
        return []
    return [_context([_invite_text(presentation)])]


def _invite_text(presentation: Presentation) -> str:
    name = escape(presentation.bot_name)
    if presentation.sent_to_dm:
        return (
            f"I could not answer in the channel where you asked: I am not a member there. To share results "
            f"there and refine them in a thread, invite me with `/invite @{name}` in that channel."
        )
    return (
        f"Only you can see this: I am not in this conversation. To share results here and refine "
        f"them in a thread, invite me with `/invite @{name}`, or send me the request in a DM."
    )


def _fallback(response: SearchResponse, invite: list[Block]) -> str:
    """The notification text: the echo and the first titles, escaped like the blocks."""
    shown = response.results[:FALLBACK_TITLES]
    titles = "; ".join(f"{n}. {escaped(r.project.title, 80)}" for n, r in enumerate(shown, start=response.offset + 1))
    text = f"{plural(response.total, 'result')} for {escaped(response.parsed.echo(), 200)}: {titles}"
    return text + (" (only you can see this)" if invite else "")


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text, verbatim=True))


def _context(texts: list[str]) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=t, verbatim=True) for t in texts])


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]
