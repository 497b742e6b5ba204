"""Replay protection keeps nonces only as long as a request could be replayed."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from cloudapi.endpoint import REPLAY_WINDOW
from cloudapi.models import AccessKey, UsedNonce
from cloudapi.tasks import purge_nonces

pytestmark = pytest.mark.django_db


def test_beat_forgets_nonces_past_the_window_and_keeps_the_rest(account_a):
    key = AccessKey.objects.create(account=account_a)
    old = UsedNonce.objects.create(key_id=key.pk, nonce="old")
    UsedNonce.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - 2 * REPLAY_WINDOW - timedelta(seconds=1)
    )
    UsedNonce.objects.create(key_id=key.pk, nonce="recent")
    assert purge_nonces() == 1
    assert list(UsedNonce.objects.values_list("nonce", flat=True)) == ["recent"]
    entry = settings.CELERY_BEAT_SCHEDULE["purge-api-nonces"]
    assert entry["task"] == "cloudapi.tasks.purge_nonces"
