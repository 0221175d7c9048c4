"""The one way the CLI, the console chat and the bot get a search engine: a snapshot, or the start-up cache.

With SNAPSHOT_PATH (``--snapshot FILE``) the engine is memory-mapped from that file
(``findproject index build`` writes one); a file that cannot be used is a bad setting: one
line, exit status 2. Otherwise the catalog's snapshot in ``CACHE_DIR`` is used, built on
the first start (seconds at a few thousand projects, said on stderr) and whenever it is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from bot.settings import Settings, SettingsError
from retrieval import snapshot
from retrieval.cache import cache_path, load_engine
from retrieval.engine import SearchEngine
from retrieval.problems import CatalogError

BUILD_HINT = "build one with `findproject index build --catalog … --taxonomy … --out FILE`"


def open_engine(
    settings: Settings,
    catalog: Path | None = None,
    taxonomy: Path | None = None,
    skip_invalid: bool = False,
    engine_class: type[SearchEngine] = SearchEngine,
    err: TextIO | None = None,
) -> SearchEngine:
    """The engine of SNAPSHOT_PATH, else for ``catalog`` (default: the settings' catalog and taxonomy)."""
    if settings.snapshot_path is not None:
        return open_snapshot(settings.snapshot_path, engine_class)
    if catalog is None:
        catalog, taxonomy = settings.catalog_path, taxonomy or settings.taxonomy_path
    stream = err or sys.stderr

    def building() -> None:
        if stream.isatty():
            print(
                f"Building the search index and tag model for {catalog.name} (first start; "
                f"cached in {settings.cache_dir} for the next)…",
                file=stream,
                flush=True,
            )

    return load_engine(
        catalog, taxonomy, cache_dir=settings.cache_dir, skip_invalid=skip_invalid, engine_class=engine_class, on_build=building
    )


def open_snapshot(path: Path, engine_class: type[SearchEngine] = SearchEngine) -> SearchEngine:
    try:
        return snapshot.load(path, engine_class=engine_class)
    except snapshot.SnapshotError as exc:
        raise SettingsError(f"snapshot {path} cannot be used: {exc}; {BUILD_HINT}") from None


def shared_snapshot(settings: Settings) -> Path | None:
    """The snapshot that worker processes should all map: SNAPSHOT_PATH, else the cache's, built now if need be.

    None when the cache cannot be written or the catalog does not load (each worker then
    tries for itself, and the first that fails says why).
    """
    try:
        engine = open_engine(settings)  # an unusable SNAPSHOT_PATH is one line here, not in every worker
    except CatalogError:
        return None
    del engine  # only the file is wanted here: the workers map it
    if settings.snapshot_path is not None:
        return settings.snapshot_path
    path = cache_path(settings.cache_dir, settings.catalog_path)
    return path if path.exists() else None
