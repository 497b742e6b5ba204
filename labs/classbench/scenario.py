"""What a class does: the instructor starts a Lab 2 class of pairs through the class page,
every trainee logs in at once, then each keeps a page open (its live parts polling as the
HTML says), moves on to another page now and then, and sometimes creates a VPC."""

import random
import re
import threading
import time
import urllib.parse

from labs.services import MAX_CLASS_SIZE

from .browser import Browser, csrf_in, hidden_inputs, links_in, polls_in
from .live import keep_open

SHEET_LOGIN = re.compile(
    r'Username <span class="mono">([^<]+)</span><br>Password <span class="mono">([^<]+)</span>'
)
CLASS_URL = re.compile(r"/labs/classes/(\d+)/")
DWELL = (8.0, 20.0)  # seconds a trainee stays on a page
CREATE_CHANCE = 0.12  # of each move, to create a VPC instead of browsing


def log_in(browser, username, password):
    """Open the login page and log in; the page the server sends us to (where a browser goes
    next), or None when it did not let us in."""
    status, _, page = browser.get_page("/login/", kind="login")
    if status != 200:
        return None
    form = {"username": username, "password": password, "next": ""}
    form["csrfmiddlewaretoken"] = csrf_in(page)
    status, location, _ = browser.request("POST", "/login/", "login", form=form)
    if status != 302:
        return None
    return urllib.parse.urlsplit(location).path or "/"


def start_class(url, recorder, password, pairs):
    """The instructor starts a Lab 2 class (several, past the largest class a page starts);
    returns ([(username, password)], seconds)."""
    browser = Browser(url, recorder)
    if not log_in(browser, "instructor", password):
        raise RuntimeError("the instructor could not log in")
    browser.get_page("/labs/classes/")
    logins, seconds, number = [], 0.0, 0
    while len(logins) < 2 * pairs:
        number += 1
        size = min(MAX_CLASS_SIZE, pairs - len(logins) // 2)
        started = time.monotonic()
        form = {"name": f"Benchmark class {number}", "lab": "lab2", "size": str(size)}
        status, location, text = browser.post_form("/labs/classes/", form, kind="class")
        seconds += time.monotonic() - started
        match = CLASS_URL.search(location or "")
        if status != 302 or not match:
            raise RuntimeError(f"the class did not start (HTTP {status}): {text[:300]}")
        _, _, sheet = browser.get_page(f"/labs/classes/{match.group(1)}/sheet/")
        found = SHEET_LOGIN.findall(sheet)
        if len(found) != 2 * size:
            raise RuntimeError(f"the sheet lists {len(found)} logins, not {2 * size}")
        logins += found
    browser.close()
    return logins, seconds


class Trainee(threading.Thread):
    """One trainee: logs in when the gate opens, then uses the console until ``stop_at``."""

    def __init__(self, number, url, recorder, login, gate, stop_at):
        super().__init__(daemon=True, name=f"trainee-{number}")
        self.number = number
        self.browser = Browser(url, recorder)
        self.username, self.password = login
        self.gate, self.stop_at = gate, stop_at
        self.random = random.Random(number)
        self.logged_in_after = None
        self.ready_after = None  # the first page's lab panel shown (its first answer)
        self.opened = None
        self.created = 0

    def run(self):
        self.gate.wait()
        self.opened = time.monotonic()
        path = log_in(self.browser, self.username, self.password)
        if path is None:
            return
        self.logged_in_after = time.monotonic() - self.opened
        while time.monotonic() < self.stop_at:
            if self.random.random() < CREATE_CHANCE:
                path = self.create_vpc() or path
            path = self.stay_on(path) or "/"
        self.browser.close()

    def stay_on(self, path):
        """Open ``path`` and keep it open a while; returns the next page to go to."""
        status, path, page = self.browser.get_page(path)
        if status != 200:
            return None
        leave = min(self.stop_at, time.monotonic() + self.random.uniform(*DWELL))
        keep_open(self.browser, page, leave, self.swap)
        links = links_in(page)
        return self.random.choice(links) if links else "/"

    def swap(self, polls, poll, reply):
        if self.ready_after is None and poll.every is None and reply[0] == 200:
            self.ready_after = time.monotonic() - self.opened
        self.answer(polls, poll, reply)

    @staticmethod
    def answer(polls, poll, reply):
        """What htmx does with an answer: 286 stops the polling; an outerHTML swap replaces
        the element, which may poll elsewhere, at another pace, or no more; a ``load`` only
        element asks once."""
        status, _, text = reply
        now = time.monotonic()
        if status == 200 and poll.outer:
            again = polls_in(text, now)
            if again:
                poll.url, poll.every, poll.due = again[0].url, again[0].every, again[0].due
                poll.live = again[0].live
                return
            polls.remove(poll)
        elif status == 286 or poll.every is None:
            polls.remove(poll)
        else:
            poll.due = now + poll.every

    def create_vpc(self):
        """Open the Create VPC form and submit it; returns the new VPC's page."""
        status, _, page = self.browser.get_page("/vpcs/create/")
        if status != 200:
            return None
        self.created += 1
        form = {
            **hidden_inputs(page),
            "name": f"bench-{self.number}-{self.created}",
            "cidr_block": f"10.{self.number % 250}.0.0/16",
            "description": "",
        }
        status, location, _ = self.browser.post_form("/vpcs/create/", form)
        if status != 302:
            self.browser.recorder.refused.append(f"Create VPC answered {status}")
            return None
        return location
