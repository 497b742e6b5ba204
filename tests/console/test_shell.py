"""Logins, the account menu, the region selector, the instructor's view, demo accounts."""

import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from console.models import Account, Login, Vpc
from factories import PASSWORD, make_account, make_vpc


def test_pages_need_a_login(db):
    response = Client().get("/vpcs/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_login_page_and_wrong_password(user_a):
    client = Client()
    page = client.get("/login/").content.decode()
    assert '<label for="id_username">Username</label>' in page
    assert '<label for="id_password">Password</label>' in page
    response = client.post("/login/", {"username": user_a.username, "password": "wrong"})
    assert "Your username and password did not match. Try again." in response.content.decode()
    response = client.post("/login/", {"username": user_a.username, "password": PASSWORD})
    assert response.status_code == 302


def test_account_menu_shows_uid_with_copy_button_and_log_out(client_a, account_a):
    page = client_a.get("/vpcs/").content.decode()
    assert f'<span class="mono" id="account-uid">{account_a.uid}</span>' in page
    assert f'data-copy="{account_a.uid}"' in page
    assert ">Log out</button>" in page
    client_a.post("/logout/")
    assert client_a.get("/vpcs/").status_code == 302


def test_account_uid_is_16_digits(account_a):
    assert len(account_a.uid) == 16 and account_a.uid.isdigit()


def test_region_selector_filters_every_list(client_a, account_a):
    frankfurt = make_vpc(account_a, name="VPCfra")
    hangzhou = make_vpc(account_a, name="VPChz", region_id="cn-hangzhou", cidr="10.0.0.0/8")
    page = client_a.get("/vpcs/").content.decode()
    assert '<label for="region-select" class="visually-hidden">Region</label>' in page
    assert frankfurt.pk in page and hangzhou.pk not in page
    response = client_a.post("/region/", {"region": "cn-hangzhou", "next": "/vpcs/"})
    assert response["Location"] == "/vpcs/"
    page = client_a.get("/vpcs/").content.decode()
    assert hangzhou.pk in page and frankfurt.pk not in page
    assert '<option value="cn-hangzhou" selected>China (Hangzhou)</option>' in page


def test_region_switch_refuses_foreign_redirects(client_a):
    response = client_a.post("/region/", {"region": "cn-hangzhou", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_zone_selects_show_name_and_id(client_a):
    page = client_a.get("/vswitches/create/").content.decode()
    assert "Frankfurt Zone B (eu-central-1b)" in page
    assert "Hangzhou Zone H" not in page


def test_catalogue_has_the_spec_regions_and_a_zone_without_privatelink(catalogue):
    from console.models import Region, Zone

    assert list(Region.objects.values_list("id", "name")) == [
        ("eu-central-1", "Germany (Frankfurt)"),
        ("cn-hangzhou", "China (Hangzhou)"),
        ("cn-shanghai", "China (Shanghai)"),
        ("ap-southeast-1", "Singapore"),
    ]
    assert Zone.objects.get(pk="cn-hangzhou-h").name == "Hangzhou Zone H"
    for region in Region.objects.all():
        assert region.zones.filter(supports_privatelink=False).count() == 1


def test_instructor_sees_every_account_read_only(instructor_client, account_a, account_b):
    vpc = make_vpc(account_a)
    page = instructor_client.get("/accounts/").content.decode()
    assert account_a.uid in page and account_b.uid in page
    instructor_client.post("/accounts/view/", {"account": account_a.pk})
    page = instructor_client.get("/vpcs/").content.decode()
    assert vpc.pk in page
    assert "Read-only" in page
    response = instructor_client.post("/vpcs/create/", {"cidr_block": "192.168.0.0/16"})
    assert response.status_code == 403
    assert Vpc.objects.count() == 1


def test_members_have_no_accounts_overview(client_a):
    assert client_a.get("/accounts/").status_code == 404
    assert client_a.post("/accounts/view/", {"account": 1}).status_code == 404


def test_seed_demo_creates_the_demo_logins_idempotently(catalogue, monkeypatch):
    monkeypatch.setattr(settings, "DEMO_PASSWORD", "classroom-1")
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    assert Account.objects.filter(name__in=["Account A", "Account B"]).count() == 2
    users = get_user_model().objects.filter(username__in=["account-a", "account-b", "instructor"])
    assert users.count() == 3
    for user in users:
        assert user.check_password("classroom-1")
    assert Login.objects.get(user__username="instructor").is_instructor
    assert Login.objects.get(user__username="account-a").account.name == "Account A"


def test_static_files_are_served_by_the_app(client_a):
    page = client_a.get("/vpcs/").content.decode()
    scripts = re.findall(r'<script[^>]*\ssrc="([^"]+)"', page)
    htmx = [src for src in scripts if "htmx" in src]
    assert htmx and all(src.startswith("/static/") for src in scripts), scripts
    for src in scripts:
        response = client_a.get(src)
        assert response.status_code == 200, src
        assert b"".join(response.streaming_content if response.streaming else [response.content])
    assert "cdn" not in page.lower() and "unpkg" not in page.lower()


@pytest.mark.parametrize("mode", ["production"])
def test_production_settings_pass_the_deploy_check(mode):
    env = dict(os.environ, PRODUCTION="1", SECRET_KEY="x" * 60 + "-production-secret-key-sample")
    env.pop("DEBUG", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        env=env,
        cwd=settings.BASE_DIR,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_presenter_switches_between_accounts_and_the_page_says_who_acts(account_a, account_b):
    user = get_user_model().objects.create_user(username="presenter", password=PASSWORD)
    login = Login.objects.create(user=user, role=Login.Role.PRESENTER)
    login.switchable_accounts.set([account_a, account_b])
    vpc_a = make_vpc(account_a, name="VPCa")
    vpc_b = make_vpc(account_b, name="VPCb", cidr="192.168.0.0/16")
    client = Client()
    client.force_login(user)
    page = client.get("/vpcs/").content.decode()
    assert "Acting as <strong>Account A</strong>" in page
    assert vpc_a.pk in page and vpc_b.pk not in page
    assert '<label for="switch-account">Switch account</label>' in page
    client.post("/accounts/switch/", {"account": account_b.pk, "next": "/vpcs/"})
    page = client.get("/vpcs/").content.decode()
    assert "Acting as <strong>Account B</strong>" in page
    assert vpc_b.pk in page and vpc_a.pk not in page
    other = make_account("Somebody else")
    assert client.post("/accounts/switch/", {"account": other.pk}).status_code == 404


def test_fast_provisioning_accounts_get_the_short_delay(account_a, settings):
    from console import lifecycle

    settings.PROVISION_DELAY, settings.FAST_PROVISION_DELAY = 2.0, 0.3
    vpc = make_vpc(account_a, settle_=False)
    assert lifecycle.provision_delay(vpc) == 2.0
    account_a.fast_provisioning = True
    account_a.save()
    assert lifecycle.provision_delay(vpc) == 0.3


def test_radio_groups_are_named_by_their_label(client_a):
    from django import forms
    from django.template.loader import render_to_string

    class Form(forms.Form):
        protocol = forms.ChoiceField(
            label="Select Listener Protocol",
            choices=[("TCP", "TCP"), ("UDP", "UDP")],
            widget=forms.RadioSelect,
        )

    html = render_to_string("layout/partials/field.html", {"field": Form()["protocol"]})
    # A fieldset (a group named by its legend) holding a radiogroup named by the same legend.
    assert '<fieldset class="field" id="field-protocol">' in html
    assert "Select Listener Protocol</legend>" in html
    assert '<legend id="id_protocol_label">' in html
    assert 'role="radiogroup" aria-labelledby="id_protocol_label"' in html


def test_the_copy_button_draws_its_icon_without_a_font_glyph(client_a, account_a):
    body = client_a.get("/vpcs/").content.decode()
    button = body[body.index('<button type="button" class="copy"') :]
    button = button[: button.index("</button>")]
    assert f'data-copy="{account_a.uid}"' in button and 'aria-label="Copy UID' in button
    assert '<svg class="icon icon-copy"' in button and 'aria-hidden="true"' in button
    assert "⧉" not in body
