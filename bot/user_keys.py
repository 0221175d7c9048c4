"""The search log's user keys: an HMAC-SHA256 of the Slack user id, so the log never holds the id.

Why keyed and not a plain hash: a workspace's user ids are few and listed (users.list), so
SHA-256 of an id is reversed by hashing every member. With a secret key that takes the key.
The same user always gets the same key, which is all the report needs (distinct askers,
one vote per user). The key is, in order of preference:

- ``SEARCH_LOG_SECRET``: kept apart from the state, it makes the log unlinkable to people
  by whoever reads the state alone, and survives a rotation of the signing secret;
- derived from ``SLACK_SIGNING_SECRET`` (an HMAC of a fixed label, so the log's key is not
  the signing secret itself, and knowing a user key tells nothing about it);
- else a random one made once and kept in the state (the SQLite file or Redis), shared by
  every process on that state; it protects against a casual reader of a log export only.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections.abc import Callable

from bot.settings import Settings

DERIVATION_LABEL = b"findproject search log user key v1"


def configured_secret(settings: Settings) -> bytes | None:
    """The key the settings give (SEARCH_LOG_SECRET, else derived from the signing secret), or None."""
    if settings.search_log_secret is not None:
        return settings.search_log_secret.get_secret_value().encode()
    if settings.slack_signing_secret is not None:
        signing = settings.slack_signing_secret.get_secret_value().encode()
        return hmac.new(signing, DERIVATION_LABEL, hashlib.sha256).digest()
    return None


def new_stored_secret() -> str:
    """A fresh random key for a state that has none yet (hex, so it stores as text anywhere)."""
    return secrets.token_hex(32)


class UserKeys:
    """Turns a user id into its key. The stored secret is fetched (or made) at the first use only,
    so reading a log for a report never writes a secret into the state."""

    def __init__(self, configured: bytes | None, stored: Callable[[], str]):
        self._secret = configured
        self._stored = stored
        self._lock = threading.Lock()

    def __call__(self, user_id: str) -> str:
        return hmac.new(self._key(), user_id.encode(), hashlib.sha256).hexdigest()

    def _key(self) -> bytes:
        with self._lock:
            if self._secret is None:
                self._secret = bytes.fromhex(self._stored())
            return self._secret
