"""The small built-in table of generic English request words.

Everything topical comes from the loaded catalog and taxonomy; this file only knows how
people phrase requests: resource kinds, negations, sort words and filler.
"""

from __future__ import annotations

# Word (already singular) -> resource tags to try, in order; the first the catalog has wins.
RESOURCE_WORDS: dict[tuple[str, ...], tuple[str, ...]] = {
    ("tutorial",): ("tutorial",),
    ("guide",): ("tutorial",),
    ("walkthrough",): ("tutorial",),
    ("how-to",): ("tutorial",),
    ("howto",): ("tutorial",),
    ("course",): ("course", "tutorial"),
    ("class",): ("course", "tutorial"),
    ("lecture",): ("course", "video"),
    ("paper",): ("paper", "research"),
    ("publication",): ("paper", "research"),
    ("preprint",): ("paper", "research"),
    ("arxiv",): ("paper", "research"),
    ("research",): ("research", "paper"),
    ("library",): ("library", "tool"),
    ("lib",): ("library", "tool"),
    ("package",): ("library", "tool"),
    ("framework",): ("library", "tool"),
    ("toolkit",): ("library", "tool"),
    ("sdk",): ("library", "tool"),
    ("tool",): ("tool", "library"),
    ("notebook",): ("notebook",),
    ("colab",): ("notebook",),
    ("jupyter",): ("notebook",),
    ("ipynb",): ("notebook",),
    ("video",): ("video",),
    ("vid",): ("video",),
    ("talk",): ("talk", "video"),
    ("youtube",): ("video",),
    ("screencast",): ("video",),
    ("webinar",): ("video",),
    ("dataset",): ("dataset",),
    ("data", "set"): ("dataset",),
    ("corpus",): ("dataset",),
    ("corpora",): ("dataset",),
    ("code",): ("code",),
    ("repo",): ("code",),
    ("repository",): ("code",),
    ("implementation",): ("code",),
    ("github",): ("code",),
    ("source", "code"): ("code",),
    ("demo",): ("demo",),
    ("article",): ("article", "blog"),
    ("blog",): ("blog", "article"),
    ("blog", "post"): ("blog", "article"),
    ("post",): ("article", "blog"),
    ("writeup",): ("article", "blog"),
    ("write-up",): ("article", "blog"),
    ("book",): ("book",),
    ("ebook",): ("book",),
    ("textbook",): ("book",),
    ("podcast",): ("podcast",),
    ("slide",): ("slides",),
}

# A negated auxiliary before a subject asks a question ("wasn't there a tutorial", "doesn't
# anyone know"): that is no exclusion.
NEGATED_AUXILIARIES = frozenset(
    {
        "don",
        "dont",
        "doesn",
        "doesnt",
        "didn",
        "isn",
        "aren",
        "wasn",
        "weren",
        "won",
        "cannot",
        "couldn",
        "shouldn",
        "wouldn",
        "haven",
        "hasn",
        "mustn",
    }
)
QUESTION_SUBJECTS = frozenset(
    {"there", "you", "we", "i", "it", "they", "he", "she", "this", "that", "anyone", "someone", "anybody", "somebody", "everyone"}
)
# Negation cues: each opens a scope that runs to the end of its clause (retrieval/parser.py).
NEGATIONS = frozenset(
    {
        "not",
        "without",
        "no",
        "except",
        "excluding",
        "exclude",
        "minus",
        "sans",
        "nor",
        "neither",
        "never",
        "avoid",
        "avoiding",
        "skip",
        "skipping",
        "non",
        "nothing",
        "besides",
        "outside",
        *NEGATED_AUXILIARIES,
    }  # "don't" is "don", "t"
)
NEGATION_PAIRS = frozenset(
    {
        ("anything", "but"),
        ("everything", "but"),
        ("other", "than"),
        ("instead", "of"),
        ("rather", "than"),
        ("apart", "from"),
        ("aside", "from"),
        ("rather", "not"),
        ("but", "not"),
        ("can", "t"),
        ("away", "from"),
        ("clear", "of"),  # steer, stay or keep clear of
        ("done", "with"),
        ("tired", "of"),
        ("sick", "of"),
        ("hold", "the"),  # "but hold the transformers"
        ("leave", "out"),  # "leave out anything on adversarial attacks"
        ("leaving", "out"),
        ("rule", "out"),
        ("filter", "out"),
    }
)
# "drop the keras ones", "ditch any pytorch stuff": removal, when what follows is a tag and results.
REMOVING = frozenset({"drop", "ditch", "remove", "lose"})
RESULT_WORDS = frozenset({"ones", "stuff", "results", "projects", "things", "papers", "material"})
# Cues that are also idioms with an everyday word ("no rush", "not sure"): with these alone
# a word no project uses rules nothing out. The others ("skip", "excluding", "leave out")
# rule out whatever they name ("skip anything about midi").
IDIOMATIC_NEGATIONS = frozenset({"no", "not"})
# A negation of a clause, not of a thing: "that's not what we do".
CLAUSE_OPENERS = frozenset({"what", "how", "which", "who", "where", "when", "why"})
# A negation said after its subject: "tf is banned", "pytorch isn't an option", "nlp is off
# the table". A copula right after a tag, then a negation or a word that rules it out.
COPULAS = frozenset({"is", "are", "s", "was", "were", "re"})
NEGATED_COPULAS = frozenset({"isn", "isnt", "aren", "arent", "wasn", "wasnt", "weren", "werent", "ain", "aint"})
SINGULAR_COPULAS = frozenset({"is", "s", "was", "isn", "isnt", "wasn", "wasnt"})
RULED_OUT = frozenset(
    {"not", "no", "never", "banned", "forbidden", "prohibited", "disallowed", "off", "out", "useless", "irrelevant"}
)
# Words that may end the subject before such a copula: "anything yolo-related is off the table".
SUBJECT_TAILS = frozenset({"related", "based", "centric", "specific", "only", "stuff", "ones", "things", "results", "material"})
# "X need not apply", "X should not ...": a modal and a negation after the tag named last.
MODALS = frozenset({"need", "should", "must", "can", "will", "would", "could"})
# "..., which I don't want": verbs of wanting a negated relative clause declines with.
WANTING = frozenset({"want", "need", "like", "care"})
# "leave that out": a back reference between the verb and its particle.
LEAVE_OUT = frozenset({"leave", "keep"})
LEFT_OUT = frozenset({"that", "those", "these", "them", "it"})
# A tag's subject phrase may run on through one of these ("saliency maps on images is not ...").
PREPOSITIONS = frozenset({"on", "in", "for", "of", "with", "from", "about", "using", "via"})
# Words a negation can point back with: "we did the tf.js ones, so skip those".
BACK_REFERENCES = frozenset({"those", "these", "them"})
# Words that end a negation's clause ("not pytorch but tensorflow", "no gans because ...").
CLAUSE_BREAKS = frozenset(
    {"but", "because", "cause", "cuz", "coz", "though", "although", "however", "since", "so", "while", "whereas", "yet", "then"}
)
# Clause breaks that give a reason ("since we use mxnet at work"): tags named there are context.
REASONS = frozenset({"because", "since", "cause", "cuz", "coz"})
# Words that carry a negation on to the next excluded item ("not yolo or ssd").
LIST_JOINS = frozenset({"or", "nor", "and"})

NEWEST_WORDS = frozenset({"newest", "latest", "recent", "recently", "newer"})
OLDEST_WORDS = frozenset({"oldest", "older", "earliest"})

# Words that say how to ask, not what to find. They never become keywords.
FILLER = frozenset(
    """
    find show me give get want need looking look search searching please pls plz thanks thank
    any anything something some stuff things thing ones good great best nice cool awesome useful
    recommend recommendation recommendations suggest suggestion suggestions help i im i'm
    you can could would like know tell teach learn learning about on for of the a an in into
    with using use based around related regarding covering cover hey hi hello bot findproject
    first top resources resource project projects try there is are do does how what which where who
    """.split()
)

# What a reply can drop or leave free by naming its kind: "any framework", "drop the date filter".
CATEGORY_WORDS = {
    "framework": "framework",
    "frameworks": "framework",
    "library": "framework",
    "libraries": "framework",
    "lib": "framework",
    "libs": "framework",
    "type": "resource",
    "types": "resource",
    "kind": "resource",
    "format": "resource",
    "resource": "resource",
    "date": "dates",
    "dates": "dates",
    "year": "dates",
    "years": "dates",
    "time": "dates",
    "order": "sort",
    "sort": "sort",
    "sorting": "sort",
    "filter": "filters",
    "filters": "filters",
    "everything": "filters",
    "all": "filters",
}
# "any framework (is fine)", "framework doesn't matter": a category said to be free, no intent.
CATEGORY_NOUNS = frozenset(word for word, kind in CATEGORY_WORDS.items() if kind == "framework")
ANY_WORDS = frozenset({"any", "whatever", "whichever"})
FREE_PREDICATES = frozenset({"fine", "ok", "okay", "matter", "matters", "care", "whatever", "irrelevant"})

# Real words, so they must not be taken for short tags or aliases with the same spelling.
AMBIGUOUS_SHORT = frozenset({"go", "r", "c", "pos", "em", "it", "us", "am", "be", "do", "so", "up", "a", "i"})
