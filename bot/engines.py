"""The one way the CLI, the console chat and the bot get a search engine: through the start-up cache.

A first start on a catalog builds the index and trains the tag model (seconds at a few
thousand projects) and says so on stderr; later starts load them from ``CACHE_DIR``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from bot.settings import Settings
from retrieval.cache import load_engine
from retrieval.engine import SearchEngine


def open_engine(settings: Settings, catalog: Path | None = None, taxonomy: Path | None = None,
                skip_invalid: bool = False, engine_class: type[SearchEngine] = SearchEngine,
                err: TextIO | None = None) -> SearchEngine:
    """The engine for ``catalog`` (default: the settings' catalog and taxonomy)."""
    if catalog is None:
        catalog, taxonomy = settings.catalog_path, taxonomy or settings.taxonomy_path
    stream = err or sys.stderr

    def building() -> None:
        if stream.isatty():
            print(f"Building the search index and tag model for {catalog.name} (first start; "
                  f"cached in {settings.cache_dir} for the next)…", file=stream, flush=True)

    return load_engine(catalog, taxonomy, cache_dir=settings.cache_dir, skip_invalid=skip_invalid,
                       engine_class=engine_class, on_build=building)
