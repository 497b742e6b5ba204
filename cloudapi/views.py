"""The AccessKey page (account menu) and the site root, shared by browsers and the API."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from console import views as console_views
from console.errors import ConsoleError

from . import endpoint, services
from .models import AccessKey

NEW_SECRET = "cloudapi_new_secret"


@csrf_exempt
@login_not_required
def root(request):
    """``/``: an API call when it carries the RPC markers, else the console's home page."""
    if endpoint.is_rpc(request):
        return endpoint.handle(request)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return console_views.home(request)


def _snippet(request, key_id):
    region = request.region.pk if request.region else "eu-central-1"
    host = request.get_host()
    return "\n".join(
        [
            "from alibabacloud_tea_openapi.models import Config",
            "from alibabacloud_privatelink20200415.client import Client",
            "from alibabacloud_privatelink20200415 import models",
            "",
            f'client = Client(Config(access_key_id="{key_id}",',
            '                       access_key_secret="<AccessKey Secret>",',
            f'                       endpoint="{host}", protocol="http", region_id="{region}"))',
            f'request = models.ListVpcEndpointsRequest(region_id="{region}")',
            "print(client.list_vpc_endpoints(request).body)",
            "",
        ]
    )


def access_keys(request):
    """The account's pairs; the secret of a pair just made, once (popped from the session)."""
    account = request.account
    keys = list(AccessKey.objects.for_account(account))
    new = request.session.pop(NEW_SECRET, None)
    context = {
        "keys": keys,
        "new_key": new,
        "limit": AccessKey.MAX_PER_ACCOUNT,
        "at_limit": len(keys) >= AccessKey.MAX_PER_ACCOUNT,
        "endpoint_host": request.get_host(),
        "snippet": _snippet(request, keys[0].pk if keys else "<AccessKey ID>"),
    }
    return render(request, "cloudapi/access_keys.html", context)


def _refuse_read_only(request):
    if request.read_only or request.account is None:
        messages.error(request, "This login is read-only: it cannot change AccessKeys.")
        return redirect("cloudapi:access-keys")
    return None


@require_POST
def access_key_create(request):
    refused = _refuse_read_only(request)
    if refused:
        return refused
    try:
        key = services.access_key_create(account=request.account)
    except ConsoleError as exc:
        messages.error(request, exc.message)
        return redirect("cloudapi:access-keys")
    request.session[NEW_SECRET] = {"id": key.pk, "secret": key.secret}
    return redirect("cloudapi:access-keys")


ACTIONS = {
    "disable": (services.access_key_disable, "Disabled"),
    "enable": (services.access_key_enable, "Enabled"),
    "delete": (services.access_key_delete, "Deleted"),
}


@require_POST
def access_key_action(request, key_id, action):
    refused = _refuse_read_only(request)
    if refused:
        return refused
    key = AccessKey.objects.for_account(request.account).filter(pk=key_id).first()
    if key is None or action not in ACTIONS:
        raise Http404("No such AccessKey.")
    service, done = ACTIONS[action]
    try:
        service(account=request.account, key=key)
    except ConsoleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{done} AccessKey {key_id}.")
    return redirect("cloudapi:access-keys")
