"""Reading the flattened RPC parameters: scalars, booleans, integers, N-lists, JSON strings."""

import json
import re

from .errors import illegal, missing

_TRUE = {"true"}
_FALSE = {"false"}


class Params:
    """The request's parameters (query and form merged), read with the cloud's rules."""

    def __init__(self, data):
        self.data = data

    def str(self, name, *, required=False, default="", max_length=512):
        value = self.data.get(name)
        if value is None or value == "":
            if required:
                raise missing(name)
            return default
        if len(value) > max_length:
            raise illegal(name, f"It is longer than {max_length} characters.")
        return value

    def bool(self, name, default=False):
        value = self.data.get(name)
        if value is None or value == "":
            return default
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise illegal(name, "Use true or false.")

    def int(self, name, *, default=None, required=False, low=None, high=None):
        value = self.data.get(name)
        if value is None or value == "":
            if required:
                raise missing(name)
            return default
        try:
            number = int(value.strip())
        except ValueError:
            raise illegal(name, "It must be an integer.") from None
        if (low is not None and number < low) or (high is not None and number > high):
            raise illegal(name, f"It must be between {low} and {high}.")
        return number

    def list(self, prefix, *, limit=100):
        """``Prefix.1``, ``Prefix.2``…: the values in index order."""
        return [item for _, item in self._indexed(prefix, None, limit)]

    def structs(self, prefix, *, limit=100):
        """``Prefix.N.Field``: a list of dicts in index order."""
        return [item for _, item in self._indexed(prefix, "struct", limit)]

    def _indexed(self, prefix, kind, limit):
        pattern = (
            re.compile(rf"^{re.escape(prefix)}\.(\d{{1,4}})\.(.+)$")
            if kind
            else re.compile(rf"^{re.escape(prefix)}\.(\d{{1,4}})$")
        )
        found = {}
        for key, value in self.data.items():
            match = pattern.match(key)
            if not match:
                continue
            index = int(match[1])
            if index < 1 or index > limit:
                raise illegal(prefix, f"Use indexes 1 to {limit}.")
            if kind:
                found.setdefault(index, {})[match[2]] = value
            else:
                found[index] = value
        return sorted(found.items())

    def json(self, name, *, required=False):
        value = self.data.get(name)
        if value is None or value == "":
            if required:
                raise missing(name)
            return None
        try:
            return json.loads(value)
        except ValueError:
            raise illegal(name, "It must be a JSON string.") from None

    def id_list(self, name):
        """A list of IDs given as a JSON array string or as ``Name.N``."""
        parsed = self.json(name)
        if parsed is None:
            return self.list(name)
        if not isinstance(parsed, list) or not all(isinstance(v, str) for v in parsed):
            raise illegal(name, "It must be a JSON array of IDs.")
        return parsed
