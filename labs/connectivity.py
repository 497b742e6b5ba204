"""The last step of every lab asks the simulated data plane (see network/)."""

from network.services import lab_check


def check_browse(instance, address, backends, expect_zone=None):
    """(done, reason): the page of one of ``backends`` reaches ``instance`` at ``address``.

    A dry run of the data plane (nothing counted, the scheduler does not move), so checking a
    lab never changes what the trainee sees in the browser.
    """
    return lab_check(instance, address, backends, expect_zone=expect_zone)
