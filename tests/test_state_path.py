"""One path for state changes (ARCHITECTURE.md): only ``console/lifecycle.py`` changes a state.

Nothing else calls a django-fsm transition method (directly or through ``getattr``), assigns a
``status`` or writes one with ``.update()``: a state changed elsewhere is neither locked, nor
recorded in the audit trail, nor completed by the worker.
"""

import ast
from pathlib import Path

from django.apps import apps
from django_fsm import FSMField

ROOT = Path(__file__).resolve().parent.parent
FLOORS = ["console", "loadbalancer", "privatelink", "network", "cloudapi", "labs"]
LIFECYCLE = ROOT / "console" / "lifecycle.py"

# Calls that share a transition's name but are no model's: (file, receiver as written).
NOT_A_RESOURCE = {
    ("console/generic.py", "self"),  # ResourceViews.delete_service: the configured service
    ("loadbalancer/views.py", "WizardState"),  # a wizard's session state
    ("network/dataplane.py", "self"),  # a simulated request stopping at a hop
    ("labs/services.py", "starter.switchable_accounts"),  # many-to-many
    ("labs/services.py", "partner.switchable_accounts"),
    ("privatelink/services.py", "endpoint.security_groups"),
    ("labs/classbench/__init__.py", "stack"),  # threads and processes of the class bench
    ("labs/classbench/__init__.py", "sampler"),
    ("labs/classbench/__init__.py", "trainee"),
    ("labs/classbench/__init__.py", "page"),  # an idle page's stream thread
    ("labs/classbench/live.py", "self.stream"),
    ("labs/classbench/scenario.py", "polls"),  # a list
    ("console/turns.py", "queue"),  # a deque of waiting requests
}
# ``status`` attributes that are no lifecycle state.
NOT_A_STATE = {
    "cloudapi/errors.py": "an API error's HTTP status",
    "cloudapi/services.py": "an access key's Enabled/Disabled switch (no fsm, no worker)",
    # The benchmark builds its world in a transaction it rolls back, skipping the worker's
    # steps; no page or worker ever sees those rows.
    "loadbalancer/bench.py": "a benchmark's throw-away world",
}


def transition_names():
    names, fields = set(), set()
    for model in apps.get_models():
        for field in model._meta.fields:
            if isinstance(field, FSMField):
                fields.add(field.name)
                transitions = getattr(model, f"get_all_{field.name}_transitions")(model())
                names.update(t.name for t in transitions)
    return names, fields


def app_files():
    for app in FLOORS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts and path != LIFECYCLE:
                yield path


def state_writes(source, where, names, fields):
    """(line, what) of every state change written in ``source`` (the file ``where``)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in names:
                receiver = ast.unparse(func.value)
                if (where, receiver) not in NOT_A_RESOURCE:
                    yield node.lineno, f"{receiver}.{func.attr}()"
            if isinstance(func, ast.Call) and ast.unparse(func.func) == "getattr":
                yield node.lineno, f"{ast.unparse(func)}()"
            if isinstance(func, ast.Attribute) and func.attr in ("update", "bulk_update"):
                for keyword in node.keywords:
                    if keyword.arg in fields and where not in NOT_A_STATE:
                        yield node.lineno, f".{func.attr}({keyword.arg}=…)"
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, ast.AugAssign | ast.AnnAssign)
            else []
        )
        for target in targets:
            if isinstance(target, ast.Attribute) and target.attr in fields:
                if where not in NOT_A_STATE:
                    yield node.lineno, f"{ast.unparse(target)} = …"


def test_only_the_lifecycle_changes_a_state():
    names, fields = transition_names()
    assert {"allow", "finish_delete", "settle_with", "start_removal"} <= names
    found = []
    for path in app_files():
        where = path.relative_to(ROOT).as_posix()
        for line, what in state_writes(path.read_text(), where, names, fields):
            found.append(f"{where}:{line}: {what}")
    assert found == []


def test_the_scan_sees_each_way_of_writing_a_state():
    names, fields = transition_names()
    source = (
        "connection.allow()\n"
        "getattr(locked, method)()\n"
        "Zone.objects.filter(pk=1).update(status='Deleting')\n"
        "zone.status = 'Deleting'\n"
        "endpoint.security_groups.remove(group)\n"
    )
    found = [what for _, what in sorted(state_writes(source, "sample.py", names, fields))]
    assert found == [
        "connection.allow()",
        "getattr(locked, method)()",
        ".update(status=…)",
        "zone.status = …",
        # The same call in privatelink/services.py is a many-to-many's, listed as such.
        "endpoint.security_groups.remove()",
    ]


ANNOTATED = [
    "console/lifecycle.py",
    "console/tasks.py",
    "console/models.py",
    "privatelink/models.py",
    "privatelink/services.py",
]


def test_the_state_path_is_annotated():
    """Every parameter (but self and cls) and every return of these modules is annotated."""
    missing = []
    for name in ANNOTATED:
        for node in ast.walk(ast.parse((ROOT / name).read_text())):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            args = node.args
            params = [*args.posonlyargs, *args.args, *args.kwonlyargs]
            params += [a for a in (args.vararg, args.kwarg) if a is not None]
            bare = [a.arg for a in params if a.annotation is None and a.arg not in ("self", "cls")]
            if bare or node.returns is None:
                missing.append(f"{name}:{node.lineno} {node.name} {bare or '-> ?'}")
    assert missing == []
