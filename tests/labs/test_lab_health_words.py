"""The lab panel names a backend's health as the pages do: Checking until a probe decides."""

from solver import Lab1, obj

from console.models import EcsInstance
from labs import services
from labs.definitions import LABS
from loadbalancer import services as lb


def test_the_listener_step_says_checking_before_the_first_probe(catalogue):
    run = services.lab_run_start(lab="lab1", label="W1", login_prefix="words-")
    solver = Lab1(run)
    clb = solver.step_clb()
    servers = [(obj(run, EcsInstance, n).pk, 100, 80) for n in ("ECS2", "ECS3")]
    lb.clb_listener_create(account=run.account_a, clb=clb, protocol="TCP", port=80, servers=servers)
    run.refresh_from_db()
    reasons = {step.key: reason for step, _, reason in LABS[run.lab].progress(run)}
    assert reasons["listener"].startswith("ECS2's health is Checking: wait a few seconds")
