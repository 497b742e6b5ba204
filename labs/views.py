"""Lab pages: start a lab, the live lab panel, classes for instructors, reset."""

import hmac

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cloudapi.models import AccessKey
from cloudapi.services import access_key_create
from console import live, throttle
from console.errors import ConsoleError
from console.generic import form_error_from
from console.middleware import SESSION_ACTING, SESSION_REGION, SESSION_VIEWING
from console.views import safe_next
from privatelink.models import consumer_connection_events

from . import services
from .definitions import LABS
from .models import Classroom, LabRun


def is_instructor(request):
    return request.login is not None and request.login.is_instructor


def require_instructor(request):
    if not is_instructor(request):
        raise Http404("Only instructors manage classes.")


def progress_of(run):
    """The run's steps with done / reason, and the first unfinished step."""
    results = run.definition.progress(run)
    first_open = next((r for r in results if not r[1]), None)
    done = sum(1 for r in results if r[1])
    if first_open is None and run.completed_at is None:
        LabRun.objects.filter(pk=run.pk).update(completed_at=timezone.now())
        run.completed_at = timezone.now()
    return {"steps": results, "first_open": first_open, "done": done, "total": len(results)}


def timeline_of(run, viewer):
    """Cross-account events of a pair's lab, in the partners' words."""
    if run.account_b is None:
        return []
    names = {run.account_a_id: "Account A", run.account_b_id: "Account B"}
    events = consumer_connection_events(run.account_a).order_by("-created_at", "-id")[:12]
    lines = []
    for event in events:
        who = names.get(event.actor_account_id, "The system")
        sentence = TIMELINE_SENTENCES.get(event.action)
        text = (
            sentence.format(who=who, service=event.service_ref)
            if sentence
            else f"{who}: {event.action}"
        )
        lines.append({"at": event.created_at, "text": f"{text} ({event.to_state})"})
    return lines


# How the partners read the connection's history.
TIMELINE_SENTENCES = {
    "request": "{who} requested a connection to {service}",
    "allow": "{who} allowed the connection",
    "deny": "{who} denied the connection",
    "finish_connect": "The connection is established",
    "finish_disconnect": "The connection is closed",
    "change bandwidth": "{who} changed the bandwidth",
    "delete": "{who} deleted the endpoint",
    "service deleted": "The endpoint service was deleted",
}


class JoinForm(forms.Form):
    code = forms.CharField(
        label="Join Code",
        max_length=16,
        error_messages={"required": "Enter the join code your partner's lab panel shows."},
    )


def index(request, join_form=None):
    """The labs: what each is, a Start button, and joining a partner's lab."""
    run = services.run_for_account(request.account)
    context = {
        "labs": LABS.values(),
        "run": run,
        "is_instructor": is_instructor(request),
        "join_form": join_form or JoinForm(),
    }
    return render(request, "labs/index.html", context, status=400 if join_form else 200)


def may_join_or_start(request):
    if is_instructor(request) or request.login is None:
        raise PermissionDenied("Instructors start labs for a class.")


@require_POST
def join(request):
    """**Join a Partner's Lab**: this login acts as Account B of the lab with that code."""
    may_join_or_start(request)
    form = JoinForm(request.POST)
    if form.is_valid():
        try:
            run = services.lab_run_join(user=request.user, code=form.cleaned_data["code"])
        except ConsoleError as error:
            form_error_from(form, error)
        else:
            request.session[SESSION_ACTING] = run.account_b_id
            request.session[SESSION_REGION] = run.definition.region
            messages.success(
                request,
                f"You joined {run.label}: you act as {run.account_b.name}, your partner as "
                f"{run.account_a.name}.",
            )
            return redirect("console:home")
    return index(request, join_form=form)


@require_POST
def leave(request, pk):
    """Either partner ends the pairing (the lab and its resources stay)."""
    run = get_object_or_404(LabRun, pk=pk)
    if request.user.pk not in (run.partner_id, run.started_by_id):
        raise Http404("No such lab.")
    try:
        services.lab_run_leave(run=run, user=request.user)
    except ConsoleError as error:
        messages.error(request, error.message)
        return redirect("labs:index")
    if request.user.pk == run.partner_id:
        request.session[SESSION_ACTING] = request.login.account_id
        messages.success(request, f"You left {run.label}; you act as your own account again.")
    else:
        messages.success(request, f"Your partner left {run.label}; you may switch to Account B.")
    return redirect(safe_next(request, default="labs:index"))


@require_POST
def start(request, lab):
    """A login starts a lab for itself: fresh accounts it can switch between."""
    if lab not in LABS:
        raise Http404("No such lab.")
    may_join_or_start(request)
    run = services.lab_run_start(
        lab=lab,
        label=f"{request.user.username} · {LABS[lab].title.split(' —')[0]}",
        presenter=request.user,
        fast=bool(request.POST.get("fast")),
    )
    request.session[SESSION_ACTING] = run.account_a_id
    request.session[SESSION_REGION] = LABS[lab].region
    messages.success(
        request,
        f"{LABS[lab].title} is ready. You act as {run.account_a.name}"
        + (" and can switch to Account B from the account menu." if run.account_b else "."),
    )
    return redirect("console:home")


def panel(request):
    """The lab panel's steps (polled by htmx, so they tick live)."""
    run = services.run_for_request(request)
    if run is None:
        return render(request, "labs/partials/panel_steps.html", {"run": None})
    # A pair's panel shows the partner's work too: it watches both accounts.
    live.watch(request, run.live_accounts())
    context = {
        "run": run,
        **progress_of(run),
        "timeline": timeline_of(run, request.account),
        "started_here": run.started_by_id is not None and run.started_by_id == request.user.pk,
        "partnered": run.partner_id is not None
        and request.user.pk in (run.partner_id, run.started_by_id),
    }
    return render(request, "labs/partials/panel_steps.html", context)


API_SECRET = "labs_api_new_secret"


def _may_manage_keys(request, account):
    """A login manages the AccessKeys of the lab accounts it acts for (an instructor, read-only,
    has none)."""
    if request.read_only or request.account is None:
        return False
    return account.pk == request.account.pk or account in request.switchable_accounts


def _api_access_context(request, run, new=None, shown=()):
    """Each lab account's AccessKeys (IDs and status), and the command of the lab's script.

    ``shown``: "ID:secret" pairs this page already shows (made by earlier presses of Create
    AccessKey on it, sent back by the form): they stay in the command, so that making both
    accounts' keys gives one complete command; a reload forgets them.
    """
    keys, known = {}, {}
    claimed = dict(pair.split(":", 1) for pair in shown if ":" in pair)
    if new:
        claimed[new["id"]] = new["secret"]
    for key in AccessKey.objects.filter(account__in=run.accounts).order_by("created_at", "id"):
        keys.setdefault(key.account_id, []).append(key)
        if key.pk in claimed and hmac.compare_digest(claimed[key.pk], key.secret):
            known[key.pk] = key.secret
    host = request.get_host()
    sections, command = [], [f"ENDPOINT={host}", "USE_LAB=1"]
    for role, account in (("A", run.account_a), ("B", run.account_b)):
        if account is None:
            continue
        own = keys.get(account.pk, [])
        sections.append(
            {
                "role": run.definition.roles.get(role, role),
                "account": account,
                "keys": own,
                "can_create": _may_manage_keys(request, account)
                and len(own) < AccessKey.MAX_PER_ACCOUNT,
            }
        )
        enabled = next((k for k in own if k.enabled), None)
        prefix = run.definition.api_env.get(role, role)
        secret = known.get(enabled.pk) if enabled else None
        command += [
            f"{prefix}_KEY={enabled.pk if enabled else '<AccessKey ID>'}",
            f"{prefix}_SECRET={secret or '<AccessKey Secret>'}",
        ]
    command.append(f".venv/bin/python {run.definition.api_script}")
    return {
        "run": run,
        "sections": sections,
        "new_key": new,
        "shown": [f"{pk}:{secret}" for pk, secret in known.items()],
        "command": " ".join(command),
    }


def _api_run(request):
    run = services.run_for_request(request)
    if run is None or not run.definition.api_script:
        raise Http404("This lab is not done through the API.")
    return run


def api_access(request, error=""):
    """The lab panel's API section (loaded when opened, so the steps' polling never hides a
    secret shown once)."""
    run = _api_run(request)
    new = request.session.pop(API_SECRET, None)
    shown = request.POST.getlist("shown")[: 2 * AccessKey.MAX_PER_ACCOUNT]
    context = {**_api_access_context(request, run, new, shown), "error": error}
    return render(request, "labs/partials/api_access.html", context)


@require_POST
def api_access_create(request, account_pk):
    """Create AccessKey for one of the lab's accounts; its secret shows once."""
    run = _api_run(request)
    account = next((a for a in run.accounts if a.pk == account_pk), None)
    if account is None:
        raise Http404("No such lab account.")
    if not _may_manage_keys(request, account):
        raise PermissionDenied("This login does not act for that account.")
    try:
        key = access_key_create(account=account)
    except ConsoleError as exc:
        if request.htmx:
            return api_access(request, error=exc.message)
        messages.error(request, exc.message)
    else:
        request.session[API_SECRET] = {"id": key.pk, "secret": key.secret}
        if request.htmx:
            return api_access(request)
    return redirect(safe_next(request, default="labs:index"))


@require_POST
def reset(request, pk):
    run = get_object_or_404(LabRun, pk=pk)
    if not is_instructor(request) and request.account not in run.accounts:
        raise Http404("No such lab.")
    started = timezone.now()
    services.lab_run_reset(run=run)
    seconds = (timezone.now() - started).total_seconds()
    messages.success(request, f"{run.label} was reset to its start ({seconds:.1f} s).")
    return redirect(safe_next(request, default="labs:index"))


class ClassroomForm(forms.Form):
    name = forms.CharField(label="Class Name", max_length=80)
    lab = forms.ChoiceField(label="Lab", choices=[(k, v.title) for k, v in LABS.items()])
    size = forms.IntegerField(
        label="Trainees or Pairs",
        min_value=1,
        max_value=services.MAX_CLASS_SIZE,
        initial=10,
        help_text="Labs 1 and 3: one login per trainee. Lab 2: a pair of logins (Account A "
        "and Account B) per seat.",
    )
    fast = forms.BooleanField(label="Fast provisioning", required=False)


def classes(request):
    require_instructor(request)
    form = ClassroomForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        started = timezone.now()
        try:
            classroom = services.classroom_create(created_by=request.user, **form.cleaned_data)
        except ConsoleError as error:
            form_error_from(form, error)
        else:
            seconds = (timezone.now() - started).total_seconds()
            messages.success(
                request, f"Class {classroom.name} is ready ({seconds:.1f} s). Print the sheet."
            )
            return redirect("labs:class", pk=classroom.pk)
    classrooms = Classroom.objects.all()
    return render(request, "labs/classes.html", {"form": form, "classrooms": classrooms})


def classroom(request, pk):
    require_instructor(request)
    room = get_object_or_404(Classroom, pk=pk)
    # Snapshot every seat's accounts before reading anything the rows show.
    live.watch(
        request, [pk for ids in room.runs.values_list("account_a", "account_b") for pk in ids]
    )
    runs = room.runs.select_related("account_a", "account_b").prefetch_related("logins__user")
    rows = [{"run": run, **progress_of(run)} for run in runs]
    locked = throttle.locked_among(
        login.user.username for run in runs for login in run.logins.all()
    )
    template = "labs/partials/class_body.html" if request.htmx else "labs/class.html"
    context = {"classroom": room, "rows": rows, "now": timezone.now(), "locked": locked}
    return render(request, template, context)


def sheet(request, pk):
    require_instructor(request)
    room = get_object_or_404(Classroom, pk=pk)
    runs = room.runs.select_related("account_a", "account_b").prefetch_related("logins__user")
    return render(request, "labs/sheet.html", {"classroom": room, "runs": runs})


@require_POST
def reset_class(request, pk):
    require_instructor(request)
    room = get_object_or_404(Classroom, pk=pk)
    started = timezone.now()
    for run in room.runs.all():
        services.lab_run_reset(run=run)
    seconds = (timezone.now() - started).total_seconds()
    messages.success(request, f"Every seat of {room.name} was reset ({seconds:.1f} s).")
    return redirect("labs:class", pk=room.pk)


@require_POST
def unlock(request):
    """An instructor lifts a login's lockout after too many failed passwords."""
    require_instructor(request)
    username = request.POST.get("username", "")
    if not get_user_model().objects.filter(username=username).exists():
        raise Http404("No such login.")
    throttle.clear(username)
    throttle.announce(username)
    messages.success(request, f"{username} can log in again.")
    return redirect(safe_next(request, default="labs:classes"))


@require_POST
def look(request, pk, role):
    """An instructor looks at one seat's console, read-only."""
    require_instructor(request)
    run = get_object_or_404(LabRun, pk=pk)
    account = run.account_a if role == "a" else run.account_b
    if account is None:
        raise Http404("No such account.")
    request.session[SESSION_VIEWING] = account.pk
    messages.info(request, f"You are viewing {account.name} ({account.uid}), read-only.")
    return redirect("console:home")
