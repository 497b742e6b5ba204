"""STS (2015-04-01): who the caller is."""

from ..registry import operation

VERSION = "2015-04-01"


@operation(VERSION, "GetCallerIdentity")
def get_caller_identity(call):
    uid = call.account.uid
    return {
        "AccountId": uid,
        "UserId": uid,
        "PrincipalId": uid,
        "IdentityType": "Account",
        "Arn": f"acs:ram::{uid}:root",
    }
