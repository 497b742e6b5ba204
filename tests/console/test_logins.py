"""Logins: class logins stay on the cheap lab hasher, chosen ones on Django's strong default;
failed logins are throttled per username and an instructor can unlock a login."""

import importlib

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.test import Client

from console import live
from labs import services as lab_services
from labs.hashers import LabLoginHasher

REAL_SETTINGS = importlib.import_module("console.settings")
WRONG = "not-the-password"


@pytest.fixture
def real_hashers(settings):
    """The hashers ``make run`` uses (the suite swaps in cheap ones for speed)."""
    settings.PASSWORD_HASHERS = REAL_SETTINGS.PASSWORD_HASHERS
    assert settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.PBKDF2PasswordHasher"


@pytest.fixture
def lab_login(catalogue):
    room = lab_services.classroom_create(name="Morning", lab="lab2", size=1)
    return room.runs.get().logins.get(role="A")


def stored_hash(username):
    return get_user_model().objects.get(username=username).password


def log_in(username, password):
    client = Client()
    return client, client.post("/login/", {"username": username, "password": password})


def test_class_logins_verify_with_the_lab_hasher_and_are_never_rehashed(real_hashers, lab_login):
    username = lab_login.user.username
    before = stored_hash(username)
    assert before.startswith(f"pbkdf2_sha256_lab${LabLoginHasher.iterations}$")
    for _ in range(2):
        client, response = log_in(username, lab_login.password)
        assert response.status_code == 302
        assert client.get("/vpcs/").status_code == 200
        assert stored_hash(username) == before


def test_an_old_lab_hash_is_upgraded_on_the_lab_hasher_not_the_default(real_hashers, lab_login):
    user = lab_login.user
    hasher = LabLoginHasher()
    user.password = hasher.encode(lab_login.password, hasher.salt(), iterations=1_000)
    user.save(update_fields=["password"])
    assert log_in(user.username, lab_login.password)[1].status_code == 302
    assert stored_hash(user.username).startswith(f"pbkdf2_sha256_lab${LabLoginHasher.iterations}$")


def test_chosen_passwords_keep_the_strong_default(real_hashers, catalogue):
    get_user_model().objects.create_user(username="chosen", password="my-own-password")
    strong = f"pbkdf2_sha256${PBKDF2PasswordHasher.iterations}$"
    assert PBKDF2PasswordHasher.iterations >= 1_000_000
    assert stored_hash("chosen").startswith(strong)
    assert log_in("chosen", "my-own-password")[1].status_code == 302
    assert stored_hash("chosen").startswith(strong)
    assert log_in("chosen", WRONG)[1].status_code == 200


def fail(username, times):
    for _ in range(times):
        response = log_in(username, WRONG)[1]
        assert response.status_code == 200
    return response.content.decode()


def test_five_failures_lock_the_username_not_the_room(redis_server, user_a, user_b):
    page = fail(user_a.username, 4)
    assert "did not match" in page
    page = fail(user_a.username, 1)
    locked = (
        f"Too many failed logins for {user_a.username}. Try again in 15 minutes, "
        "or ask your instructor to unlock it."
    )
    assert locked in page
    # The right password does not get in while locked, and is not even checked.
    client, response = log_in(user_a.username, "test-password")
    assert response.status_code == 200 and locked in response.content.decode()
    assert client.get("/vpcs/").status_code == 302
    # Everyone else in the class (same address) logs in as usual.
    assert log_in(user_b.username, "test-password")[1].status_code == 302


def test_a_successful_login_forgets_earlier_failures(redis_server, user_a):
    fail(user_a.username, 4)
    assert log_in(user_a.username, "test-password")[1].status_code == 302
    assert "did not match" in fail(user_a.username, 4)
    assert log_in(user_a.username, "test-password")[1].status_code == 302


def test_instructor_sees_and_unlocks_a_locked_class_login(
    redis_server, instructor_client, lab_login, client_a, django_capture_on_commit_callbacks
):
    username = lab_login.user.username
    class_page = f"/labs/classes/{lab_login.run.classroom_id}/"
    assert 'class="badge bad">Locked' not in instructor_client.get(class_page).content.decode()
    account_id = lab_login.run.account_a_id
    before = live.versions([account_id])
    with django_capture_on_commit_callbacks(execute=True):
        fail(username, 5)
    # The class page's live rows hear of the lock (they follow the seats' change counters).
    assert live.versions([account_id])[0] > before[0]
    page = instructor_client.get(class_page).content.decode()
    assert 'class="badge bad">Locked' in page
    assert f'aria-label="Unlock {username}">Unlock</button>' in page
    assert client_a.post("/labs/unlock/", {"username": username}).status_code == 404
    assert log_in(username, lab_login.password)[1].status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = instructor_client.post(
            "/labs/unlock/", {"username": username, "next": class_page}
        )
    assert response.status_code == 302 and response["Location"] == class_page
    assert live.versions([account_id])[0] > before[0] + 1
    assert f"{username} can log in again." in instructor_client.get(class_page).content.decode()
    assert log_in(username, lab_login.password)[1].status_code == 302


def test_unlocking_an_unknown_login_is_a_404(redis_server, instructor_client):
    assert instructor_client.post("/labs/unlock/", {"username": "nobody"}).status_code == 404


def test_logins_are_not_throttled_while_redis_is_down(settings, user_a):
    settings.LOGIN_THROTTLE_REDIS_URL = "redis://127.0.0.1:9/0"  # nothing listens there
    assert "did not match" in fail(user_a.username, 6)
    assert log_in(user_a.username, "test-password")[1].status_code == 302


def test_a_login_goes_straight_to_the_page_the_console_opens_on(catalogue):
    from console.models import Login
    from factories import PASSWORD, make_account, make_login

    make_login(make_account("Account A"), "member")
    teacher = get_user_model().objects.create_user(username="teacher", password=PASSWORD)
    Login.objects.create(user=teacher, account=None, role=Login.Role.INSTRUCTOR)
    for username, first in (("member", "/vpcs/"), ("teacher", "/accounts/")):
        client = Client()
        response = client.post("/login/", {"username": username, "password": PASSWORD})
        assert response["Location"] == first
        assert client.get("/")["Location"] == first  # where "/" sends them too
    response = Client().post(
        "/login/", {"username": "member", "password": PASSWORD, "next": "/instances/"}
    )
    assert response["Location"] == "/instances/"
