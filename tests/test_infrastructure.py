"""The test infrastructure itself: a real worker through a real Redis, and chromium."""

import os

import pytest


@pytest.mark.worker
def test_worker_answers_ping_through_redis(celery_worker, redis_server):
    from console.celery import app

    assert app.conf.broker_url == redis_server
    assert app.conf.task_always_eager is False
    replies = app.control.ping(destination=[celery_worker.hostname], timeout=2)
    assert replies and celery_worker.hostname in replies[0]


@pytest.mark.worker
def test_worker_shares_the_test_database(celery_worker):
    from django.db import connection

    assert celery_worker.env["DATABASE_URL"].endswith(
        os.path.basename(str(connection.settings_dict["NAME"]))
    )
    assert celery_worker.env["CELERY_TASK_ALWAYS_EAGER"] == "0"


@pytest.mark.worker
def test_kill_leaves_no_worker_and_restart_brings_it_back(celery_worker):
    pid = celery_worker.pid
    celery_worker.kill()
    assert not celery_worker.alive
    assert not celery_worker.group_alive()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert not celery_worker.ping()

    celery_worker.restart()
    assert celery_worker.ping(timeout=2)


def test_unit_tests_run_tasks_eagerly(settings):
    from console.celery import app

    assert app.conf.task_always_eager is True
    assert settings.PROVISION_DELAY == 0


@pytest.mark.browser
def test_chromium_opens_a_data_url(page):
    page.goto("data:text/html,<title>ok</title><h1>Hello, chromium</h1>")
    assert page.title() == "ok"
    assert page.get_by_role("heading", name="Hello, chromium").is_visible()
