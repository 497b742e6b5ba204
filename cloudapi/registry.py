"""Operations by (version, action): each product module registers its handlers here."""

from dataclasses import dataclass

PRODUCTS = {
    "2020-04-15": "PrivateLink",
    "2014-05-15": "CLB",
    "2020-06-16": "ALB",
    "2016-04-28": "VPC",
    "2014-05-26": "ECS",
    "2015-04-01": "STS",
}

_operations: dict[tuple[str, str], "Operation"] = {}


@dataclass(frozen=True)
class Operation:
    version: str
    action: str
    handler: object
    write: bool
    # "IncorrectStatus.<resource>" and "<resource>NotFound"-style codes name this resource.
    resource: str
    # Console form fields named by a service's refusal -> the API parameter they came from.
    fields: dict
    # A create that honours ``ClientToken``: the result field that holds the new resource's ID.
    idempotent: str = ""


def operation(version, action, *, write=False, resource="", fields=None, idempotent=""):
    """Register ``handler(call) -> dict`` as the answer to ``action`` of ``version``.

    ``idempotent`` names the result field with the new resource's ID when the SDK model of
    the operation carries ``ClientToken`` (see ``cloudapi.idempotency``).
    """

    def register(handler):
        _operations[(version, action)] = Operation(
            version, action, handler, write, resource, fields or {}, idempotent
        )
        return handler

    return register


def find(version, action):
    return _operations.get((version, action))


def all_operations():
    return list(_operations.values())
