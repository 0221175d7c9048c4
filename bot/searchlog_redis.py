"""The search log on the Redis server of bot/redis_store.py, so one report covers every process.

Keys, all under ``{STATE_PREFIX}:searchlog:``:

- ``search:{id}``: the SearchRecord as JSON; ``searches``: a sorted set of the ids by time,
  which the window reads and the purge walk;
- ``votes:{id}``: a hash of user key -> the VoteRecord as JSON; ``clicks:{id}``: a list of
  ClickRecords as JSON. A vote and a click are each one Lua script, so "is the search
  logged" and "one vote per user" hold when two processes record at the same moment;
- ``secret``: the random user-key secret, set once (SET NX) and shared by every process.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime

from bot.redis_client import connect, failures
from bot.searchlog import ClickRecord, LogWindow, RecordingLog, SearchRecord, VoteRecord, VoteResult
from bot.user_keys import new_stored_secret

BATCH = 500  # searches per pipeline when reading or purging a large log

# KEYS: the search, its votes. ARGV: user key, vote, the vote as JSON, its time (ISO 8601).
VOTE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 'unknown' end
local old = redis.call('HGET', KEYS[2], ARGV[1])
if not old then
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
  return 'recorded'
end
local previous = cjson.decode(old)
if previous.vote == ARGV[2] then return 'same' end
previous.vote = ARGV[2]
previous.at = ARGV[4]
previous.changes = previous.changes + 1
redis.call('HSET', KEYS[2], ARGV[1], cjson.encode(previous))
return 'changed'
"""

# KEYS: the search, its clicks. ARGV: the click as JSON.
CLICK = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[1])
return 1
"""


class RedisSearchLog(RecordingLog):
    def __init__(
        self,
        url: str,
        *,
        prefix: str,
        secret: bytes | None,
        keep_text: bool,
        retention_days: float,
        clock: Callable[[], float] = time.time,
    ):
        self.url = url
        self.base = f"{prefix}:searchlog"
        self._client = connect(url)
        self._vote = self._client.register_script(VOTE)
        self._click = self._client.register_script(CLICK)
        self._index = f"{self.base}:searches"
        super().__init__(secret, keep_text, retention_days, clock)

    def _put_search(self, record: SearchRecord) -> None:
        with failures(self.url, "recording a search"):
            (
                self._client.pipeline()
                .set(self._search(record.search_id), record.model_dump_json())
                .zadd(self._index, {record.search_id: record.at.timestamp()})
                .execute()
            )

    def _put_vote(self, vote: VoteRecord) -> VoteResult:
        with failures(self.url, "recording a vote"):
            result = self._vote(
                keys=[self._search(vote.search_id), self._votes(vote.search_id)],
                args=[vote.user_key, vote.vote.value, vote.model_dump_json(), vote.at.isoformat()],
            )
        return VoteResult(result)

    def _put_click(self, click: ClickRecord) -> bool:
        with failures(self.url, "recording a click"):
            added = self._click(
                keys=[self._search(click.search_id), self._clicks(click.search_id)], args=[click.model_dump_json()]
            )
        return bool(added)

    def _purge(self, before: float) -> int:
        with failures(self.url, "deleting old searches"):
            ids = self._client.zrangebyscore(self._index, "-inf", f"({before!r}")
            for chunk in _chunks(ids):
                names = [name for i in chunk for name in (self._search(i), self._votes(i), self._clicks(i))]
                self._client.pipeline().delete(*names).zrem(self._index, *chunk).execute()
        return len(ids)

    def _stored_secret(self) -> str:
        name = f"{self.base}:secret"
        with failures(self.url, "reading the user-key secret"):
            self._client.set(name, new_stored_secret(), nx=True)
            return self._client.get(name)

    def read(self, since: datetime, until: datetime) -> LogWindow:
        window = LogWindow([], [], [])
        with failures(self.url, "reading the log"):
            ids = self._client.zrangebyscore(self._index, since.timestamp(), f"({until.timestamp()!r}")
            for chunk in _chunks(ids):
                reads = self._client.pipeline(transaction=False)
                for i in chunk:
                    reads.get(self._search(i)).hvals(self._votes(i)).lrange(self._clicks(i), 0, -1)
                replies = reads.execute()
                for search, votes, clicks in zip(replies[0::3], replies[1::3], replies[2::3]):
                    if search is None:  # purged between the two reads
                        continue
                    window.searches.append(SearchRecord.model_validate_json(search))
                    window.votes.extend(map(VoteRecord.model_validate_json, votes))
                    window.clicks.extend(map(ClickRecord.model_validate_json, clicks))
        return window

    def close(self) -> None:
        self._client.close()

    def _search(self, search_id: str) -> str:
        return f"{self.base}:search:{search_id}"

    def _votes(self, search_id: str) -> str:
        return f"{self.base}:votes:{search_id}"

    def _clicks(self, search_id: str) -> str:
        return f"{self.base}:clicks:{search_id}"


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]
