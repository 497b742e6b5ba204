"""``ClientToken``: a retried create answers what the first call answered and makes nothing.

The token is kept as the console's own :class:`console.models.IdempotencyKey` (the create
forms' token), written in the same transaction as the resource, so a create and its token
commit together or not at all; its unique (account, key) constraint decides between two
simultaneous calls. Beside it, :class:`cloudapi.models.ClientTokenResult` keeps the answer and
a fingerprint of the parameters: the same token with other parameters is refused with
``IdempotentParameterMismatch``, as the cloud does.
"""

import hashlib
import json

from django.db import IntegrityError, transaction

from console.models import IdempotencyKey

from .errors import ApiError, illegal
from .models import ClientTokenResult

MAX_TOKEN = 64
# Signature and protocol parameters change on every retry; they are not the call's parameters.
_NOT_PARAMETERS = {
    "Action",
    "Version",
    "Format",
    "AccessKeyId",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureNonce",
    "SignatureType",
    "Timestamp",
    "Signature",
    "ClientToken",
}


class Replayed(Exception):
    """Another call with this token committed first: answer what it answered."""


def client_token(call):
    """The call's ``ClientToken`` (``""`` when none, or the operation takes none)."""
    if not call.operation.idempotent or call.dry_run:
        return ""
    token = call.params.str("ClientToken", max_length=MAX_TOKEN)
    if token and not token.isascii():
        raise illegal("ClientToken", "Use at most 64 ASCII characters.")
    return token


def _key(call, token):
    """The console token's key: namespaced by operation, so a token reused for another create
    makes that create (and no form's key, a bare hex UUID, can collide)."""
    digest = hashlib.sha256(f"{call.operation.version}:{call.operation.action}:{token}".encode())
    return "api-" + digest.hexdigest()[:60]


def _fingerprint(call):
    params = sorted((k, v) for k, v in call.params.data.items() if k not in _NOT_PARAMETERS)
    return hashlib.sha256(json.dumps(params).encode()).hexdigest()


def stored(call, token):
    """What the first call with ``token`` answered, or ``None`` if there was none."""
    done = (
        ClientTokenResult.objects.filter(token__account=call.account, token__key=_key(call, token))
        .only("fingerprint", "result")
        .first()
    )
    if done is None:
        return None
    if done.fingerprint != _fingerprint(call):
        raise ApiError(
            "IdempotentParameterMismatch",
            f"The ClientToken {token} was used with other parameters; use a new ClientToken.",
        )
    return done.result


def _resource_id(result, field):
    value = result[field]
    while isinstance(value, dict):  # RunInstances: {"InstanceIdSet": [...]}
        value = next(iter(value.values()))
    return value[0] if isinstance(value, list) else value


def remember(call, token, result):
    """Store ``result`` under ``token`` in the current transaction; :class:`Replayed` when
    another call with the token committed meanwhile."""
    try:
        with transaction.atomic():
            key = IdempotencyKey.objects.create(
                account=call.account,
                key=_key(call, token),
                resource_id=_resource_id(result, call.operation.idempotent),
            )
            ClientTokenResult.objects.create(
                token=key, fingerprint=_fingerprint(call), result=result
            )
    except IntegrityError:
        raise Replayed from None
