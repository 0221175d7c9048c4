"""The snapshot file: named numpy arrays in one file, memory-mapped back, never trusted unchecked.

Layout: a fixed prefix (MAGIC, the manifest's length and its SHA-256), the manifest (JSON:
format, code version, key, small metadata, each array's dtype, shape and offset, and a CRC-32
per CHUNK of the data), zero padding up to HEADER, then the arrays, each aligned to ALIGN.
Arrays are stored uncompressed and little-endian, so ``read`` hands out read-only views
into one ``np.memmap``: N worker processes that open the same file share one copy of it in
the page cache (only what each one touches counts in its RSS, and as shared memory).

``read`` checks, in order, the magic, the manifest's checksum, the format, the code version,
the key (when one is expected), the file's size against the manifest, each array's bounds,
and every data chunk's CRC-32 (read through the file, two threads, about 1.6 GB/s per
core here), so a foreign, truncated or damaged file is refused with one line, never used.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import zlib
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

MAGIC = b"FINDPROJECT-SNAPSHOT\n"
FORMAT = 1
HEADER = 1 << 16  # bytes before the data: the prefix and the manifest, zero-padded
ALIGN = 64
CHUNK = 1 << 26  # 64 MiB of data per CRC-32
_PREFIX = struct.Struct(f"<{len(MAGIC)}sQ32s")
_DTYPES = frozenset({"|u1", "|b1", "<i4", "<i8", "<f4", "<f8"})


class SnapshotError(Exception):
    """A file that cannot be used as a snapshot; the message says why in a few words."""


def write(path: Path, arrays: Mapping[str, np.ndarray], *, code: str, key: str, meta: dict[str, Any]) -> None:
    """Write atomically: to a temporary file beside ``path``, then renamed over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    table: dict[str, dict[str, Any]] = {}
    try:
        with open(tmp, "wb") as handle:
            handle.write(bytes(HEADER))
            data = _ChunkedCrc(handle)
            for name, array in arrays.items():
                array = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<"))
                if array.dtype.str not in _DTYPES:
                    raise ValueError(f"snapshot array {name} has an unsupported dtype {array.dtype}")
                data.write(bytes(-data.size % ALIGN))
                table[name] = {"dtype": array.dtype.str, "shape": list(array.shape), "offset": data.size}
                if array.size:  # an empty array has no bytes (and its view cannot be cast)
                    data.write(array.data.cast("B"))
            manifest = json.dumps(
                {
                    "format": FORMAT,
                    "code": code,
                    "key": key,
                    "meta": meta,
                    "arrays": table,
                    "data_size": data.size,
                    "chunk": CHUNK,
                    "crc32": data.finish(),
                }
            ).encode()
            if _PREFIX.size + len(manifest) > HEADER:
                raise ValueError("snapshot manifest too large")
            handle.seek(0)
            handle.write(_PREFIX.pack(MAGIC, len(manifest), hashlib.sha256(manifest).digest()) + manifest)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def read(path: Path, *, code: str, key: str | None = None) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """(arrays, meta) of a checked snapshot; SnapshotError for anything else."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as handle:
            prefix = handle.read(_PREFIX.size)
            if len(prefix) < _PREFIX.size or not prefix.startswith(MAGIC):
                raise SnapshotError("not a FindProject snapshot")
            _, length, digest = _PREFIX.unpack(prefix)
            manifest_bytes = handle.read(min(length, HEADER))
        if length > HEADER - _PREFIX.size or hashlib.sha256(manifest_bytes).digest() != digest:
            raise SnapshotError("damaged header (checksum)")
        manifest = json.loads(manifest_bytes)
        if manifest.get("format") != FORMAT:
            raise SnapshotError(f"snapshot format {manifest.get('format')}, this version reads {FORMAT}")
        if manifest["code"] != code:
            raise SnapshotError("built by another version of findproject")
        if key is not None and manifest["key"] != key:
            raise SnapshotError("built from another catalog, taxonomy or settings")
        if size != HEADER + manifest["data_size"]:
            raise SnapshotError(f"truncated or damaged: {size} bytes, expected {HEADER + manifest['data_size']}")
        _check_bounds(manifest["arrays"], manifest["data_size"])
        _check_crcs(path, manifest["crc32"], manifest["chunk"], manifest["data_size"])
        whole = np.memmap(path, dtype=np.uint8, mode="r")
    except SnapshotError:
        raise
    except OSError as exc:
        raise SnapshotError(f"cannot read it: {exc.strerror or exc}") from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:  # a manifest of the wrong shape
        raise SnapshotError(f"damaged manifest ({exc.__class__.__name__})") from None
    # Plain read-only ndarrays over the map (a memmap's own slicing is a Python call, slow in loops).
    arrays = {
        name: np.ndarray(entry["shape"], dtype=entry["dtype"], buffer=whole, offset=HEADER + entry["offset"])
        for name, entry in manifest["arrays"].items()
    }
    return arrays, manifest["meta"]


def _check_bounds(table: dict[str, dict[str, Any]], data_size: int) -> None:
    for name, entry in table.items():
        shape, offset = entry["shape"], entry["offset"]
        if (
            entry["dtype"] not in _DTYPES
            or not isinstance(offset, int)
            or offset % ALIGN
            or not all(isinstance(n, int) and n >= 0 for n in shape)
        ):
            raise SnapshotError(f"damaged manifest (array {name})")
        nbytes = int(np.prod(shape, dtype=np.int64)) * np.dtype(entry["dtype"]).itemsize
        if not 0 <= offset <= offset + nbytes <= data_size:
            raise SnapshotError(f"damaged manifest (array {name} out of bounds)")


def _check_crcs(path: Path, expected: list[int], chunk: int, data_size: int) -> None:
    if not isinstance(chunk, int) or chunk <= 0 or len(expected) != -(-data_size // chunk):
        raise SnapshotError("damaged manifest (checksums)")

    def crc(number: int) -> int:
        with open(path, "rb") as handle:
            handle.seek(HEADER + number * chunk)
            return zlib.crc32(handle.read(min(chunk, data_size - number * chunk)))

    with ThreadPoolExecutor(max_workers=2) as pool:  # zlib releases the GIL: both cores
        found = list(pool.map(crc, range(len(expected))))
    bad = [number for number, (a, b) in enumerate(zip(found, expected)) if a != b]
    if bad:
        raise SnapshotError(f"damaged: checksum of data chunk {bad[0]} does not match")


class _ChunkedCrc:
    """Writes the data area, keeping a CRC-32 per CHUNK bytes."""

    def __init__(self, handle):
        self._handle = handle
        self.size = 0
        self._crcs: list[int] = []
        self._crc = 0

    def write(self, data: memoryview | bytes) -> None:
        view = memoryview(data)
        while view.nbytes:
            take = min(view.nbytes, CHUNK - self.size % CHUNK)
            self._crc = zlib.crc32(view[:take], self._crc)
            self._handle.write(view[:take])
            self.size += take
            view = view[take:]
            if self.size % CHUNK == 0:
                self._crcs.append(self._crc)
                self._crc = 0

    def finish(self) -> list[int]:
        return self._crcs + ([self._crc] if self.size % CHUNK else [])
