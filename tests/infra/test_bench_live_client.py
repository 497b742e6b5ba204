"""The class benchmark's trainees keep pages open as console.js does: the stream follows the
oldest token of each account, and a fragment whose answer is older than a counter an event
named asks again at once (once per fragment and token); an event wakes only the fragments
read before its counter."""

import queue
from types import SimpleNamespace
from urllib.parse import quote

from labs.classbench.browser import Poll
from labs.classbench.live import OpenPage, stream_path

LATER = 10.0**12  # a due time far after now (monotonic)


def poll(token, live=True):
    return Poll(f"/labs/panel/?live={quote(token)}", 3.0, "lab-steps", True, due=LATER, live=live)


def test_the_stream_follows_the_oldest_token_of_each_account():
    polls = [poll("7-12-1-a"), poll("7.9-10.4-1-b"), poll("9-5-1-c"), poll("8-1-1-d", live=False)]
    assert stream_path("/live/events/", polls) == "/live/events/?live=7.9-10.4-1-b"


def test_an_answer_older_than_a_heard_change_asks_again_once():
    page = OpenPage(browser=None, page_html="", answer=None)
    fresh, stale = poll("7-12-1-a"), poll("7-10-1-b")
    page.polls = [fresh, stale]
    page.heard = {"7": 12}
    page.catch_up()
    assert (fresh.due, id(fresh) in page.woken) == (LATER, False)
    assert id(stale) in page.woken and stale.due < LATER
    stale.due = LATER
    page.catch_up()  # the same token (a 204): asked already
    assert stale.due == LATER


def test_an_event_wakes_only_the_fragments_read_before_its_counter():
    page = OpenPage(browser=None, page_html="", answer=None)
    before, after, other = poll("7-11-1-a"), poll("7-12-1-b"), poll("9-3-1-c")
    page.polls = [before, after, other]
    page.stream = SimpleNamespace(closed=False, changes=queue.Queue())
    page.stream.changes.put(("7", 12))
    page.wait(0)
    assert page.heard == {"7": 12}
    assert page.woken == {id(before)}
