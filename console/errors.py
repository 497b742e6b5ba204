"""Errors that services raise and views turn into messages beside a field or on the page."""


class ConsoleError(Exception):
    """A refusal in the console's words. ``field`` names the form field it belongs to."""

    code = "InvalidParameter"

    def __init__(self, message, *, field=None, code=None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code


class StateRefused(ConsoleError):
    """A state change that the resource's current state does not allow."""

    code = "IncorrectStatus"


class DependencyViolation(ConsoleError):
    """A delete refused because something still depends on the resource."""

    code = "DependencyViolation"


class ReadOnly(ConsoleError):
    code = "Forbidden.ReadOnly"
