"""Numbering names in order of first use: index terms, catalog tags."""

from __future__ import annotations


class Numbering(dict):
    """name -> number, a new name getting the next number (so numbers follow first use)."""

    def __missing__(self, name: str) -> int:
        self[name] = number = len(self)
        return number
