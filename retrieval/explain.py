"""Explain a page: notes that hold for the results they sit above, and tags to refine by."""

from __future__ import annotations

import numpy as np

from retrieval.corpus import Corpus
from retrieval.models import Query
from retrieval.score import Scored


def page_notes(query: Query, scored: Scored, page: list[int], corpus: Corpus) -> tuple[list[str], bool]:
    """Notes for this page, and whether it shows close matches (results lacking a tag intent).

    Each note is computed from the very results it describes, so it cannot be false.
    """
    notes = [f"#{tag} is not a tag in this catalog." for tag in query.include_tags if tag not in corpus.taxonomy.tags]
    intents = [t for t in query.include_tags if t in query.inferred_tags]
    missing: list[str] = []
    for doc in page:
        missing.extend(t for t in intents if not corpus.tag_mask(t)[doc] and t not in missing)
    if not missing:
        return notes, False
    complete = int(np.count_nonzero(scored.complete[scored.candidates]))
    wanted = " ".join(f"#{t}" for t in intents)
    lacking = " or ".join(f"#{t}" for t in missing)
    if complete == 0:
        notes.append(f"No project carries all of {wanted}; these are close matches (they lack {lacking}).")
    else:
        notes.append(
            f"{complete} {'project carries' if complete == 1 else 'projects carry'} all of {wanted}; "
            f"results here that lack {lacking} are close matches."
        )
    return notes, True
