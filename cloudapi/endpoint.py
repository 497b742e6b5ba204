"""The RPC endpoint: ``POST /`` (and ``GET /``) as the official SDKs call it.

Every answer is JSON: an operation's result, or the cloud's error document. A refusal before
the signature is verified costs no write; an accepted request records its nonce (replay).
"""

import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.utils import timezone

from console.catalogue import DEFAULT_REGION
from console.errors import ConsoleError, DependencyViolation, StateRefused
from console.models import Region

from . import idempotency, registry, signing, throttle
from .errors import ApiError
from .models import AccessKey, UsedNonce
from .params import Params

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 1024 * 1024
MAX_FIELDS = 1000
REPLAY_WINDOW = timedelta(minutes=15)
HOST_ID = "privatelink-console"


def is_rpc(request):
    """The request is an API call (rather than a browser asking for the home page)."""
    if "HTTP_X_ACS_ACTION" in request.META:
        return True
    query = request.META.get("QUERY_STRING", "")
    return query.startswith("Action=") or "&Action=" in query


@dataclass
class ApiActor:
    """Who acted, for events: the AccessKey (no login is behind an API call)."""

    key_id: str
    pk: None = None

    @property
    def event_label(self):
        return f"AccessKey {self.key_id}"

    def get_username(self):
        return self.event_label


@dataclass
class Call:
    """One verified API call: the key's account, its parameters, the operation."""

    account: object
    key: AccessKey
    params: Params
    request_id: str
    operation: registry.Operation
    actor: ApiActor = field(init=False)

    def __post_init__(self):
        self.actor = ApiActor(self.key.pk)

    @property
    def region(self):
        """RegionId when given (and known), else the console's default region."""
        region_id = self.params.str("RegionId", max_length=32) or DEFAULT_REGION
        region = Region.objects.filter(pk=region_id).first()
        if region is None:
            raise ApiError("InvalidRegionId", f"The region {region_id} does not exist.")
        return region

    @property
    def dry_run(self):
        return self.params.bool("DryRun")


def error_response(request_id, code, message, status):
    return JsonResponse(
        {
            "RequestId": request_id,
            "HostId": HOST_ID,
            "Code": code,
            "Message": message,
            "Recommend": "",
        },
        status=status,
    )


def _parse(request):
    """Query and form parameters (form wins on a clash), each bounded in size and count."""
    length = request.META.get("CONTENT_LENGTH") or "0"
    try:
        length = int(length)
    except ValueError:
        length = 0
    query = request.META.get("QUERY_STRING", "")
    if length > MAX_REQUEST_BYTES or len(query) > MAX_REQUEST_BYTES:
        raise ApiError("RequestTooLarge", "The request is larger than 1 MiB.", status=413)
    body = request.read(MAX_REQUEST_BYTES + 1) if length else b""
    if len(body) > MAX_REQUEST_BYTES:
        raise ApiError("RequestTooLarge", "The request is larger than 1 MiB.", status=413)
    try:
        query_pairs = parse_qsl(query, keep_blank_values=True, max_num_fields=MAX_FIELDS)
        form_pairs = []
        if body and request.content_type == "application/x-www-form-urlencoded":
            form_pairs = parse_qsl(
                body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FIELDS
            )
    except (ValueError, UnicodeDecodeError):
        raise ApiError(
            "InvalidParameter", f"The parameters are malformed (at most {MAX_FIELDS})."
        ) from None
    return query_pairs, form_pairs, body


def _claims(request, query_pairs, form_pairs, body, params):
    authorization = request.headers.get("Authorization", "")
    if authorization.startswith("ACS3-"):
        return signing.parse_acs3(request, authorization, query_pairs, body)
    if "Signature" in params:
        return signing.parse_v1(request.method, params)
    if authorization:
        raise signing.incomplete("the signature algorithm is not supported")
    raise signing.incomplete("the request is not signed")


def _check_time(timestamp):
    try:
        moment = datetime.strptime(timestamp.strip(), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise ApiError(
            "InvalidTimeStamp.Format",
            f"The timestamp {timestamp} is not in the form YYYY-MM-DDThh:mm:ssZ (UTC).",
        ) from None
    if abs(timezone.now() - moment) > REPLAY_WINDOW:
        raise ApiError(
            "InvalidTimeStamp.Expired",
            f"The timestamp {timestamp} is more than 15 minutes away from the server's time.",
        )


def authenticate(request, claims):
    """The enabled key that made a valid, fresh, never-seen signature; else a refusal."""
    if len(claims.nonce) > 128:
        raise ApiError("IllegalParamFormat.SignatureNonce", "The signature nonce is too long.")
    _check_time(claims.timestamp)
    key = AccessKey.objects.select_related("account").filter(pk=claims.key_id[:32]).first()
    if key is None:
        raise ApiError(
            "InvalidAccessKeyId.NotFound",
            f"The AccessKey ID {claims.key_id} does not exist.",
            status=404,
        )
    if not key.enabled:
        raise ApiError(
            "InvalidAccessKeyId.Inactive", f"The AccessKey {key.pk} is Disabled.", status=403
        )
    if not claims.check(key.secret):
        raise ApiError(
            "SignatureDoesNotMatch",
            "Specified signature is not matched with our calculation. server string to sign "
            f"is:{claims.string_to_sign}",
        )
    throttle.take(key.pk)
    try:
        with transaction.atomic():
            UsedNonce.objects.create(key_id=key.pk, nonce=claims.nonce)
    except IntegrityError:
        raise ApiError(
            "SignatureNonceUsed", f"The signature nonce {claims.nonce} has been used already."
        ) from None
    return key


def purge_used_nonces() -> int:
    """Forget nonces older than twice the replay window: the timestamp check refuses any
    request that old, so its nonce can no longer be replayed. Beat runs this (not a request,
    whose cost stays the same every time)."""
    deleted, _ = UsedNonce.objects.filter(
        created_at__lt=timezone.now() - 2 * REPLAY_WINDOW
    ).delete()
    return deleted


def _console_error(exc, operation):
    """A service's refusal in the cloud's words: the code names the resource when it can."""
    resource = operation.resource
    if isinstance(exc, StateRefused) or exc.code == "IncorrectStatus":
        return ApiError(
            f"IncorrectStatus.{resource}" if resource else "IncorrectStatus", exc.message
        )
    if isinstance(exc, DependencyViolation):
        return ApiError(f"DependencyViolation.{resource}" if resource else exc.code, exc.message)
    if exc.code == "NotFound":
        return ApiError(f"{resource}NotFound" if resource else "ResourceNotFound", exc.message, 404)
    if exc.code == "PrivateLinkNotActivated":
        return ApiError("Forbidden.NotActivated", exc.message, 403)
    param = operation.fields.get(exc.field) if operation and exc.field else None
    if param and exc.code == ConsoleError.code:
        return ApiError(f"IllegalParamFormat.{param}", f"{param}: {exc.message}")
    return ApiError(exc.code, exc.message)


def run(call):
    """Run the operation in one transaction: all of its services, or nothing.

    ``DryRun`` runs every check of the real call and then rolls it back (queued work
    included: it is sent only on commit), answering as the cloud does. A create with a
    ``ClientToken`` already used answers what the first call answered (``idempotency``).
    """
    token = idempotency.client_token(call)
    try:
        with transaction.atomic():
            result = idempotency.stored(call, token) if token else None
            if result is not None:
                return result
            result = call.operation.handler(call)
            if call.dry_run:
                raise ApiError(
                    "DryRunOperation", "Request validation has been passed with DryRun flag set."
                )
            if token:
                idempotency.remember(call, token, result)
    except idempotency.Replayed:
        # A simultaneous call with this token committed first; this one rolled back.
        return idempotency.stored(call, token)
    return result


def handle(request):
    """Answer one API request; never raises, never renders HTML."""
    request_id = str(uuid.uuid4()).upper()
    operation = None
    try:
        query_pairs, form_pairs, body = _parse(request)
        params = dict(query_pairs)
        params.update(form_pairs)
        claims = _claims(request, query_pairs, form_pairs, body, params)
        key = authenticate(request, claims)
        operation = registry.find(claims.version, claims.action)
        if operation is None:
            raise ApiError(
                "InvalidAction.NotFound",
                f"The action {claims.action} of version {claims.version} does not exist.",
                status=404,
            )
        call = Call(key.account, key, Params(params), request_id, operation)
        result = run(call)
    except ApiError as exc:
        return error_response(request_id, exc.code, exc.message, exc.status)
    except ConsoleError as exc:
        refusal = _console_error(exc, operation)
        return error_response(request_id, refusal.code, refusal.message, refusal.status)
    except Exception:
        log.exception("API request %s failed", request_id)
        if settings.DEBUG_PROPAGATE_EXCEPTIONS:
            raise
        return error_response(
            request_id, "InternalError", "The request failed on the server; try again.", 500
        )
    return JsonResponse({"RequestId": request_id, **result})
