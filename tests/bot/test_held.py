"""bot.held on its own: requests held in arrival order, dispatched again until the app can
journal them, bounded in number, and what is left at a stop is said, not silently lost.
The app is a stand-in that answers 503 (bot.held.STILL_AWAY) while its store is "away"."""

from __future__ import annotations

import logging
import threading

from slack_bolt import BoltRequest, BoltResponse

from bot.held import HELD_KEY, STILL_AWAY, Held
from tests.support.checks import LogWatch


class App:
    def __init__(self) -> None:
        self.away = True
        self.seen: list[str] = []
        self.changed = threading.Condition()

    def dispatch(self, request: BoltRequest) -> BoltResponse:
        assert request.context.get(HELD_KEY), "a held request is marked as such when dispatched again"
        with self.changed:
            if self.away:
                return BoltResponse(status=STILL_AWAY)
            self.seen.append(request.body["n"])
            self.changed.notify_all()
            return BoltResponse(status=200)


def test_held_requests_go_through_in_arrival_order_once_the_app_can_take_them(logs: LogWatch):
    app = App()
    held = Held(app.dispatch, limit=3)
    for n in "abcd":
        held.hold({"n": n}, "connection refused")
    assert held.waiting()
    logs.wait_for(r"unreachable \(connection refused\)", level=logging.ERROR)
    with app.changed:
        app.away = False
        assert app.changed.wait_for(lambda: len(app.seen) == 3, timeout=30)
    line = logs.wait_for("the state store is back")
    assert app.seen == ["a", "b", "c"]
    assert "answered 3 requests" in line and "gave up 1 request that did not fit" in line
    assert not held.waiting()
    held.close()


def test_a_stop_while_requests_are_held_says_how_many_go_unanswered(logs: LogWatch):
    held = Held(App().dispatch)
    held.hold({"n": "a"}, "timeout")
    held.hold({"n": "b"}, "timeout")
    held.close()
    logs.wait_for("stopping with 2 requests held while the state store was away; they go unanswered", level=logging.ERROR)
