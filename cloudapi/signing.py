"""Verification of the two request signatures the official SDKs send.

ACS3-HMAC-SHA256 (the current SDKs) signs a canonical request built from the query, the named
headers and the body's SHA-256; v1 (HMAC-SHA1, the older SDK) signs every parameter. Both are
rebuilt here from what arrived and compared in constant time.
"""

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from urllib.parse import quote

from .errors import ApiError

ACS3 = "ACS3-HMAC-SHA256"
_AUTH = re.compile(
    r"^ACS3-HMAC-SHA256\s+Credential=(?P<key>[^,\s]*),\s*SignedHeaders=(?P<headers>[^,\s]*),"
    r"\s*Signature=(?P<signature>[0-9a-fA-F]*)$"
)
ACS3_REQUIRED = (
    "x-acs-action",
    "x-acs-version",
    "x-acs-date",
    "x-acs-signature-nonce",
    "x-acs-content-sha256",
)
V1_REQUIRED = ("AccessKeyId", "Signature", "SignatureNonce", "Timestamp", "Action", "Version")


@dataclass(frozen=True)
class Signed:
    """What a signature claims: the key, the nonce, the time, and how to check it."""

    style: str
    key_id: str
    nonce: str
    timestamp: str
    action: str
    version: str
    check: object  # callable(secret) -> bool
    # Quoted in SignatureDoesNotMatch, as the cloud does (the older SDK compares it).
    string_to_sign: str = ""


def encode(value):
    """Percent-encode leaving only A-Za-z0-9-_.~ bare (space → %20)."""
    return quote(value, safe="~", encoding="utf-8")


def canonical_query(pairs):
    ordered = sorted(dict(pairs).items())
    return "&".join(f"{k}={encode(v)}" for k, v in ordered)


def incomplete(why):
    return ApiError("IncompleteSignature", f"The request signature is incomplete: {why}.")


def parse_acs3(request, authorization, query_pairs, body):
    """The claims of an ACS3-HMAC-SHA256 request (the signature is checked by ``check``)."""
    match = _AUTH.match(authorization.strip())
    if not match or not match["key"] or not match["headers"] or not match["signature"]:
        raise incomplete("the Authorization header is malformed")
    headers = {name.lower(): value for name, value in request.headers.items()}
    for name in ACS3_REQUIRED:
        if not headers.get(name):
            raise incomplete(f"the header {name} is missing")
    signed_names = match["headers"].split(";")
    for name in ACS3_REQUIRED + ("host",):
        if name not in signed_names:
            raise incomplete(f"the header {name} is not signed")
    content_hash = headers["x-acs-content-sha256"].strip().lower()
    if content_hash != hashlib.sha256(body).hexdigest():
        raise ApiError(
            "SignatureDoesNotMatch", "The x-acs-content-sha256 header does not match the body."
        )
    canonical_headers = "".join(
        f"{name}:{headers.get(name, '').strip()}\n" for name in signed_names
    )
    canonical_request = "\n".join(
        [
            request.method,
            "/",
            canonical_query(query_pairs),
            canonical_headers,
            match["headers"],
            content_hash,
        ]
    )
    string_to_sign = f"{ACS3}\n" + hashlib.sha256(canonical_request.encode()).hexdigest()
    expected = match["signature"].lower()

    def check(secret):
        digest = hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(digest, expected)

    return Signed(
        style=ACS3,
        key_id=match["key"],
        nonce=headers["x-acs-signature-nonce"],
        timestamp=headers["x-acs-date"],
        action=headers["x-acs-action"],
        version=headers["x-acs-version"],
        check=check,
        string_to_sign=string_to_sign,
    )


def parse_v1(method, params):
    """The claims of a v1 (HMAC-SHA1) request; ``params`` is query and form merged."""
    for name in V1_REQUIRED:
        if not params.get(name):
            raise incomplete(f"the parameter {name} is missing")
    if params.get("SignatureMethod", "HMAC-SHA1") != "HMAC-SHA1":
        raise incomplete("SignatureMethod must be HMAC-SHA1")
    signed = {k: v for k, v in params.items() if k != "Signature"}
    canonical = "&".join(f"{encode(k)}={encode(v)}" for k, v in sorted(signed.items()))
    string_to_sign = f"{method}&%2F&{encode(canonical)}"
    expected = params["Signature"]

    def check(secret):
        digest = hmac.new((secret + "&").encode(), string_to_sign.encode(), hashlib.sha1).digest()
        return hmac.compare_digest(base64.b64encode(digest).decode(), expected)

    return Signed(
        style="v1",
        key_id=params["AccessKeyId"],
        nonce=params["SignatureNonce"],
        timestamp=params["Timestamp"],
        action=params["Action"],
        version=params["Version"],
        check=check,
        string_to_sign=string_to_sign,
    )


def sign_v1(method, params, secret):
    """The v1 signature of ``params`` (what the older SDK sends; benchmarks use it)."""
    canonical = "&".join(f"{encode(k)}={encode(v)}" for k, v in sorted(params.items()))
    string_to_sign = f"{method}&%2F&{encode(canonical)}"
    digest = hmac.new((secret + "&").encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()
