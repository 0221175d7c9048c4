"""Replies to a search read as intents: paging, undo, swaps, drops, dates, "more like #2"...

Each intent is a cue and a slot ("what about <X>", "use <X> instead of <Y>", "drop the
<X> part"); the slot is read by the request parser, so tags are recognised from the
catalog's own vocabulary and nothing here lists topics. Misspelt words are first respelt
from the reply model's examples ("onyl pytorch"). A reply is read in this order:
whole-reply commands (more, undo, start over, help, a sort), an acknowledgement
("thanks"), a page size, "more like the second one" (and what it asks of them: "but in
jax"), a drop, a lifted exclusion ("keras is fine", "don't exclude keras"), a question about
a result shown, an order the catalog cannot give, the reply model (retrieval/replies.py), a
date range, words that only ask for an order ("is there newer?"), a swap, a new request, an
exclusion, an addition, and last a bare fragment; a reply that reads as nothing whole is
read clause by clause (never inside a range of years).

Words a refinement adds narrow the search: they become phrases, which every result must
contain (BM25 alone is OR, so added keywords would only widen it). A reply that reads as
nothing is NOT_UNDERSTOOD and leaves the search alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from enum import Enum

from pydantic import BaseModel

from retrieval.analyzer import STOP_WORDS, singular
from retrieval.counts import NUMBER, NUMBER_WORDS, take_count
from retrieval.dates import range_spans, take_dates
from retrieval.models import Query, Sort
from retrieval.parser import MAX_REQUEST_CHARS, RequestParser, spell_out
from retrieval.replies import EDIT, doubts_a_change, pokes_the_bot, read_move, respelled
from retrieval.vocabulary import CATEGORY_WORDS, FILLER

# The tag lists a reply edits (expanded_tags are the search's own guesses, filled in by each search).
TAG_FIELDS = ("include_tags", "inferred_tags", "exclude_tags")
POSITIVE_TAG_FIELDS = ("include_tags", "inferred_tags")
WORD_FIELDS = ("keywords", "tag_words", "phrases")
MAX_PAGE_SIZE = 10
# The software an "any framework" reply lets go of, and a swap trades one for another.
FRAMEWORK_TAGS = frozenset(
    {
        "pytorch",
        "tensorflow",
        "keras",
        "jax",
        "flax",
        "mxnet",
        "caffe",
        "chainer",
        "theano",
        "scikit-learn",
        "fastai",
        "huggingface",
        "pytorch-lightning",
        "tensorflow-js",
        "tensorflow-lite",
        "onnx",
        "paddlepaddle",
        "spacy",
        "xgboost",
        "lightgbm",
    }
)
ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "1st": 1,
    "2nd": 2,
    "3rd": 3,
    "4th": 4,
    "5th": 5,
    "6th": 6,
    "7th": 7,
    "8th": 8,
    "9th": 9,
    "10th": 10,
    **NUMBER_WORDS,
}
# An ordinal that cannot be a count: "second", "3rd" (not "two", "three").
_ORDINAL = "|".join(w for w in ORDINALS if not w.isalpha() or w.endswith(("st", "nd", "rd", "th")))
# Social replies: an acknowledgement is made only of these (and stop words).
ACK_WORDS = frozenset(
    """
    thanks thank thx ty tnx cheers ok okay k kk cool great nice awesome perfect excellent amazing wonderful neat
    sweet brilliant fantastic good lovely super gotcha noted sure yes yep yeah yup alright right fine lol haha hah
    hehe wow interesting helpful useful exactly indeed appreciated appreciate much lot looks look sounds will check
    got done needed need man mate bot again works work worked love like cool helps helped bunch tons ton np one
    """.split()
)
NOT_UNDERSTOOD = (
    "I could not tell how to change the search from that, so it is unchanged. Try: only pytorch · "
    "not videos · what about keras · since 2021 · show 3 · more like #2 · undo · start over."
)
ABOUT_RESULTS = (
    "I can only search the catalog, not answer questions about a result. The search is unchanged. "
    "Try: more like #2 · only pytorch · undo."
)
UNSUPPORTED = (
    "I can only search the catalog: find, narrow, page and reorder projects. The search is unchanged. "
    "Try: only pytorch · not videos · more · undo · start over."
)
NO_SUCH_ORDER = "I can show the newest first, the oldest first or the most relevant first; the search is unchanged."
_NUMBER = rf"(?:{NUMBER})"


class RefinementKind(str, Enum):
    NEW = "new"  # a new request replaces the search
    CHANGE = "change"  # the query changed
    NEXT_PAGE = "next_page"
    PAGE = "page"  # a page by its number
    PREVIOUS_PAGE = "previous_page"
    PAGE_SIZE = "page_size"
    UNDO = "undo"
    RESET = "reset"
    SIMILAR = "similar"  # projects like the one at ``rank``
    HELP = "help"
    ACK = "ack"  # "thanks": nothing to do
    NOT_UNDERSTOOD = "not_understood"


class Refinement(BaseModel):
    kind: RefinementKind
    query: Query
    change: str = ""  # one line for the user: "added #pytorch", "next page"
    # Whether the reply reads as a refinement on its own (a cue), as opposed to a bare
    # fragment merged in by default. A top-level DM refines only when True.
    explicit: bool = True
    # Whether only the reply's everyday words narrow it, with no cue, tag or exclusion ("haha fair"):
    # talk, in a thread, unless it is said to the bot.
    words_only: bool = False
    page_size: int | None = None
    page: int | None = None  # PAGE: 0-based
    rank: int | None = None
    # SIMILAR: what the reply asks of the similar projects ("more like #1 but in jax": "in jax"),
    # read on the similar search once it is made.
    then: str = ""


def _phrases(spec: str) -> str:
    return "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in spec.split("|"))


def _whole(spec: str) -> re.Pattern[str]:
    return re.compile(rf"^(?:{_phrases(spec)})$")


_COMMANDS: list[tuple[re.Pattern[str], RefinementKind, Sort | None]] = [
    (
        _whole(
            "more|next|show more|more results|next page|more please|show me more|keep going|continue|go on|"
            "more of these|more of those|more of them|next one|next ones|load more|see more|any more|anymore|"
            "what else|anything else|others|other|another|other ones|page down"
        ),
        RefinementKind.NEXT_PAGE,
        None,
    ),
    (  # "can you show a few more?", "got a couple more"
        re.compile(
            r"^(?:(?:show|give|get|send|got|see|load|list)\s+(?:me\s+|us\s+)?)?(?:a\s+few|some|a\s+couple(?:\s+of)?|a\s+bit|few|"
            r"a\s+handful|\d|two|three|five)\s+more(?:\s+(?:results?|ones?|projects?|of\s+(?:these|those|them)))?$"
        ),
        RefinementKind.NEXT_PAGE,
        None,
    ),
    (
        _whole("previous|prev|previous page|page back|last page|back a page|previous results|page up"),
        RefinementKind.PREVIOUS_PAGE,
        None,
    ),
    (
        re.compile(
            r"^(?:undo|revert|go back|back|take (?:that|it) back|step back|back up|never mind that|scratch that)"
            r"(?:\s+(?:that|it|this|last|the last (?:change|step|one|search)|the change|one step|"
            r"to (?:the )?(?:previous|last|earlier|old|original|prior)(?:\s+(?:search|one|results|query|list|"
            r"version))?))?$"
        ),
        RefinementKind.UNDO,
        None,
    ),
    (
        _whole(
            "reset|start over|clear|start again|new search|restart|clear all|start from scratch|begin again|"
            "forget it|forget all that|from scratch|over"
        ),
        RefinementKind.RESET,
        None,
    ),
    (
        _whole(
            "help|usage|how does this work|what can you do|how do i use this|how do i use you|commands|options|"
            "what do i say|what can i say|how does it work|\\?"
        ),
        RefinementKind.HELP,
        None,
    ),
    (
        _whole(
            "newest|newest first|latest|latest first|most recent|recent first|most recent first|sort by date|"
            "by date|newer first|recent ones first|sort by newest|order by date|new first|date|anything newer|"
            "anything more recent|something newer|newer ones|more recent ones|any newer ones|newer stuff"
        ),
        RefinementKind.CHANGE,
        Sort.NEWEST,
    ),
    (
        _whole("oldest|oldest first|earliest first|older first|sort by oldest|old first|earliest"),
        RefinementKind.CHANGE,
        Sort.OLDEST,
    ),
    (
        _whole(
            "most relevant|relevance|by relevance|best match|best matches|sort by relevance|best first|"
            "most relevant first|relevant first|order by relevance"
        ),
        RefinementKind.CHANGE,
        Sort.RELEVANCE,
    ),
]
_THANKS = "thanks|thank you|thx"
_LEAD = re.compile(
    rf"^(?:(?:ok(?:ay)?|nah|nope|and|{_THANKS}|cool|great|nice|awesome|perfect|hmm+|hm|um+|uh+|eh|meh|erm|welp|wait|sorry|oops|ugh|"
    r"ooh|lol|haha|so|now|then|"
    r"alright|right|well|oh|ah|hey|yes|yeah|yep|sure|hi|hello|please|pls|plz|can you|could you|can u|could u|could we|"
    r"would you|will you|can i|could i|can we|i'?d like|i would like|i want|i need|let'?s|maybe|"
    r"perhaps|just show|show me|show|give me|give|get me|list|only show|display|is there|are there|do you have|have you got|"
    # a verb with the search as its object: "make that ...", "limit it to ..."
    r"(?:make|limit|restrict|narrow|change|set|keep|cap)\s+(?:it|that|this|them|those|these)(?:\s+(?:down\s+)?to)?"
    r")\b[\s,.!:;-]*)+"
)
_TAIL = re.compile(rf"(?:[\s,]+(?:please|pls|plz|{_THANKS}|too|then|now|for me|if possible|maybe))+$")
_THANKED = re.compile(rf"\b(?:{_THANKS}|thnx|ty|tysm|cheers)\W*$", re.IGNORECASE)
_EDGE = re.compile(r"^[\s,.!?;:'\"]+|[\s,.!?;:'\"]+$")
_ROUGHLY = r"(?:like|about|around|say|maybe|roughly|approx|approximately|max|at most)"
_PAGE_SIZE = re.compile(
    rf"^(?:(?:the|top|first|best|only|just|give me|show me|show|me|{_ROUGHLY})\s+)*(?P<n>{_NUMBER})"
    r"(?:\s+(?:results?|projects?|items?|ones?|hits|entries|links|of them|at a time|per page|"
    r"a page|on a page|each time))*(?:\s+(?:only|max|at most|please))?$"
)
_ORDERED_SIZE = re.compile(
    rf"^(?P<size>(?:(?:the|top|first|only|just|show me|show|give me)\s+)*{_NUMBER})\s+"
    r"(?:most\s+)?(?P<order>newest|latest|recent|oldest|earliest)(?:\s+ones?|\s+results?|\s+first)?$"
)
_ORDER_THEN_SIZE = re.compile(  # "only the newest 3"
    r"^(?:(?:only|just|show me|show|give me)\s+)*(?:the\s+)?(?:most\s+)?(?P<order>newest|latest|recent|oldest|earliest)\s+"
    rf"(?P<size>{_NUMBER})(?:\s+ones?|\s+results?)?$"
)
_SIZE_WORDS = r"\b(?:show|top|first|best|only|just|give|results?|per page|at a time|a page)\b"
_SIZE_CUE = re.compile(rf"{_SIZE_WORDS}|\d")
_GO_TO_PAGE = re.compile(r"^(?:go\s+to\s+|show\s+(?:me\s+)?|jump\s+to\s+|open\s+)?(?:the\s+)?page\s+(?P<n>\d{1,3})$")
_FEWER = _whole(
    "fewer|less|fewer results|fewer please|less results|not so many|too many|too many results|"
    "shorter|shorter list|smaller|a shorter list|fewer ones|fewer per page|less per page"
)
# "fewer pls, like 3": fewer, and how many.
_FEWER_TO = re.compile(
    rf"^(?:fewer|less)(?:\s+(?:results?|please|pls|plz))*[\s,;:.!\u2013\u2014-]+(?:(?:{_ROUGHLY}|just|only|so)\s+)*"
    rf"(?P<n>{_NUMBER})(?:\s+(?:results?|is enough|is fine|is plenty|max|tops|or so))?$"
)
_MORE_PER_PAGE = _whole(
    "more per page|more at a time|bigger pages|longer list|more on each page|all of them|all|"
    "as many as you can|everything at once"
)
_SIMILAR = re.compile(
    rf"(?:(?:\b(?:more|others?|something|anything|ones|projects?|stuff|things|results?|some|any)\s+"
    rf"(?:just\s+|a\s+bit\s+)?|^)like|similar\s+to|related\s+to|close\s+to|along\s+the\s+lines\s+of|"
    rf"in\s+the\s+spirit\s+of|resembling)"
    rf"\s+(?:the\s+|that\s+|result\s+|project\s+|item\s+|no\.?\s*|number\s+|#\s*)*(?P<rank>\d{{1,3}}|"
    rf"{'|'.join(ORDINALS)}|last)(?:\s+(?:one|result|project|item|entry|link))?\b"
)
_BUT = re.compile(r"^[\s,;.]*(?:(?:but|and|though)\b)?")
_LIKE_THAT = re.compile(
    r"\b(?:more|others?|something|anything|ones|stuff|things)\s+like\s+(?:that|this|it|those|these)(?:\s+one)?\b"
)
_RESULT = re.compile(
    rf"(?:\b(?:the\s+|number\s+)(?P<rank>{_ORDINAL}|last|\d{{1,2}})\b"
    rf"|#\s*(?P<marked>\d{{1,2}})\b)"
)
_SIMILAR_LEAD = re.compile(
    r"^(?:similar|similar ones|similar projects|more similar)\s+(?:to\s+)?(?:the\s+)?(?:#\s*|"
    rf"number\s+|no\.?\s*)?(?P<rank>\d{{1,3}}|{'|'.join(ORDINALS)}|last)(?:\s+one)?$"
)
_SWAP_PAIR = [
    re.compile(
        r"^(?:use|try|with|using|show|give me|prefer|go with|i want|want)?\s*(?P<new>.+?)\s+"
        r"(?:instead\s+of|rather\s+than|in\s+place\s+of)\s+(?P<old>.+)$"
    ),
    re.compile(
        r"^(?:replace|swap|switch|change|exchange|trade)\s+(?P<old>.+?)\s+(?:with|for|to|by|into)\s+"
        r"(?P<new>.+)$"
    ),
    re.compile(r"^(?:instead\s+of|rather\s+than|in\s+place\s+of)\s+(?P<old>[^,]+),\s*(?P<new>.+)$"),
    re.compile(r"^(?:sorry\s+)?i\s+meant\s+(?P<new>.+?),?\s+not\s+(?P<old>.+)$"),  # a correction
]
_SWAP_PAIR_CUE = re.compile(
    r"\b(?:instead\s+of|rather\s+than|in\s+place\s+of|replace|swap|switch|change|exchange|"
    r"trade|meant)\b"
)
_SWAP_ONE = [
    re.compile(r"^(?:what|how)\s+about\s+(?P<new>.+?)(?:\s+instead)?$"),
    re.compile(r"^what\s+if\s+(?:we|i)\s+(?:try|use|went\s+with|go\s+with)\s+(?P<new>.+?)(?:\s+instead)?$"),
    re.compile(r"^(?:the\s+)?same\s+(?:but\s+|thing\s+|again\s+)?(?:for|with|on|in|about)\s+(?P<new>.+)$"),
    re.compile(r"^(?:no|nah|nope)?[\s,]*more\s+like\s+(?P<new>.+)$"),
    re.compile(r"^(?:switch|change|move|go|swap)\s+(?:it\s+|that\s+|over\s+)?(?:to|for)\s+(?P<new>.+?)(?:\s+instead)?$"),
    re.compile(r"^(?:make\s+it|make\s+that|try|rather|instead|use|go\s+with|with)\s+(?P<new>.+?)\s+instead$"),
    re.compile(r"^(?:make\s+it|make\s+that|try|rather|instead|(?:i'?d\s+|i\s+would\s+|i\s+)?prefer|go\s+with)\s+(?P<new>.+)$"),
    re.compile(r"^(?P<new>.+?)\s+(?:instead|rather)$"),
    re.compile(r"^(?:sorry\s+)?i\s+meant\s+(?P<new>.+)$"),  # a correction: "oops i meant pytorch"
    re.compile(r"^(?:and|but|or)\s+(?:in|with|for)\s+(?P<new>.+?)\s+instead$"),
]
_NEW = re.compile(
    r"^(?:actually|new search|new request|new question|search for|look for|look up|change of plan|"
    r"forget (?:that|it|this|all that|about that)|never mind|scratch that|different question|"
    r"something else|start over with|start over|(?P<topic>new topic|change of subject|switching gears(?: entirely)?|"
    r"(?:(?:totally|completely|entirely|something)\s+)?(?:different|unrelated)(?:\s+(?:q|question|topic|thing|one))?))"
    r"\b[\s,:;.\u2013\u2014-]*(?:but\s+)?(?P<rest>.*)$"
)
_DROP = re.compile(
    r"^(?:drop|remove|scrap|forget|forget about|ignore|clear|lose|get rid of|take out|take off|take away|nvm|never mind|ditch|"
    r"no longer|don'?t need|doesn'?t need|do not need|does not need|skip the|without the|undo the|"
    r"leave out|cut|un-?filter|no need for)\s+(?P<rest>.+)$"
)
_ALSO = re.compile(r"^(?:(?:also|and|then|just|please|pls)\s+)+")  # "can you also drop the notebook filter"
# Drop verbs that also reject: said of what the search lacks, they exclude it ("ditch the videos").
_REJECTING = re.compile(r"^(?:skip|ditch|lose|get rid of|leave out|cut|without|no need for|don'?t need|do not need)\b")
_DROP_TAIL = re.compile(
    r"\s+(?:part|parts|filter|filters|tag|tags|bit|bits|requirement|requirements|constraint|"
    r"constraints|restriction|restrictions|condition|limit|one|thing|stuff)$"
)
# "keras is fine": what was excluded may come back.
_ALLOWED = re.compile(
    r"^(?:(?:i'?m|i am|we'?re|we are)\s+(?:ok|okay|fine|good|cool)\s+with\s+(?P<with>.+?)|"
    # "don't exclude quantization", "put nlp back", "include keras again": an exclusion taken back
    r"(?:don'?t|do not|stop|no longer|no need to)\s+(?:exclude|excluding|skip|skipping|hide|hiding|remove|removing|"
    r"filter(?:ing)?\s+out|leave\s+out|leaving\s+out)\s+(?P<unexcluded>.+?)|"
    r"(?:put|bring|add|let)\s+(?P<back>.+?)\s+back(?:\s+in)?|(?:include|allow)\s+(?P<again>.+?)\s+again|"
    r"(?P<rest>.+?)\s+(?:is|are|'s|would be)\s+(?:ok|okay|fine|allowed|acceptable|alright|all right|good|cool))"
    r"(?:\s+(?:too|then|actually|now|after all|again))*$"
)
# "remove that filter": one thing said before, not every filter.
_THAT_ONE = re.compile(r"^(?:that|this|the last)\s+(?:filter|one|tag|part|bit|thing|requirement|restriction)$")
_ANY = re.compile(r"^(?:any|whatever|whichever|all)\s+(?P<rest>.+)$")
# "framework doesn't matter really", "don't care which framework": what is said of no matter, as "any framework"
_NO_MATTER = re.compile(
    r"^(?:the\s+)?(?P<rest>\w+)\s+(?:doesn'?t|does not|don'?t|do not|won'?t|will not)\s+matter\b|"
    r"^(?:i\s+)?(?:don'?t|do not)\s+care\s+(?:about\s+(?:the\s+)?|which\s+|what\s+)(?P<what>\w+)"
)
_EXCLUDE = re.compile(
    r"^(?:not|no|without|except|excluding|exclude|but not|no more|skip|hide|minus|nothing with|"
    r"none with|leave out|filter out|avoid|but no|and no|and not|none of the|none of|less)\s+"
    r"(?P<rest>.+)$"
)
_INCLUDE = re.compile(
    r"^(?:only|just|also|with|and|plus|add|must have|include|including|in|using|that use|that uses|"
    r"written in|built with|made with|implemented in|based on|for|on|about|more|but|but in|"
    r"preferably|ideally|especially|focused on|focus on|specifically|mainly|mostly|narrow to|"
    r"narrow it to|narrow down to|limit to|restrict to|filter to|filter it to|filter down to|filter by|filter for|"
    r"anything on|anything about|anything with|"
    r"anything for|something on|something about|something with|something for|"
    r"is there anything on|is there anything about|is there anything with|are there any|"
    r"do you have anything on|do you have anything about|do you have any|got any|have any|"
    r"(?:ones?|any|anything|something|stuff|projects?|results?|those)\s+(?:that|which|about|on|for|with|using|in))\s+"
    r"(?P<rest>.+)$"
)
_ADDING = re.compile(r"^(?:and|also|plus|but)\b|\b(?:too|also|as well|on top)$")
# Verbs that only say a date is meant ("published after 2019").
_DATE_VERBS = re.compile(
    r"\b(?:published|released|created|made|written|posted|added|dated|updated|came out|"
    r"come out|appeared|ones?|stuff|things?|results?|projects?)\b"
)
# Where one clause of a reply ends and the next begins ("forget kubernetes, just distributed training").
_EMOTICON = r"\s[:;]-?[()dp/]"  # ":(", ";)": the end of a sentence
_SENTENCE_BREAK = re.compile(rf"(?:[.!?:]+|{_EMOTICON})\s+(?=[^\W\d])")  # not "in sept. 2020"
_CLAUSE_BREAK = re.compile(rf"[,;.!?]+\s|{_EMOTICON}\s|\s[-\u2013\u2014]+\s|\s(?:and|then|and then|but)\s")
_TRAILING_ONLY = re.compile(r"^(?P<rest>.+?)\s+(?:only|please|too|as well)$")
# Nouns that stand for the results themselves: "pytorch ones only" asks for #pytorch, not the word "ones".
_RESULT_NOUNS = re.compile(  # a word of its own: not the "one" of "one-shot"
    r"(?<![\w-])(?:ones?|results?|projects?|items?|stuff|things?|entries|options|stuffs|hits|links|"
    r"examples?|resources?|materials?|posts?\s+(?=only)|related)(?![\w-])"
)
# Words that point at results shown: "the 3rd one", "which one", "those", "#2".
_POINTING = re.compile(
    rf"\b(?:(?:the|this|that|which)\s+(?:\w+\s+)?ones?|these|those|them|it|number\s+\d+|"
    rf"{_ORDINAL})\b|#\s*\d"
)
_ORDER_BY = re.compile(r"^(?:sort|sorted|order|ordered|rank|ranked)\s+(?:them\s+|it\s+|these\s+|results\s+)?by\s+\w")
_ONES = re.compile(r"\w\s+ones\b")
_WH = frozenset("who what which how why where when".split())
_ASKING = _WH | frozenset("is are does do did can could would will was were has have should".split())
_SENTENCE_START = _ASKING | frozenset(
    """had i we you it this that these those they he she my our your its there here lol haha hmm wait hm yes no maybe
    anyone someone guys folks""".split()
)


def refine(
    parser: RequestParser,
    previous: Query,
    text: str,
    today: date | None = None,
    doc_freq: Callable[[str], int] | None = None,
    page_size: int = 5,
    together: Callable[[Sequence[str]], int] | None = None,
) -> Refinement:
    """Read one reply to the search ``previous``, shown ``page_size`` results at a time. Never raises.

    ``today`` anchors relative dates ("this year"); ``doc_freq`` (how many projects hold a
    term) lets a fragment of words nobody in the catalog uses read as not understood;
    ``together`` (how many projects carry all of some tags) tells which topic a swap trades.
    """
    reading = _Reader(parser, previous, today or date.today(), doc_freq, page_size, together).read(text)
    if reading.kind is RefinementKind.CHANGE and reading.query.text:
        # The request's words no longer say what is asked ("what about audio instead"): the
        # tag model and the request's meaning read the words the query holds now instead.
        return reading.model_copy(update={"query": reading.query.model_copy(update={"text": ""})})
    return reading


def read_request(parser: RequestParser, text: str, today: date | None = None) -> Query:
    """A new request: the parser's reading, plus any date range it names ("gan papers since 2021").
    A count it asks for ("show me 3 tutorials") is no word of it (see ``requested_count``)."""
    _, said = take_count((text or "")[:MAX_REQUEST_CHARS], parser.is_resource_word)
    found, rest = take_dates(said, today or date.today())
    query = parser.parse(rest if found else said)
    if found is None and said == text:
        return query
    update = {"date_from": found.start, "date_to": found.end} if found else {}
    return query.model_copy(update={"text": text, **update})


def requested_count(parser: RequestParser, text: str) -> int | None:
    """How many results a request asks to see ("top 5 gan papers"), when it says and it can be shown."""
    count, _ = take_count((text or "")[:MAX_REQUEST_CHARS], parser.is_resource_word)
    return count if 1 <= count <= MAX_PAGE_SIZE else None


def asks_for_help(text: str) -> bool:
    """Whether a message only asks how to use the bot ("help", "how does this work?")."""
    said = _said(text)
    return any(kind is RefinementKind.HELP and (p.match(said) or p.match(_polite(said))) for p, kind, _ in _COMMANDS)


def doubted(parser: RequestParser, text: str) -> bool:
    """Whether the reply model finds a change to a search most unlikely ("ooh optuna is in there")."""
    return parser.replies is not None and doubts_a_change(parser.replies, text)


def is_no_request(parser: RequestParser, text: str, today: date, doc_freq: Callable[[str], int]) -> bool:
    """Whether a message read as a request names no tag or date, and the catalog uses none of its
    words ("asdfgh") or the reply model doubts it changes a search ("who built you?")."""
    query = read_request(parser, text, today)
    words = [*query.keywords, *query.phrases]
    if not words or positive_tags(query) or query.exclude_tags or query.date_from or query.date_to:
        return False
    return not any(_known(parser, doc_freq, word) for word in words) or doubted(parser, text)


def is_refinement(parser: RequestParser, text: str) -> bool:
    """Whether the text alone reads as a change to a previous search."""
    reading = refine(parser, Query(keywords=["anything"]), text)
    return reading.explicit and reading.kind is not RefinementKind.NEW


def add_tag(query: Query, tag: str) -> Query:
    """Require a tag (a clicked suggestion): a hard include, no longer excluded or merely preferred."""
    update = {field: [t for t in getattr(query, field) if t != tag] for field in TAG_FIELDS}
    update["include_tags"] = [*update["include_tags"], tag]
    return query.model_copy(update=update)


def remove_tag(query: Query, tag: str) -> Query:
    """Let go of a tag wherever it appears in the query."""
    return query.model_copy(update={field: [t for t in getattr(query, field) if t != tag] for field in TAG_FIELDS})


def positive_tags(query: Query) -> list[str]:
    """Every tag the query asks for, hard or soft."""
    return _unique([tag for field in POSITIVE_TAG_FIELDS for tag in getattr(query, field)])


class _Reader:
    def __init__(
        self,
        parser: RequestParser,
        previous: Query,
        today: date,
        doc_freq: Callable[[str], int] | None,
        page_size: int,
        together: Callable[[Sequence[str]], int] | None = None,
    ):
        self.parser = parser
        self.previous = previous
        self.today = today
        self.doc_freq = doc_freq
        self.page_size = page_size
        self.together = together
        self.question = False
        self.chatter = False  # the reply model read talk that asks nothing of the bot
        self.moves: dict[str, str] = {}  # the reply model's readings so far (see _move)

    def _again(self, previous: Query) -> _Reader:
        """A reader for the rest of a reply, on top of what its first part changed."""
        return _Reader(self.parser, previous, self.today, self.doc_freq, self.page_size, self.together)

    def read(self, text: str, fragments: bool = True, question: bool = False) -> Refinement:
        """``fragments``: whether a reply with no cue may still read as words to narrow by;
        ``question``: whether it is part of a question (a clause of one)."""
        self.question = question or (text or "")[:MAX_REQUEST_CHARS].strip().endswith("?")
        said = self._respelled(_said(text))
        if not re.search(r"\w", said):  # emoji alone: a reaction ("👍") or a poke at the bot ("🤔")
            poke = fragments and pokes_the_bot(said)  # a whole reply: "thank you!! 🎨" is thanks
            return self._same(RefinementKind.HELP if poke else RefinementKind.ACK)
        for reading in (
            self._command,
            self._ack,
            self._page_size,
            self._similar,
            self._drop,
            self._allowed,
            self._about_results,
            self._unknown_order,
            self._learned,
            self._dates,
            self._sorted,
            self._swap,
            self._new,
            self._exclude,
            self._include,
        ):
            if self.chatter and reading in (self._dates, self._new):
                continue  # "I built one of these at the hackathon last year" is a story, not a date range
            found = reading(said)
            if found is not None:
                break
        if self.chatter:  # talk, unless a cue changes the search ("we did the hf ones already, so skip those")
            cued = found or self._fragment(said, explicit=False)
            if not _understood(cued) and (clauses := self._clauses(said)):
                cued = clauses[0]  # "hmm nothing. this year?": a clause of it does
            return cued if _understood(cued) else self._same(RefinementKind.ACK)
        if not fragments:
            return found or self._not_understood()
        whole = self._whole_or_clauses(said, found)
        if whole.kind is RefinementKind.NOT_UNDERSTOOD and whole.change == NOT_UNDERSTOOD and _THANKED.search(text):
            return self._same(RefinementKind.ACK)  # "ok no worries, thx": what the thanks closes asks nothing either
        return whole

    def _whole_or_clauses(self, said: str, found: Refinement | None) -> Refinement:
        if found is not None and found.kind is RefinementKind.SIMILAR:
            return found  # "more like that one then, #2": the rest only points at the result
        if found is not None and (found.kind is RefinementKind.HELP or found.change in (UNSUPPORTED, ABOUT_RESULTS)):
            return found  # "compare #1 and #2 for me" asks one thing, which its clauses do not ("#2 for me")
        whole = found or self._fragment(said, explicit=False)
        clauses = self._clauses(said)
        if clauses is None:
            return whole
        by_clause, read = clauses
        crosses = whole.kind is RefinementKind.CHANGE and by_clause.explicit and _SENTENCE_BREAK.search(said)
        if read < 2 and _understood(whole) and not crosses:
            # One cued clause says less than a reading of the whole ("only pytorch and keras"), unless
            # the reading crosses sentences ("hmm only one hit. drop the huggingface part")
            return whole
        if by_clause.kind is RefinementKind.ACK and whole.explicit:
            return whole  # "cool. is the 2nd one any good?": the thanks says nothing of what was not understood
        return by_clause

    def _tags_changed(self, reading: Refinement) -> bool:
        query, previous = reading.query, self.previous
        return positive_tags(query) != positive_tags(previous) or query.exclude_tags != previous.exclude_tags

    # ---- whole replies --------------------------------------------------------------------

    def _command(self, said: str) -> Refinement | None:
        bare = _polite(said)
        for pattern, kind, sort in _COMMANDS:
            if pattern.match(said) or pattern.match(bare):
                if sort is not None:
                    return self._changed(self.previous.model_copy(update={"sort": sort}), _SORT_CHANGES[sort])
                if kind is RefinementKind.RESET:
                    return Refinement(kind=kind, query=Query(), change="started over")
                return self._same(kind, change=_KIND_CHANGES.get(kind, ""))
        return None

    def _ack(self, said: str) -> Refinement | None:
        if not _EDGE.sub("", _LEAD.sub("", said)):  # "hm", "ok so": openers with nothing after them
            return self._same(RefinementKind.ACK)
        words = re.findall(r"[a-z0-9]+", said)
        social = STOP_WORDS - {"more", "only", "not", "no", "back"}
        asks = self.question or (words and words[0] in _WH)
        if not asks and any(w in ACK_WORDS for w in words) and all(w in ACK_WORDS or w in social for w in words):
            return self._same(RefinementKind.ACK)
        return None

    def _page_size(self, said: str) -> Refinement | None:
        bare = _polite(said)
        if _FEWER.match(bare):
            if self.page_size <= 1:
                return self._same(RefinementKind.NOT_UNDERSTOOD, change="That is already one result at a time.")
            fewer = (self.page_size + 1) // 2
            return self._same(RefinementKind.PAGE_SIZE, page_size=fewer, change=f"{fewer} per page")
        if fewer_to := _FEWER_TO.match(bare):
            return self._page_size(f"show {fewer_to.group('n')}")
        if _MORE_PER_PAGE.match(bare):
            return self._same(RefinementKind.PAGE_SIZE, page_size=MAX_PAGE_SIZE, change="more results per page")
        if go := _GO_TO_PAGE.match(bare):
            return self._same(RefinementKind.PAGE, page=max(0, int(go.group("n")) - 1), change=f"page {go.group('n')}")
        ordered = _ORDERED_SIZE.match(bare) or _ORDER_THEN_SIZE.match(bare)
        if ordered:  # "just the 3 most recent": the size, and the order
            sized = self._page_size(ordered.group("size"))
            if sized is None or sized.kind is not RefinementKind.PAGE_SIZE:
                return sized
            sort = Sort.OLDEST if ordered.group("order") in ("oldest", "earliest") else Sort.NEWEST
            query = self.previous.model_copy(update={"sort": sort})
            return sized.model_copy(update={"query": query, "change": f"{sized.change}, {_SORT_CHANGES[sort]}"})
        match = _PAGE_SIZE.match(bare)
        # "nice one" is no page size, nor is "2?" (a page, a result, or how many?); "can you show 10?" is
        if match is None or not _SIZE_CUE.search(said) or self.question and not re.search(_SIZE_WORDS, said):
            return None
        size = _number(match.group("n"))
        if not 1 <= size <= MAX_PAGE_SIZE:
            return self._same(
                RefinementKind.NOT_UNDERSTOOD,
                change=f"I can show 1 to {MAX_PAGE_SIZE} results at a time; the search is unchanged.",
            )
        return self._same(RefinementKind.PAGE_SIZE, page_size=size, change=f"{size} per page")

    def _similar(self, said: str) -> Refinement | None:
        match = _SIMILAR_LEAD.match(_polite(said)) or _SIMILAR.search(said)
        if match is None and _LIKE_THAT.search(said):  # "the last one, more like that": the result named beside it
            match = _RESULT.search(_LIKE_THAT.sub(" ", said))
        if match is None:
            return None
        word = match.group("rank")
        marked = re.search(r"#\s*(\d{1,3})\b", said)  # "like that one then, #2": the marked number, not "one"
        rank = int(marked.group(1)) if marked else -1 if word == "last" else _number(word)
        then = _EDGE.sub("", _BUT.sub("", said[match.end() :])) if match.re is _SIMILAR else ""
        similar = self._same(RefinementKind.SIMILAR, rank=rank, change="similar projects")
        changes = bool(then) and self._again(self.previous).read(then, fragments=False).kind is RefinementKind.CHANGE
        return similar.model_copy(update={"then": then}) if changes else similar

    def _sorted(self, said: str) -> Refinement | None:
        """ "is there newer?", "older ones?": words that only ask for an order."""
        part = self.parser.parse(_without_result_nouns(_polite(said)))
        if part.sort is Sort.RELEVANCE or part.keywords or part.phrases or positive_tags(part) or part.exclude_tags:
            return None
        return self._changed(self.previous.model_copy(update={"sort": part.sort}), _SORT_CHANGES[part.sort])

    def _unknown_order(self, said: str) -> Refinement | None:
        """ "sort by popularity": an order the catalog has no data for; the known ones are commands."""
        if _ORDER_BY.match(_polite(said)):
            return self._same(RefinementKind.NOT_UNDERSTOOD, change=NO_SUCH_ORDER)
        return None

    def _about_results(self, said: str) -> Refinement | None:
        """ "is the 2nd one any good?", "who made #3?": a question about results shown, which a
        search cannot answer; said so, in a DM too."""
        if not _POINTING.search(said):
            return None
        for part in _clause_parts(said):  # "the first one, is it android or ios?"
            words = _polite(_EDGE.sub("", part)).split()
            # Asked without a question mark too, with a wh-word ("who's the author of the first one");
            # but "will check these after" is talk and "what about #2" a swap
            asking = self.question or _opening(words) in _WH and len(words) > 1 and words[1] != "about"
            if asking and words and _opening(words) in _ASKING:
                # "how do i filter these?" asks how to use the bot: the reply model knows help when it sees it;
                # "what does #4 do exactly?" asks about one result
                if self._move(said) == "help" and not _RESULT.search(said):
                    return None
                return self._same(RefinementKind.NOT_UNDERSTOOD, change=ABOUT_RESULTS)
        return None

    def _move(self, said: str) -> str:
        """The reply model's reading of the whole reply (``EDIT`` without a model), read once per reply."""
        if said not in self.moves:
            self.moves[said] = EDIT if self.parser.replies is None else read_move(self.parser.replies, said).kind
        return self.moves[said]

    def _learned(self, said: str) -> Refinement | None:
        """The move the reply model reads ("what else is there": the next page); None for a
        change to what is searched, which the rules below read, or when the move needs a
        number the reply does not hold."""
        kind = self._move(said)
        if kind == EDIT:
            return None
        if kind in ("unsupported", "page", "page_size", "similar") and take_dates(said, self.today)[0] is not None:
            return None  # the model reads a year as any number: "only 2020 pls" is a date range, not a page size
        if kind in _SORTS:
            return self._changed(self.previous.model_copy(update={"sort": _SORTS[kind]}), _SORT_CHANGES[_SORTS[kind]])
        if kind == "ack":
            return self._same(RefinementKind.ACK)
        if kind == "chatter":  # "gonna read these tonight": nothing to do, unless a cued change follows
            self.chatter = True
            return None
        if kind == "unsupported":
            return self._same(RefinementKind.NOT_UNDERSTOOD, change=UNSUPPORTED)
        if kind == "fewer":
            return self._page_size("fewer")
        if kind == "reset":
            return Refinement(kind=RefinementKind.RESET, query=Query(), change="started over")
        if kind in ("page", "page_size", "similar"):
            numbers = [_number(w) for w in re.findall(r"[a-z0-9]+", said) if w.isdigit() or w in ORDINALS]
            if not numbers:
                return None
            if kind == "similar":
                return self._same(RefinementKind.SIMILAR, rank=numbers[0], change="similar projects")
            if kind == "page":
                return self._same(RefinementKind.PAGE, page=max(0, numbers[0] - 1), change=f"page {numbers[0]}")
            if self.question and not re.search(_SIZE_WORDS, said):
                return None  # "2?": a page, a result or a count
            return self._page_size(f"show {numbers[0]}")
        move = RefinementKind(kind)
        return self._same(move, change=_KIND_CHANGES.get(move, ""))

    def _clauses(self, said: str) -> tuple[Refinement, int] | None:
        """A reply of several clauses that reads as nothing whole ("forget kubernetes, just
        distributed training"): each clause read on top of the one before; clauses with no cue
        ("hmm, too narrow", the "keras" of "only pytorch and keras") are passed over. None when
        no clause reads; else the reading and how many clauses read."""
        parts = [p for p in (_EDGE.sub("", p) for p in _clause_parts(said)) if p]
        if len(parts) < 2:
            return None
        reading: Refinement | None = None
        read = 0
        for part in parts:
            found = self._again(reading.query if reading else self.previous).read(part, fragments=False, question=self.question)
            if not _understood(found):
                continue
            read += 1
            if reading is not None and reading.kind is RefinementKind.PAGE_SIZE and found.kind is RefinementKind.CHANGE:
                reading = reading.model_copy(update={"query": found.query, "change": f"{reading.change}; {found.change}"})
                continue  # "show 3 and newest first": both
            changed = reading is not None and reading.kind is RefinementKind.CHANGE
            stepped_back = found.kind in (RefinementKind.UNDO, RefinementKind.RESET)
            if reading is not None and changed and stepped_back and not self._tags_changed(reading):
                reading = found  # "hmm not quite, undo": the step back, not the words "not quite" rules out
                continue
            if changed and found.kind not in (RefinementKind.CHANGE, RefinementKind.PAGE_SIZE):
                continue  # "drop the date filter, i don't care when": a change outweighs chatter after it
            if found.kind is not RefinementKind.CHANGE or not changed:
                reading = found  # a page size carries the changes before it ("newest first, 3 results")
                continue
            change = f"{reading.change}; {found.change}" if reading else found.change
            reading = found.model_copy(update={"change": change})
        return (reading, read) if reading else None

    # ---- changes to the query -------------------------------------------------------------

    def _dates(self, said: str) -> Refinement | None:
        found, rest = take_dates(said, self.today)
        if found is None:
            return None
        ruled_out = _EXCLUDE.match(_polite(said))
        if ruled_out and (kept := self._other_side(ruled_out.group("rest"))) is not None:
            return kept  # "exclude anything before 2019"
        rest = re.sub(r"\b(?:instead|rather)\b", " ", rest)  # "since 2020 instead": the range replaces the one before
        start, end, before = found.start, found.end, self.previous
        # One open bound said with "and"/"too" narrows the range the search has ("since 2020",
        # then "and before 2021 too"); said alone it replaces it ("nothing. since 2020 then").
        if _ADDING.search(said):
            if start is None and end is not None and before.date_from is not None and before.date_from <= end:
                start = before.date_from
            if end is None and start is not None and before.date_to is not None and start <= before.date_to:
                end = before.date_to
        dated = before.model_copy(update={"date_from": start, "date_to": end})
        change = _date_words(start, end)
        rest = _EDGE.sub("", _DATE_VERBS.sub(" ", _polite(rest)))
        if rest and not _only_filler(rest):
            more = self._again(dated).read(rest)
            if more.kind is RefinementKind.CHANGE:  # the dates are its cue
                return more.model_copy(update={"change": f"{change}; {more.change}", "explicit": True, "words_only": False})
            if more.kind is RefinementKind.NOT_UNDERSTOOD and _opening(rest.split()) in _SENTENCE_START:
                return None  # "lol I built one of these at the hackathon last year": a story, not a date range
        return self._changed(dated, change)

    def _swap(self, said: str) -> Refinement | None:
        bare = _polite(said)
        if _SWAP_PAIR_CUE.search(bare):
            for pattern in _SWAP_PAIR:
                match = pattern.match(bare)
                if match is None:
                    continue
                tags, words = self._named(match.group("old"))  # naming nothing of the search: a plain swap
                return self._swapped(match.group("new"), (tags, words) if tags or words else None)
        for pattern in _SWAP_ONE:
            match = pattern.match(bare)
            if match:
                return self._swapped(match.group("new"), None)
        return None

    def _new(self, said: str) -> Refinement | None:
        """ "actually, <request>": a new search, unless the rest is itself a cued change ("actually, only pytorch");
        "totally different q: <request>" always."""
        match = _NEW.match(_polite(said))
        if match is None:
            return None
        rest = _EDGE.sub("", match.group("rest"))
        if not rest or _only_filler(rest):
            return None
        inner = self._again(self.previous).read(rest)
        if _understood(inner) and not match.group("topic"):
            return inner  # "actually, only pytorch"; but a new topic is a new search whatever it says
        query = read_request(self.parser, _without_result_nouns(rest), self.today)
        return inner if query.is_empty else Refinement(kind=RefinementKind.NEW, query=query, change="new search")

    def _drop(self, said: str) -> Refinement | None:
        match = _DROP.match(said) or _DROP.match(_ALSO.sub("", _polite(said)))
        if match is None:
            return None
        if _THAT_ONE.match(match.group("rest")):
            return self._not_understood()
        rest = _DROP_TAIL.sub("", re.sub(r"^(?:(?:the|that|this|those|these|all|any|my|our)\s+)+", "", match.group("rest")))
        rest = _without_result_nouns(rest)  # "skip the kaggle ones"
        dropped = self._removed(rest)
        if dropped is not None:
            return dropped
        if (kept := self._other_side(rest)) is not None:
            return kept
        stepped = self._again(self.previous).read(rest, fragments=False)
        if stepped.kind in (RefinementKind.UNDO, RefinementKind.RESET):
            return stepped  # "nvm, undo that": what is let go of is the last change
        if _REJECTING.match(_polite(said)) and self.parser.parse(rest).include_tags:
            return self._merged(f"not {rest}", explicit=True)  # "skip the videos" with none in the search: none from now on
        return self._same(
            RefinementKind.NOT_UNDERSTOOD, change=f"Nothing to drop: '{rest}' is not part of this search; it is unchanged."
        )

    def _other_side(self, rest: str) -> Refinement | None:
        """ "leave out anything older than 2020": what is left out is one side of a date, so the
        search keeps the other (since 2020). None when ``rest`` names more than that."""
        found, words = take_dates(rest, self.today)
        if found is None or (found.start is None) == (found.end is None) or not _only_filler(_without_result_nouns(words)):
            return None
        start: date | None
        end: date | None
        if found.end is not None:  # "older than 2020" left out: since 2020
            start, end = found.end + timedelta(days=1), self.previous.date_to
        elif found.start is not None:
            start, end = self.previous.date_from, found.start - timedelta(days=1)
        if start and end and start > end:
            return None
        return self._changed(self.previous.model_copy(update={"date_from": start, "date_to": end}), _date_words(start, end))

    def _allowed(self, said: str) -> Refinement | None:
        """ "keras is fine", "i'm ok with tensorflow", "don't exclude keras", "put keras back": the
        exclusions it names are lifted."""
        match = _ALLOWED.match(_polite(said))
        if match is None:
            return None
        named = next(g for g in match.group("with", "unexcluded", "back", "again", "rest") if g)
        tags, words = self._named(named)
        tags = [t for t in tags if t in self.previous.exclude_tags]
        words = [w for w in words if w in self.previous.exclude_words]
        if not (tags or words):
            if match.group("unexcluded"):  # "don't exclude nlp" with nlp not excluded: nothing to do, and no exclusion
                return self._same(RefinementKind.NOT_UNDERSTOOD, change=f"'{named}' is not excluded; the search is unchanged.")
            return None  # "put nlp back" after it was dropped: adds it, as other rules read it
        query = self.previous.model_copy(
            update={
                "exclude_tags": [t for t in self.previous.exclude_tags if t not in tags],
                "exclude_words": [w for w in self.previous.exclude_words if w not in words],
            }
        )
        return self._changed(query, "no longer excluding " + " ".join([*(f"#{t}" for t in tags), *(f"'{w}'" for w in words)]))

    def _exclude(self, said: str) -> Refinement | None:
        match = _EXCLUDE.match(_polite(said))
        if said.startswith("-"):
            return self._merged(said, explicit=True)
        if match is None:
            return None
        return self._merged("not " + _without_result_nouns(match.group("rest")), explicit=True)

    def _include(self, said: str) -> Refinement | None:
        bare = _polite(said)
        match = _ANY.match(bare) or _NO_MATTER.match(bare)  # "any framework is fine"; not "any sql tutorials?"
        category = re.sub(r"\W+$", "", (match.group("rest") or match.group("what")).split()[0]) if match else ""
        if category in CATEGORY_WORDS and (removed := self._removed(category)):
            return removed
        match = _INCLUDE.match(bare) or _TRAILING_ONLY.match(bare)
        if match:
            inner = _without_result_nouns(match.group("rest"))
            nested = _INCLUDE.match(inner)
            return self._merged(nested.group("rest") if nested else inner, explicit=True)
        if bare.startswith(("#", "tag:", "+")):
            return self._merged(bare.lstrip("+"), explicit=True)
        return None

    def _fragment(self, said: str, explicit: bool) -> Refinement:
        """A reply without a cue: words narrow the search; a framework or resource type
        where the search has one already takes its place ("keras" after "pytorch ...")."""
        bare = _without_result_nouns(_polite(said))
        words = bare.split()
        part = self.parser.parse(bare)
        if words and part.exclude_tags and not positive_tags(part):
            return self._merged(bare, explicit=True)  # "we did the hf ones already, so skip those"
        if words and all(w.isdigit() for w in words):
            return self._not_understood()  # "2?": a page, a result or a count; no word to narrow by
        if not words or _opening(words) in _SENTENCE_START or self.question and len(words) > 3:
            # A question about the results shown ("does the 3rd one need a gpu?") asks nothing of
            # the search, in a DM too; other talk there may be a new request.
            return self._not_understood(cued=self.question and bool(_POINTING.search(said)))
        named = positive_tags(part)
        kinds = {self._kind(t) for t in named}
        have = {self._kind(t) for t in positive_tags(self.previous)}
        if _ONES.search(said):
            return self._merged(bare, explicit=True)  # "python ones", "medical ones": the results about it
        if named and not part.keywords and kinds <= {"framework", "resource"}:
            # Only a change reads like this, even in a DM: "papers please" is too broad a request.
            swapped = self._swapped(bare, None) if kinds <= have else None
            return swapped if swapped is not None else self._merged(bare, explicit=True)
        return self._merged(bare, explicit=explicit)

    # ---- the edits ------------------------------------------------------------------------

    def _merged(self, fragment: str, explicit: bool) -> Refinement:
        """Parse a fragment like a request and fold it into the previous query, narrowing it."""
        part = self.parser.parse(fragment)
        added = positive_tags(part)
        query = self.previous
        for tag in added:
            query = add_tag(query, tag)
        excluded = [t for t in part.exclude_tags if t not in added]
        for tag in excluded:
            query = remove_tag(query, tag)
        words = [w for w in part.keywords if self.parser.resolve_tag(w) not in added]
        words = [w for w in words if self.parser.is_content(singular(w))]  # "needs" is "need", which asks
        unknown = [w for w in words if self.doc_freq is not None and not _known(self.parser, self.doc_freq, w)]
        known = [self._singular(w) for w in words if w not in unknown]
        if unknown and not (known or added or excluded or part.exclude_words or part.phrases):
            return self._not_understood(cued=explicit)  # no word of it is in the catalog
        # The rarest word must be there: it says the most ("ones that run in the browser": browser);
        # the others rank, as in a request, so that a reply of many words does not leave one result.
        # A reply that names a tag narrows by the tag: its other words only rank.
        required = ([min(known, key=self._uses)] if known and not added else []) + part.phrases
        query = query.model_copy(
            update={
                # Words no project uses rank nothing, but are kept: the echo shows every word read.
                "keywords": _unique([*query.keywords, *(w for w in [*known, *unknown] if w not in required)]),
                "tag_words": _unique([*query.tag_words, *part.tag_words]),  # they rank, as in a request
                "exclude_tags": _unique([*query.exclude_tags, *excluded]),
                "exclude_words": _unique([*query.exclude_words, *part.exclude_words]),
                "phrases": _unique([*query.phrases, *required]),
                "sort": part.sort if part.sort is not Sort.RELEVANCE else query.sort,
                "notes": part.notes,
            }
        )
        changes = [f"added #{t}" for t in added] + [f"excluded #{t}" for t in excluded]
        changes += [f"excluded '{w}'" for w in part.exclude_words]
        changes += [f"must mention: {', '.join(required)}"] if required else []
        if part.sort is not Sort.RELEVANCE:
            changes.append(f"{part.sort.value} first")
        if not changes or query == self.previous:
            return self._not_understood(cued=explicit)
        words_only = not (explicit or added or excluded or part.exclude_words or part.phrases) and part.sort is Sort.RELEVANCE
        return Refinement(
            kind=RefinementKind.CHANGE, query=query, change="; ".join(changes), explicit=explicit, words_only=words_only
        )

    def _swapped(self, new: str, old: tuple[list[str], list[str]] | None) -> Refinement | None:
        """The new tag or topic in place of the old one: the one named, else the one of the same kind."""
        slot = _without_result_nouns(_EDGE.sub("", new))
        found, rest = take_dates(slot, self.today)
        part = self.parser.parse(rest if found else slot)
        added = positive_tags(part)
        words = [w for w in part.keywords if self.parser.resolve_tag(w) not in added]
        if words and all(w in ORDINALS or w.isdigit() for w in words):
            return None  # "what about the third one": a result, not a topic
        if not (added or words or part.exclude_tags or found or part.sort is not Sort.RELEVANCE):
            return None
        if part.exclude_tags and not added and not found:
            return self._exclusion_swapped(part.exclude_tags, old)
        if old is None:
            kinds = {self._kind(t) for t in added} | ({"topic"} if words else set())
            old_tags = [t for t in positive_tags(self.previous) if t not in added and self._kind(t) in kinds]
            old_tags = self._closest(old_tags, added)
            # New words take the place of the old ones; a new tag keeps them ("quantization in the
            # browser", then "what about pruning?": pruning in the browser).
            old_words = [*self.previous.keywords, *self.previous.phrases] if words else []
        else:
            old_tags, old_words = old
        query = _without_words(self._without_tags(self.previous, old_tags), old_words)
        # A tag in place of intents the request only implied is an intent too, not a filter:
        # "dqn tutorials", then "more like q-learning", ranks q-learning first, like the request.
        soft = bool(old_tags) and all(t in self.previous.inferred_tags for t in old_tags)
        for tag in added:
            query = add_tag(query, tag)
            if soft:
                query = query.model_copy(update={"inferred_tags": [*query.inferred_tags, tag]})
        update: dict[str, object] = {
            "keywords": _unique([*query.keywords, *words]),
            "tag_words": _unique([*query.tag_words, *part.tag_words]) if soft else query.tag_words,
            "exclude_tags": _unique([*query.exclude_tags, *part.exclude_tags]),
        }
        if part.sort is not Sort.RELEVANCE:
            update["sort"] = part.sort
        if found:
            update.update(date_from=found.start, date_to=found.end)
        query = query.model_copy(update=update)
        gone = [f"#{t}" for t in old_tags] + ([f"'{' '.join(old_words)}'"] if old_words else [])
        came = [f"#{t}" for t in added] + ([f"'{' '.join(words)}'"] if words else [])
        change = (
            f"{' '.join(came) or 'the change'} instead of {' '.join(gone)}"
            if gone
            else "added " + (" ".join(came) or "the change")
        )
        return self._changed(query, change)

    def _exclusion_swapped(self, excluded: list[str], old: tuple[list[str], list[str]] | None) -> Refinement:
        """ "exclude pytorch instead", "i'd prefer no sklearn": the new exclusions take the place of
        those of their kind (or of the ones named), and what is excluded is no longer asked for.
        The slot's other words are the phrasing of a refusal ("no sklearn actually"), not a topic."""
        kinds = {self._kind(t) for t in excluded}
        if old is None:
            gone = [t for t in self.previous.exclude_tags if t not in excluded and self._kind(t) in kinds]
        else:
            gone = [t for t in old[0] if t in self.previous.exclude_tags]
        query = self.previous.model_copy(update={"exclude_tags": [t for t in self.previous.exclude_tags if t not in gone]})
        query = self._without_tags(query, excluded)
        query = query.model_copy(update={"exclude_tags": _unique([*query.exclude_tags, *excluded])})
        change = "excluded " + " ".join(f"#{t}" for t in excluded)
        return self._changed(query, f"{change} instead of " + " ".join(f"#{t}" for t in gone) if gone else change)

    def _removed(self, rest: str) -> Refinement | None:
        """Drop what ``rest`` names; None when it names nothing in the search."""
        tags, words = self._named(rest)
        query = _without_words(self._without_tags(self.previous, tags), words)
        categories = {CATEGORY_WORDS.get(w) for w in rest.split()}
        if "dates" in categories and (query.date_from or query.date_to):
            query = query.model_copy(update={"date_from": None, "date_to": None})
            words = [*words, "the dates"]
        if "sort" in categories and query.sort is not Sort.RELEVANCE:
            query = query.model_copy(update={"sort": Sort.RELEVANCE})
            words = [*words, "the order"]
        if "filters" in categories and not tags:  # "drop the notebook filter actually" names its filter
            tags = _unique([*tags, *positive_tags(query), *query.exclude_tags])
            query = query.model_copy(
                update={**{f: [] for f in TAG_FIELDS}, "exclude_words": [], "date_from": None, "date_to": None}
            )
        if query == self.previous:
            return None
        removed = [f"#{t}" for t in tags] + [w if w.startswith("the ") else f"'{w}'" for w in words]
        return self._changed(query, "dropped " + " ".join(removed) if removed else "dropped the filters")

    def _named(self, rest: str) -> tuple[list[str], list[str]]:
        """The search's tags and words that ``rest`` names: a tag, an alias, a word, or a category."""
        previous = self.previous
        in_query = [*positive_tags(previous), *previous.exclude_tags]
        part = self.parser.parse(rest)
        wanted = {*positive_tags(part), *part.exclude_tags}
        spoken = [w for w in re.findall(r"[\w+#.-]+", rest.lower()) if w not in STOP_WORDS]
        for word in spoken:
            category = CATEGORY_WORDS.get(word)
            tag = self.parser.resolve_tag(word)
            if tag and category and tag != singular(word):
                wanted.discard(tag)  # "any framework": the category, not the #library it is an alias of
            elif tag:
                wanted.add(tag)
                if tag in in_query:
                    continue  # "drop the library filter" drops #library, not every framework
            if category in ("framework", "resource"):
                wanted |= {t for t in in_query if self._kind(t) == category}
        expanded = set(wanted)
        for tag in wanted:
            expanded |= self.parser.taxonomy.descendants(tag)
        tags = _unique([t for t in in_query if t in expanded])
        stems = {singular(w) for w in spoken}
        words = [
            w
            for f in ("keywords", "phrases", "exclude_words")
            for w in getattr(previous, f)
            if singular(w.lower()) in stems or w.lower() in rest.lower() and " " in w
        ]
        return tags, _unique(words)

    def _without_tags(self, query: Query, tags: list[str]) -> Query:
        """The query without these tags, nor the words that named them (they would still rank)."""
        terms = {term for tag in tags for term in self.parser.analyzer.terms(tag.replace("-", " "))}
        for tag in tags:
            query = remove_tag(query, tag)
        kept = [w for w in query.tag_words if not set(self.parser.analyzer.terms(w)) <= terms]
        return query.model_copy(update={"tag_words": kept})

    def _kind(self, tag: str) -> str:
        """framework, resource or topic: a swap trades a tag for one of the same kind."""
        taxonomy = self.parser.taxonomy
        if tag in FRAMEWORK_TAGS or any(t in FRAMEWORK_TAGS for t in taxonomy.with_ancestors(tag)):
            return "framework"
        return "resource" if taxonomy.is_resource(tag) else "topic"

    def _closest(self, old: list[str], new: list[str]) -> list[str]:
        """Of the old topic tags, those in the new ones' family (a shared ancestor), when any are;
        else the one whose name shares the most words with theirs, then the one the catalog
        combines with the new ones least, for their alternative: "data
        augmentation for cv", then "what about audio", trades #computer-vision (3 of its 388
        projects are about audio), not #data-augmentation (2 of 41)."""
        taxonomy = self.parser.taxonomy
        family = set().union(*(taxonomy.with_ancestors(t) for t in new)) if new else set()
        related = [t for t in old if self._kind(t) != "topic" or taxonomy.with_ancestors(t) & family]
        if any(self._kind(t) == "topic" for t in related):
            return related
        topics = [t for t in old if self._kind(t) == "topic"]
        if len(topics) < 2 or not new or self.together is None:
            return old
        together = self.together

        def share(tag: str) -> float:  # how often a project of the old tag is also about the new ones
            return together([tag, *new]) / max(1, together([tag]))

        def kin(tag: str) -> int:  # the words of its name it shares with the new ones': few-shot / one-shot learning
            return len(set(tag.split("-")) & {w for t in new for w in t.split("-")})

        weakest = min(topics, key=lambda t: (-kin(t), share(t)))  # the first of equals
        return [t for t in old if t not in topics or t == weakest]

    def _singular(self, word: str) -> str:
        """The singular the catalog writes: "movies" is "movie", "libraries" is "library" (a phrase
        matches word for word, and English spells both with -ies)."""
        counts = self.parser.lexicon.counts
        form = singular(word)
        return word[:-1] if not counts.get(form) and word.endswith("ies") and counts.get(word[:-1]) else form

    def _uses(self, word: str) -> int:
        """How many projects use the word (its rarest term); 0 without word counts."""
        terms = self.parser.analyzer.terms(word)
        return min((self.doc_freq(t) for t in terms), default=0) if self.doc_freq is not None else 0

    def _respelled(self, said: str) -> str:
        """ "onyl pytorch" read as "only pytorch": see retrieval/replies.py."""
        model, lexicon = self.parser.replies, self.parser.lexicon
        if model is None:
            return said
        return respelled(said, model, lambda w: w in STOP_WORDS or w in lexicon.english or bool(lexicon.counts.get(w)))

    # ---- results --------------------------------------------------------------------------

    def _same(
        self,
        kind: RefinementKind,
        change: str = "",
        page_size: int | None = None,
        page: int | None = None,
        rank: int | None = None,
    ) -> Refinement:
        """A reading that leaves the query as it is (paging, help, not understood...)."""
        return Refinement(kind=kind, query=self.previous, change=change, page_size=page_size, page=page, rank=rank)

    def _changed(self, query: Query, change: str) -> Refinement:
        if query == self.previous:
            return self._same(RefinementKind.NOT_UNDERSTOOD, change=f"That is already the search ({change}); it is unchanged.")
        return Refinement(kind=RefinementKind.CHANGE, query=query, change=change)

    def _not_understood(self, cued: bool = True) -> Refinement:
        """``cued``: the reply had a cue ("drop ...", "only ..."); one without (explicit False) is,
        in a DM, a new request rather than a change the bot could not read."""
        return Refinement(kind=RefinementKind.NOT_UNDERSTOOD, query=self.previous, change=NOT_UNDERSTOOD, explicit=cued)


_SORTS = {"newest": Sort.NEWEST, "oldest": Sort.OLDEST, "relevance": Sort.RELEVANCE}
_SORT_CHANGES = {Sort.NEWEST: "newest first", Sort.OLDEST: "oldest first", Sort.RELEVANCE: "most relevant first"}
_KIND_CHANGES = {
    RefinementKind.NEXT_PAGE: "next page",
    RefinementKind.PREVIOUS_PAGE: "previous page",
    RefinementKind.UNDO: "undone",
}


def _opening(words: list[str]) -> str:
    """The first word without its contraction: "what's" opens like "what", "it's" like "it"."""
    return words[0].split("'")[0] if words else ""


def _understood(reading: Refinement) -> bool:
    """Whether a reading is a cued one that does something."""
    return reading.explicit and reading.kind is not RefinementKind.NOT_UNDERSTOOD


def _known(parser: RequestParser, doc_freq: Callable[[str], int], word: str) -> bool:
    """Whether the catalog uses a word (one of no terms, all stop words, counts as used)."""
    terms = parser.analyzer.terms(word)
    return not terms or any(doc_freq(term) for term in terms)


def _said(text: str) -> str:
    """The reply, lower-cased, single-spaced, without edge punctuation or closing niceties."""
    said = re.sub(r"\s+", " ", spell_out((text or "")[:MAX_REQUEST_CHARS]).strip().lower()).replace("\u2019", "'")
    said = _EDGE.sub("", said)
    return _EDGE.sub("", _TAIL.sub("", said))


def _clause_parts(said: str) -> list[str]:
    """The reply cut at its clause breaks, except inside a range of years ("between 2019 and 2021")."""
    ranges = range_spans(said)
    parts, start = [], 0
    for found in _CLAUSE_BREAK.finditer(said):
        if not any(a <= found.start() and found.end() <= b for a, b in ranges):
            parts.append(said[start : found.start()])
            start = found.end()
    return [*parts, said[start:]]


def _polite(said: str) -> str:
    """The reply without its opening niceties ("ok so", "can you", "show me")."""
    return _EDGE.sub("", _LEAD.sub("", said)) or said


def _without_result_nouns(text: str) -> str:
    return re.sub(r"\s+", " ", _RESULT_NOUNS.sub(" ", text)).strip() or text


def _only_filler(text: str) -> bool:
    return all(w in FILLER or w in STOP_WORDS or w in ACK_WORDS for w in re.findall(r"[a-z0-9']+", text))


def _number(word: str) -> int:
    return int(word) if word.isdigit() else ORDINALS[word]


def _without_words(query: Query, words: list[str]) -> Query:
    gone = {w.lower() for w in words}
    return query.model_copy(
        update={f: [w for w in getattr(query, f) if w.lower() not in gone] for f in (*WORD_FIELDS, "exclude_words")}
    )


def _date_words(start: date | None, end: date | None) -> str:
    if start and end:
        return f"from {start.isoformat()} to {end.isoformat()}"
    return f"since {start.isoformat()}" if start else f"until {end.isoformat()}" if end else "any date"


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
