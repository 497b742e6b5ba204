"""The last step of every lab asks the simulated data plane (see network/)."""

from network.models import BrowseRecord
from network.services import lab_check


def check_browse(instance, address, backends, *, accepted, since, expect_zone=None):
    """(done, reason): the trainee opened ``address`` (or another of ``accepted`` hosts) in
    the browser of ``instance`` since ``since``, and the page of one of ``backends`` comes back.

    The data plane is asked with a dry run (nothing counted, the scheduler does not move), so
    checking a lab never changes what the trainee sees; the request itself must be one the
    trainee made with Open Browser.
    """
    done, reason = lab_check(instance, address, backends, expect_zone=expect_zone)
    if not done:
        return False, reason
    opened = BrowseRecord.objects.filter(
        instance=instance, host__in=accepted, code="", created_at__gte=since
    )
    if expect_zone:
        opened = opened.filter(entered_zone=expect_zone)
    if not opened.exists():
        return False, (
            f"Everything is in place: on {instance.name} press Open Browser and enter {address}."
        )
    return True, ""
