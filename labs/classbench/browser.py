"""A trainee's browser, as far as the server can tell: one keep-alive connection, cookies,
the CSRF token of forms, and the polls the served HTML asks for (``hx-get`` + ``hx-trigger``).
"""

import html
import http.client
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)
ELEMENT = re.compile(r"<[a-zA-Z][^>]*\shx-get=\"[^\"]*\"[^>]*>")
ATTRIBUTE = re.compile(r'\s([a-z-]+)="([^"]*)"')
EVERY = re.compile(r"every\s+(\d+(?:\.\d+)?)(ms|s)")
LINK = re.compile(r'<a\s[^>]*href="(/[^"#]*)"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SKIP_LINKS = ("/logout", "/static/", "delete", "reset", "sheet", "/labs/classes", "/accounts")


class Recorder:
    """Every request's outcome, and how many are in flight (thread-safe)."""

    def __init__(self):
        self.lock = threading.Lock()
        # (start monotonic, kind, seconds, status, error or "", path without its query)
        self.samples = []
        self.in_flight = 0
        self.refused = []  # forms that should have gone through and did not

    def begin(self):
        with self.lock:
            self.in_flight += 1
        return time.monotonic()

    def end(self, start, kind, status, error="", path=""):
        now = time.monotonic()
        with self.lock:
            self.in_flight -= 1
            self.samples.append((start, kind, now - start, status, error, path.split("?")[0]))


@dataclass
class Poll:
    """One element that polls: where, how often, and when next."""

    url: str
    every: float | None  # None: only on load
    target: str
    outer: bool
    due: float = field(default=0.0)
    # A live fragment (console_tags.live_trigger): with the page's event stream open it polls
    # only every LIVE_FALLBACK_MS, and at once when an event names one of its accounts.
    live: bool = False
    last: float = field(default=0.0)


def polls_in(page_html, now):
    """The elements of a page that ask the server by themselves (``hx-trigger`` with ``load``
    or ``every``), as htmx runs them: ``load`` at once, ``every`` after its interval."""
    polls = []
    for tag in ELEMENT.findall(page_html):
        attrs = {k: html.unescape(v) for k, v in ATTRIBUTE.findall(tag)}
        trigger = attrs.get("hx-trigger", "")
        match = EVERY.search(trigger)
        on_load = bool(re.search(r"(^|[\s,])load($|[\s,])", trigger))
        if not match and not on_load:
            continue
        every = float(match.group(1)) / (1000 if match.group(2) == "ms" else 1) if match else None
        first = now if on_load else now + every
        outer = attrs.get("hx-swap", "innerHTML").startswith("outerHTML")
        live = "consoleLive" in trigger
        polls.append(Poll(attrs["hx-get"], every, attrs.get("id", ""), outer, first, live, now))
    return polls


def links_in(page_html):
    return sorted(
        {
            html.unescape(href)
            for href in LINK.findall(page_html)
            if not any(word in href for word in SKIP_LINKS)
        }
    )


INPUT = re.compile(r"<input\s[^>]*>")


def hidden_inputs(page_html):
    """The hidden fields of the page's forms (CSRF token, idempotency key…), by name."""
    fields = {}
    for tag in INPUT.findall(page_html):
        attrs = dict(ATTRIBUTE.findall(tag))
        if attrs.get("type") == "hidden" and attrs.get("name"):
            fields[attrs["name"]] = html.unescape(attrs.get("value", ""))
    return fields


def csrf_in(page_html):
    match = CSRF.search(page_html)
    return match.group(1) if match else ""


class Browser:
    """HTTP/1.1 with keep-alive and cookies; a request on a connection the server closed
    meanwhile is sent again once on a new one, as browsers do."""

    def __init__(self, base_url, recorder):
        parts = urllib.parse.urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.recorder = recorder
        self.cookies = {}
        self.conn = None
        self.current = "/"

    def _connection(self):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        return self.conn

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def _headers(self, extra):
        headers = {"Host": f"{self.host}:{self.port}", "Accept-Encoding": "identity"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        headers.update(extra or {})
        return headers

    def _keep_cookies(self, response):
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if value in ("", '""') or "max-age=0" in header.lower():
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value

    def _send(self, method, path, body, headers):
        for attempt in (1, 2):
            reused = self.conn is not None
            conn = self._connection()
            try:
                conn.request(method, path, body=body, headers=self._headers(headers))
                response = conn.getresponse()
                data = response.read()
            except STALE:
                self.close()
                if attempt == 1 and reused:
                    continue
                raise
            except OSError:
                self.close()
                raise
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            return response, data
        raise AssertionError("unreachable")

    def request(self, method, path, kind, form=None, headers=None):
        """Send one request; returns (status, location, text) or (None, "", "") on an error."""
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers = {**(headers or {}), "Content-Type": "application/x-www-form-urlencoded"}
        start = self.recorder.begin()
        try:
            response, data = self._send(method, path, body, headers)
        except OSError as error:
            self.recorder.end(start, kind, None, f"{type(error).__name__}: {error}", path)
            return None, "", ""
        self._keep_cookies(response)
        status = response.status
        error = f"HTTP {status}" if status >= 400 else ""
        self.recorder.end(start, kind, status, error, path)
        return status, response.getheader("Location", ""), data.decode("utf-8", "replace")

    def get_page(self, path, kind="page"):
        """GET a page, following redirects; returns (status, final path, html)."""
        for _ in range(5):
            status, location, text = self.request("GET", path, kind)
            if status in (301, 302) and location:
                path = urllib.parse.urlsplit(location).path or "/"
                continue
            break
        if status == 200:
            self.current = path
        return status, path, text

    def poll(self, poll):
        headers = {
            "HX-Request": "true",
            "HX-Current-URL": f"http://{self.host}:{self.port}{self.current}",
            "HX-Target": poll.target,
            "HX-Trigger": poll.target,
        }
        return self.request("GET", poll.url, "poll", headers=headers)

    def post_form(self, path, form, kind="write"):
        form = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **form}
        return self.request("POST", path, kind, form=form, headers={"Referer": path})
