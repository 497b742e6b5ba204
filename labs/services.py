"""Starting, resetting and grouping labs. Prerequisites are made by the console's services."""

import secrets
import string
from collections.abc import Iterable

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Model, ProtectedError, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from console import lifecycle, services
from console.errors import ConsoleError
from console.middleware import login_of
from console.models import Account, Event, Login, Region, SecurityGroup, Vpc, VSwitch, Zone

from .definitions import LABS, Lab
from .models import Classroom, LabLogin, LabRun

MAX_CLASS_SIZE = 60
PASSWORD_ALPHABET = string.ascii_lowercase + string.digits


def _password() -> str:
    # Readable on a printed sheet: no ambiguous characters.
    alphabet = [c for c in PASSWORD_ALPHABET if c not in "l1o0"]
    return "".join(secrets.choice(alphabet) for _ in range(10))


def provision_prerequisites(run: LabRun) -> dict[str, str]:
    """Create the lab's prerequisites in the run's accounts; returns name → resource ID."""
    lab = LABS[run.lab]
    region = Region.objects.get(pk=lab.region)
    made = {}
    for kind, name, role, details in lab.prerequisites:
        account = run.account_a if role == "A" else run.account_b
        if kind == "vpc":
            obj = services.vpc_create(
                account=account, region=region, cidr_block=details["cidr_block"], name=name
            )
            obj = lifecycle.complete(obj)
        elif kind == "vswitch":
            obj = services.vswitch_create(
                account=account,
                vpc=Vpc.objects.get(pk=made[details["vpc"]]),
                zone=Zone.objects.get(pk=details["zone"]),
                cidr_block=details["cidr_block"],
                name=name,
            )
        elif kind == "group":
            obj = services.security_group_create(
                account=account, vpc=Vpc.objects.get(pk=made[details["vpc"]]), name=name
            )
            for protocol, ports, cidr in details["inbound"]:
                services.security_group_rule_add(
                    account=account,
                    group=obj,
                    direction="ingress",
                    protocol=protocol,
                    port_range=ports,
                    cidr_block=cidr,
                )
        elif kind == "ecs":
            vswitch = VSwitch.objects.select_related("zone", "vpc").get(pk=made[details["vswitch"]])
            obj = services.ecs_instance_create(
                account=account,
                zone=vswitch.zone,
                vpc=vswitch.vpc,
                vswitch=vswitch,
                name=name,
                image=details["image"],
                security_groups=[SecurityGroup.objects.get(pk=made[details["group"]])],
                private_ip=details["ip"],
                service="nginx" if details["page"] else "none",
                page_body=details["page"] or "",
            )
            obj = lifecycle.complete(obj)
        else:  # pragma: no cover - definitions are code
            raise ValueError(kind)
        made[name] = obj.pk
    return made


def _prepare_accounts(run: LabRun) -> None:
    lab = LABS[run.lab]
    for role, account in (("A", run.account_a), ("B", run.account_b)):
        if account is None:
            continue
        account.alb_privatelink_privilege = lab.alb_privilege
        account.privatelink_activated_at = timezone.now() if role in lab.activated else None
        account.save()


def _new_accounts(lab: Lab, label: str) -> tuple[Account, Account | None]:
    account_a = Account.objects.create(name=f"{label} · Account A")
    account_b = Account.objects.create(name=f"{label} · Account B") if lab.pair else None
    return account_a, account_b


def _login_for(run: LabRun, role: str, username: str) -> LabLogin:
    account = run.account_a if role == "A" else run.account_b
    password = _password()
    user = get_user_model().objects.create_user(username=username)
    user.password = make_password(password, hasher="pbkdf2_sha256_lab")
    user.save(update_fields=["password"])
    Login.objects.create(user=user, account=account)
    return LabLogin.objects.create(run=run, user=user, role=role, password=password)


@transaction.atomic
def lab_run_start(
    *,
    lab: str,
    label: str,
    classroom: Classroom | None = None,
    login_prefix: str | None = None,
    presenter: AbstractBaseUser | None = None,
    fast: bool = False,
) -> LabRun:
    """A fresh run: new accounts, prerequisites, and logins (or a presenter's switching)."""
    if lab not in LABS:
        raise ConsoleError("Choose one of the labs.", field="lab")
    definition = LABS[lab]
    account_a, account_b = _new_accounts(definition, label)
    # A demo login's lab accounts are demo accounts too (tickets approved by themselves).
    demo = presenter is not None and getattr(presenter.login.account, "demo", False)
    for account in (account_a, account_b):
        if account is not None and (fast or demo):
            account.fast_provisioning = fast
            account.demo = demo
            account.save(update_fields=["fast_provisioning", "demo"])
    run = LabRun.objects.create(
        lab=lab, label=label, classroom=classroom, account_a=account_a, account_b=account_b
    )
    _prepare_accounts(run)
    run.resources = provision_prerequisites(run)
    run.save(update_fields=["resources"])
    if login_prefix:
        _login_for(run, "A", f"{login_prefix}a" if definition.pair else login_prefix)
        if definition.pair:
            _login_for(run, "B", f"{login_prefix}b")
    if presenter is not None:
        _make_presenter(presenter.login, *run.accounts)
        if definition.pair:
            run.started_by = presenter
            run.join_code = _new_join_code()
            run.save(update_fields=["started_by", "join_code"])
    return run


def _make_presenter(login: Login, *accounts: Account) -> None:
    login.role = Login.Role.PRESENTER
    login.save(update_fields=["role"])
    login.switchable_accounts.add(*accounts)


JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud, typed


def _new_join_code() -> str:
    while True:
        code = "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(6))
        if not LabRun.objects.filter(join_code=code).exists():
            return code


@transaction.atomic
def lab_run_join(*, user: AbstractBaseUser, code: str) -> LabRun:
    """The partner's own login joins a pair lab by its code and acts as its Account B.

    The starter keeps Account A (and can no longer switch to B); the timeline and the step
    checks are the run's, so both see them.
    """
    code = (code or "").strip().upper().replace(" ", "")
    if not code:
        raise ConsoleError("Enter the join code your partner's lab panel shows.", field="code")
    run = (
        LabRun.objects.select_for_update()
        .select_related("account_a", "account_b")
        .filter(join_code=code)
        .first()
    )
    if run is None:
        raise ConsoleError(
            f"No lab has the join code {code}: check it on the lab panel.", field="code"
        )
    if run.started_by_id == user.pk:
        raise ConsoleError("This is your own lab: give the code to your partner.", field="code")
    if run.partner_id is not None and run.partner_id != user.pk:
        raise ConsoleError(
            "This lab already has a partner acting as Account B: they must leave first.",
            field="code",
        )
    run.partner = user
    run.save(update_fields=["partner"])
    _make_presenter(user.login, run.account_b)
    starter = Login.objects.filter(user_id=run.started_by_id).first()
    if starter is not None:
        starter.switchable_accounts.remove(run.account_b)
    return run


@transaction.atomic
def lab_run_leave(*, run: LabRun, user: AbstractBaseUser) -> LabRun:
    """Either partner ends the pairing: the partner's login goes back to its own account and
    the starter may switch to Account B again."""
    run = LabRun.objects.select_for_update().select_related("account_b").get(pk=run.pk)
    if run.partner_id is None or user.pk not in (run.partner_id, run.started_by_id):
        raise ConsoleError("You are not working on this lab with a partner.")
    partner = Login.objects.filter(user_id=run.partner_id).first()
    if partner is not None:
        partner.switchable_accounts.remove(run.account_b)
    starter = Login.objects.filter(user_id=run.started_by_id).first()
    if starter is not None:
        starter.switchable_accounts.add(run.account_b)
    run.partner = None
    run.save(update_fields=["partner"])
    return run


def _owned_models() -> list[type[Model]]:
    """Every model whose rows belong to an account (and so to a lab's accounts)."""
    owned = []
    for model in apps.get_models():
        if model._meta.app_label not in ("console", "loadbalancer", "privatelink", "network"):
            continue
        if model is Login:  # who may act for the account stays
            continue
        field = next(
            (
                f
                for f in model._meta.get_fields()
                if f.name == "account" and getattr(f, "related_model", None) is Account
            ),
            None,
        )
        if field is not None:
            owned.append(model)
    return owned


def wipe_accounts(accounts: Iterable[Account]) -> None:
    """Delete every resource of ``accounts``, whatever protects what (dependency order)."""
    ids = [a.pk for a in accounts]
    models = _owned_models()
    for _ in range(len(models) + 2):
        remaining = False
        for model in models:
            queryset = model._default_manager.filter(account_id__in=ids)
            if not queryset.exists():
                continue
            try:
                with transaction.atomic():
                    queryset.delete()
            except ProtectedError:
                remaining = True
        if not remaining:
            break
    else:  # pragma: no cover - a model graph the loop cannot untangle
        raise RuntimeError("lab resources could not be removed")
    Event.objects.filter(account_id__in=ids).delete()


@transaction.atomic
def lab_run_reset(*, run: LabRun) -> LabRun:
    """Back to the start: all the lab's resources removed, prerequisites recreated."""
    run = LabRun.objects.select_for_update().select_related("account_a", "account_b").get(pk=run.pk)
    wipe_accounts(run.accounts)
    _prepare_accounts(run)
    run.resources = provision_prerequisites(run)
    run.reset_at = timezone.now()
    run.completed_at = None
    run.save(update_fields=["resources", "reset_at", "completed_at"])
    return run


def classroom_create(
    *,
    name: str,
    lab: str,
    size: int | str,
    created_by: AbstractBaseUser | None = None,
    fast: bool = False,
) -> Classroom:
    """A class of ``size`` trainees (Labs 1, 3) or pairs (Lab 2) with generated logins."""
    if lab not in LABS:
        raise ConsoleError("Choose one of the labs.", field="lab")
    name = (name or "").strip()
    if not name:
        raise ConsoleError("Give the class a name.", field="name")
    if not 1 <= int(size) <= MAX_CLASS_SIZE:
        raise ConsoleError(f"A class has 1 to {MAX_CLASS_SIZE} seats.", field="size")
    definition = LABS[lab]
    with transaction.atomic():
        classroom = Classroom.objects.create(name=name, lab=lab, created_by=created_by)
    prefix = f"c{classroom.pk}-"
    noun = "Pair" if definition.pair else "Trainee"
    for number in range(1, int(size) + 1):
        # One transaction per seat: a class of 20 pairs shows its first seats at once.
        lab_run_start(
            lab=lab,
            label=f"{name} · {noun} {number}",
            classroom=classroom,
            login_prefix=f"{prefix}{number:02d}",
            fast=fast,
        )
    return classroom


def run_for_request(request: HttpRequest) -> LabRun | None:
    """The acting account's lab run, looked up once per request (panel, context processor)."""
    if not hasattr(request, "lab_run"):
        request.lab_run = run_for_account(getattr(request, "account", None))
    return request.lab_run


def lab_of_request(request: HttpRequest) -> LabRun | None:
    """The acting account's lab run as every page's frame shows it (which lab: the panel's
    title and hints): the run this request already loaded, or just its ``id`` and ``lab``."""
    if hasattr(request, "lab_run"):
        return request.lab_run
    account = getattr(request, "account", None)
    if account is None:
        return None
    return _runs_of(account.pk).only("id", "lab").first()


def _runs_of(account_id: int) -> QuerySet[LabRun]:
    return LabRun.objects.filter(Q(account_a=account_id) | Q(account_b=account_id)).order_by(
        "-started_at"
    )


def run_for_account(account: Account | None) -> LabRun | None:
    """The lab run an account belongs to, if any."""
    if account is None:
        return None
    # The pair's partners (``started_by``, ``partner``) are read only where a run has them.
    return _runs_of(account.pk).select_related("account_a", "account_b").first()


def lab_for_user(user: AbstractBaseUser) -> str | None:
    """The lab (its key) of the run the user's account belongs to, if any: one small query for
    a login (whose user comes with its ``Login``), where the whole run is not needed."""
    login = login_of(user)
    if login is None or login.account_id is None:
        return None
    return _runs_of(login.account_id).values_list("lab", flat=True).first()
