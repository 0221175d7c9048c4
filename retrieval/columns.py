"""The catalog as columns: ids, titles, descriptions, tags, dates and urls as flat arrays.

A validated pydantic ``Project`` costs about 1.7 kB, so a million of them held 3 GB (BENCHMARKS.md);
as columns a catalog takes about the size of its text, and the arrays can be written to a
snapshot and memory-mapped back (retrieval/snapshot.py), shared by every worker process.
``Project`` objects are made only for the rows a search returns (``Catalog[doc]``).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import overload

import numpy as np

from retrieval.models import Project
from retrieval.numbering import Numbering


class StringColumn(Sequence[str]):
    """Strings as one UTF-8 byte array and offsets: the i-th is data[offsets[i]:offsets[i + 1]]."""

    def __init__(self, data: np.ndarray, offsets: np.ndarray):
        self.data, self.offsets = data, offsets
        self._bytes = data.data
        self._bounds = offsets.tolist() if offsets.size < 4096 else offsets

    @classmethod
    def of(cls, strings: Iterable[str]) -> StringColumn:
        encoded = [s.encode("utf-8") for s in strings]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)), out=offsets[1:])
        return cls(np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> list[str]: ...

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        i %= len(self)
        return str(self._bytes[int(self._bounds[i]) : int(self._bounds[i + 1])], "utf-8")

    def well_formed(self) -> bool:
        return _offsets_fit(self.offsets, self.data.size)

    def __iter__(self) -> Iterator[str]:
        bounds = self.offsets.tolist()
        data = self._bytes
        return (str(data[a:b], "utf-8") for a, b in zip(bounds, bounds[1:]))


class Catalog(Sequence[Project]):
    """One catalog's projects, column by column; ``catalog[doc]`` is the Project of document ``doc``.

    Tags are a table of names (in order of first use) and, per project, ids into it
    (``tag_ids[tag_offsets[doc]:tag_offsets[doc + 1]]``). Dates are kept as ISO 8601 text,
    which round-trips a datetime exactly (time zone included), and as seconds since the
    epoch for sorting; an empty date or url is None.
    """

    def __init__(
        self,
        ids: StringColumn,
        int_ids: np.ndarray,
        titles: StringColumn,
        descriptions: StringColumn,
        tag_names: Sequence[str],
        tag_offsets: np.ndarray,
        tag_ids: np.ndarray,
        dates: StringColumn,
        timestamps: np.ndarray,
        urls: StringColumn,
    ):
        self.ids, self.int_ids = ids, int_ids
        self.titles, self.descriptions = titles, descriptions
        self.tag_names = list(tag_names)
        self.tag_offsets, self.tag_ids = tag_offsets, tag_ids
        self.dates, self.timestamps, self.urls = dates, timestamps, urls
        sizes = {
            len(ids),
            int_ids.size,
            len(titles),
            len(descriptions),
            tag_offsets.size - 1,
            len(dates),
            timestamps.size,
            len(urls),
        }
        if len(sizes) != 1:
            raise ValueError(f"catalog columns of different lengths: {sorted(sizes)}")

    @classmethod
    def from_projects(cls, projects: Iterable[Project]) -> Catalog:
        builder = CatalogBuilder()
        for project in projects:
            builder.add(project.id, project.title, project.description, project.tags, project.created_on, project.url)
        return builder.build()

    def __len__(self) -> int:
        return self.int_ids.size

    @overload
    def __getitem__(self, doc: int) -> Project: ...
    @overload
    def __getitem__(self, doc: slice) -> list[Project]: ...

    def __getitem__(self, doc):
        if isinstance(doc, slice):
            return [self[i] for i in range(*doc.indices(len(self)))]
        doc = range(len(self))[doc]  # bounds, and negative positions
        date = self.dates[doc]
        return Project.model_construct(  # validated when the catalog was loaded
            id=self.project_id(doc),
            title=self.titles[doc],
            description=self.descriptions[doc],
            tags=self.tags(doc),
            created_on=datetime.fromisoformat(date) if date else None,
            url=self.urls[doc] or None,
        )

    def __iter__(self) -> Iterator[Project]:
        return map(self.__getitem__, range(len(self)))

    def well_formed(self) -> bool:
        """Offsets within their data and tag ids within the table (a loaded snapshot is checked before use)."""
        columns = (self.ids, self.titles, self.descriptions, self.dates, self.urls)
        return (
            all(column.well_formed() for column in columns)
            and _offsets_fit(self.tag_offsets, self.tag_ids.size)
            and (self.tag_ids.size == 0 or 0 <= int(self.tag_ids.min()) <= int(self.tag_ids.max()) < len(self.tag_names))
        )

    def project_id(self, doc: int) -> int | str:
        text = self.ids[doc]
        return int(text) if self.int_ids[doc] else text

    def tags(self, doc: int) -> list[str]:
        names = self.tag_names
        return [names[t] for t in self.tag_ids[self.tag_offsets[doc] : self.tag_offsets[doc + 1]].tolist()]

    def tag_lists(self) -> Iterator[list[str]]:
        """Every project's tags, in document order."""
        names, bounds, ids = self.tag_names, self.tag_offsets.tolist(), self.tag_ids.tolist()
        return ([names[t] for t in ids[a:b]] for a, b in zip(bounds, bounds[1:]))

    def tag_postings(self) -> tuple[np.ndarray, np.ndarray]:
        """The tag columns turned around: (indptr, docs), tag t's documents ascending in docs[indptr[t]:indptr[t + 1]]."""
        doc_of = np.repeat(np.arange(len(self), dtype=np.int32), np.diff(self.tag_offsets))
        order = np.argsort(self.tag_ids, kind="stable")  # stable: each tag's documents stay ascending
        indptr = np.zeros(len(self.tag_names) + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.tag_ids, minlength=len(self.tag_names)), out=indptr[1:])
        return indptr, doc_of[order]

    def with_canonical_tags(self, canonical: Callable[[str], str]) -> Catalog:
        """Tags written as aliases ('nlp') become their canonical tag; a project keeps each tag once, first
        place first, and the tag table is renumbered in order of first use."""
        names = [canonical(t) for t in self.tag_names]
        if names == self.tag_names:
            return self
        provisional = {name: i for i, name in enumerate(dict.fromkeys(names))}
        ids = np.array([provisional[n] for n in names], dtype=np.int32)[self.tag_ids]
        doc_of = np.repeat(np.arange(len(self), dtype=np.int64), np.diff(self.tag_offsets))
        _, first = np.unique(doc_of * len(provisional) + ids, return_index=True)
        if first.size < ids.size:  # a project named one tag twice (an alias and the tag itself)
            keep = np.zeros(ids.size, dtype=bool)
            keep[first] = True
            ids, doc_of = ids[keep], doc_of[keep]
        offsets = np.zeros(len(self) + 1, dtype=np.int64)
        np.cumsum(np.bincount(doc_of, minlength=len(self)), out=offsets[1:])
        used, first_use = np.unique(ids, return_index=True)
        by_first_use = used[np.argsort(first_use, kind="stable")]
        renumber = np.zeros(len(provisional), dtype=np.int32)
        renumber[by_first_use] = np.arange(by_first_use.size, dtype=np.int32)
        table = list(provisional)
        return Catalog(
            self.ids,
            self.int_ids,
            self.titles,
            self.descriptions,
            [table[i] for i in by_first_use],
            offsets,
            renumber[ids],
            self.dates,
            self.timestamps,
            self.urls,
        )


class CatalogBuilder:
    """Collects validated projects' fields, row by row, into a Catalog."""

    def __init__(self) -> None:
        self._ids: list[str] = []
        self._int_ids = bytearray()
        self._titles: list[str] = []
        self._descriptions: list[str] = []
        self._tag_table = Numbering()
        self._tag_ids = array("i")
        self._tag_offsets = array("q", [0])
        self._dates: list[str] = []
        self._timestamps = array("d")
        self._urls: list[str] = []

    def __len__(self) -> int:
        return len(self._ids)

    def add(
        self,
        project_id: int | str,
        title: str,
        description: str,
        tags: Sequence[str],
        created_on: datetime | None,
        url: str | None,
    ) -> None:
        self._ids.append(str(project_id))
        self._int_ids.append(isinstance(project_id, int))
        self._titles.append(title)
        self._descriptions.append(description)
        self._tag_ids.extend(map(self._tag_table.__getitem__, tags))
        self._tag_offsets.append(len(self._tag_ids))
        self._dates.append("" if created_on is None else created_on.isoformat())
        self._timestamps.append(_timestamp(created_on))
        self._urls.append(url or "")

    def build(self) -> Catalog:
        return Catalog(
            StringColumn.of(self._ids),
            np.frombuffer(bytes(self._int_ids), dtype=np.bool_).copy(),
            StringColumn.of(self._titles),
            StringColumn.of(self._descriptions),
            list(self._tag_table),
            np.frombuffer(self._tag_offsets, dtype=np.int64).copy(),
            np.frombuffer(self._tag_ids, dtype=np.int32).copy(),
            StringColumn.of(self._dates),
            np.frombuffer(self._timestamps, dtype=np.float64).copy(),
            StringColumn.of(self._urls),
        )


def _offsets_fit(offsets: np.ndarray, size: int) -> bool:
    return (
        offsets.ndim == 1
        and offsets.size >= 1
        and int(offsets[0]) == 0
        and int(offsets[-1]) == size
        and bool(np.all(offsets[1:] >= offsets[:-1]))
    )


_EPOCH = datetime(1970, 1, 1)


def _timestamp(when: datetime | None) -> float:
    """``Project.timestamp``: for a naive date the same timedelta.total_seconds(), without the time-zone round trip."""
    if when is None:
        return 0.0
    if when.tzinfo is None:
        return (when - _EPOCH).total_seconds()
    return when.timestamp()
