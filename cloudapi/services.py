"""AccessKey pairs: create (secret shown once), disable, enable, delete."""

from django.db import transaction

from console.errors import ConsoleError
from console.models import Account

from .models import AccessKey


@transaction.atomic
def access_key_create(*, account: Account) -> AccessKey:
    """A new Enabled pair; refused when the account has AccessKey.MAX_PER_ACCOUNT already."""
    # Lock the account row so that two simultaneous creates cannot both pass the limit.
    Account.objects.select_for_update().filter(pk=account.pk).first()
    if AccessKey.objects.for_account(account).count() >= AccessKey.MAX_PER_ACCOUNT:
        raise ConsoleError(
            f"An account can have at most {AccessKey.MAX_PER_ACCOUNT} AccessKey pairs; delete "
            "one first.",
            code="QuotaExceeded.AccessKey",
        )
    return AccessKey.objects.create(account=account)


def _set_status(account: Account, key: AccessKey, status: str) -> AccessKey:
    if key.account_id != account.pk:
        raise ConsoleError("The specified AccessKey does not exist.", code="NotFound")
    if key.status == status:
        raise ConsoleError(f"The AccessKey {key.pk} is {key.status} already.")
    AccessKey.objects.filter(pk=key.pk).update(status=status)
    key.status = status
    return key


def access_key_disable(*, account: Account, key: AccessKey) -> AccessKey:
    """A Disabled key's requests are refused (InvalidAccessKeyId.Inactive)."""
    return _set_status(account, key, AccessKey.Status.DISABLED)


def access_key_enable(*, account: Account, key: AccessKey) -> AccessKey:
    return _set_status(account, key, AccessKey.Status.ENABLED)


def access_key_delete(*, account: Account, key: AccessKey) -> None:
    if key.account_id != account.pk:
        raise ConsoleError("The specified AccessKey does not exist.", code="NotFound")
    if key.enabled:
        raise ConsoleError(f"The AccessKey {key.pk} is Enabled; disable it before deleting it.")
    key.delete()
