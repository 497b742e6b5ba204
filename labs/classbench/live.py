"""An open page's live parts as the browser runs them (static/js/console.js): one event
stream following the accounts of the page's live tokens; its live fragments poll at their
own pace while the stream is not open, only every ``data-live-fallback-ms`` while it is, and
at once when an event names one of their accounts, or when their answer carries a token older
than a counter an event named."""

import html
import http.client
import queue
import re
import socket
import threading
import time
import urllib.parse

from .browser import polls_in

EVENTS = re.compile(r'data-live-events="([^"]+)"')
FALLBACK = re.compile(r'data-live-fallback-ms="(\d+)"')
TOKEN = re.compile(r"[?&]live=([^&]+)")
MAX_TOKENS = 8


def counters_of(url):
    """The accounts of a poll URL's live token, each with the counter it was read at."""
    match = TOKEN.search(url)
    if not match:
        return {}
    parts = urllib.parse.unquote(match.group(1)).split("-")
    return dict(zip(parts[0].split("."), map(int, parts[1].split(".")), strict=True))


def accounts_of(url):
    return set(counters_of(url))


def stream_path(events_url, polls):
    """The page's event stream URL: per account, the token that showed it oldest (as
    console.js picks them)."""
    if not events_url:
        return None
    oldest = {}
    for poll in polls:
        found = TOKEN.search(poll.url)
        if not (poll.live and found):
            continue
        for account, counter in counters_of(poll.url).items():
            if account not in oldest or counter < oldest[account][0]:
                oldest[account] = (counter, urllib.parse.unquote(found.group(1)))
    tokens = []
    for account in sorted(oldest):
        if oldest[account][1] not in tokens:
            tokens.append(oldest[account][1])
    if not tokens:
        return None
    query = urllib.parse.urlencode([("live", t) for t in tokens[:MAX_TOKENS]])
    return f"{events_url}?{query}"


class EventStream(threading.Thread):
    """An EventSource: reads ``change`` events into ``changes`` until closed."""

    def __init__(self, browser, path):
        super().__init__(daemon=True, name="event-stream")
        self.browser, self.path = browser, path
        self.changes = queue.Queue()
        self.opened = threading.Event()
        self.closed = False
        self.conn = None
        self.opened_callback = None

    def is_open(self):
        return self.opened.is_set() and not self.closed

    def run(self):
        self.conn = http.client.HTTPConnection(self.browser.host, self.browser.port, timeout=None)
        try:
            headers = self.browser._headers({"Accept": "text/event-stream"})
            self.conn.request("GET", self.path, headers=headers)
            response = self.conn.getresponse()
            if response.status != 200:
                return
            self.opened.set()
            if self.opened_callback is not None:
                self.opened_callback()
            event = data = None
            while not self.closed:
                line = response.readline()
                if not line:
                    break
                line = line.decode().rstrip("\r\n")
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:"):
                    data = line[5:].strip()
                elif not line and event == "change":
                    account, counter = data.split()
                    self.changes.put((account, int(counter)))
                    event = data = None
        except (OSError, ValueError, AttributeError, http.client.HTTPException):
            # The page was left (close() from another thread) or the server went away.
            pass
        finally:
            self.closed = True
            self.changes.put(None)  # wakes the page

    def close(self):
        self.closed = True
        if self.conn is not None and self.conn.sock is not None:
            try:
                self.conn.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.conn.close()


class OpenPage:
    """A page kept open: its event stream (if it has live fragments) and its polls."""

    def __init__(self, browser, page_html, answer):
        self.browser, self.answer = browser, answer
        self.polls = polls_in(page_html, time.monotonic())
        match = FALLBACK.search(page_html)
        self.fallback = int(match.group(1)) / 1000 if match else 25.0
        match = EVENTS.search(page_html)
        self.events_url = html.unescape(match.group(1)) if match else None
        self.stream, self.following = None, set()
        self.woken = set()  # polls an event made due at once
        self.heard = {}  # account -> the newest counter an event of the stream named
        self.asked = set()  # poll URLs (with their token) already asked again because of heard
        self.on_stream = None

    def follow(self):
        """(Re)open the stream when the accounts of the live fragments changed (a fragment
        loaded or swapped in), as console.js does after each swap."""
        accounts = set().union(*(accounts_of(p.url) for p in self.polls if p.live))
        if self.stream is not None and not self.stream.closed and accounts == self.following:
            return
        self.close()
        self.following = accounts
        self.heard, self.asked = {}, set()
        path = stream_path(self.events_url, self.polls) if accounts else None
        if path:
            self.stream = EventStream(self.browser, path)
            self.stream.opened_callback = self.on_stream
            self.stream.start()

    def close(self):
        if self.stream is not None:
            self.stream.close()
            self.stream = None

    def due(self, poll):
        if poll.live and self.stream is not None and self.stream.is_open():
            if id(poll) in self.woken:
                return poll.due
            return poll.last + self.fallback
        return poll.due

    def wait(self, seconds):
        """Sleep ``seconds``, or less when an event arrives (its polls become due)."""
        if self.stream is None or self.stream.closed:
            time.sleep(seconds)
            return
        try:
            change = self.stream.changes.get(timeout=seconds)
        except queue.Empty:
            return
        if change is None:
            return
        account, counter = change
        self.heard[account] = max(counter, self.heard.get(account, 0))
        for poll in self.polls:
            # One whose rows were read at that counter or later already shows the change.
            if poll.live and counters_of(poll.url).get(account, counter) < counter:
                self.wake(poll)

    def wake(self, poll):
        poll.due = time.monotonic()
        self.woken.add(id(poll))

    def catch_up(self):
        """Fragments whose token is older than a counter an event named ask again at once."""
        for poll in self.polls:
            counters = counters_of(poll.url)
            behind = any(self.heard.get(a, 0) > c for a, c in counters.items())
            if poll.live and behind and poll.url not in self.asked:
                self.asked.add(poll.url)
                self.wake(poll)

    def run_until(self, leave):
        self.follow()
        try:
            while self.polls and time.monotonic() < leave:
                poll = min(self.polls, key=self.due)
                wait = min(self.due(poll), leave) - time.monotonic()
                if wait > 0:
                    self.wait(wait)
                    continue
                self.woken.discard(id(poll))
                poll.last = time.monotonic()
                self.answer(self.polls, poll, self.browser.poll(poll))
                poll.last = time.monotonic()
                self.follow()
                self.catch_up()
            time.sleep(max(0.0, leave - time.monotonic()))
        finally:
            self.close()


def keep_open(browser, page_html, leave, answer):
    """Keep a page open until ``leave`` (monotonic) as the browser would. ``answer(polls,
    poll, reply)`` applies a poll's answer (swap, stop, next due)."""
    OpenPage(browser, page_html, answer).run_until(leave)
