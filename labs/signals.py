"""A trainee's console opens in the lab's region."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from console.middleware import SESSION_REGION
from console.models import Login

from .services import run_for_account


@receiver(user_logged_in)
def open_in_the_labs_region(sender, request, user, **kwargs):
    login = Login.objects.filter(user=user).select_related("account").first()
    run = run_for_account(login.account) if login and login.account_id else None
    if run is not None and request is not None:
        request.session[SESSION_REGION] = run.definition.region
