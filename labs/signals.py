"""A trainee's console opens in the lab's region."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from console.middleware import SESSION_REGION

from .definitions import LABS
from .services import lab_for_user


@receiver(user_logged_in)
def open_in_the_labs_region(sender, request, user, **kwargs):
    if request is None:
        return
    lab = lab_for_user(user)
    if lab is not None:
        request.session[SESSION_REGION] = LABS[lab].region
