"""The shape the house keeps (ARCHITECTURE.md, rules of thumb 7 and 8), checked on the source.

Complexity is ruff's (C90, at most 12); these are what ruff does not check.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ["console", "loadbalancer", "privatelink", "network", "labs", "cloudapi"]
MAX_FUNCTION_LINES = 60


def app_sources():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def functions(path):
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def where(path, node):
    return f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"


def test_no_function_is_longer_than_60_lines():
    """From ``def`` to its last line, docstring included (decorators not counted)."""
    long = [
        f"{where(path, node)} ({node.end_lineno - node.lineno + 1} lines)"
        for path in app_sources()
        for node in functions(path)
        if node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert long == []


def test_the_length_check_sees_a_long_function(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    path = tmp_path / "long.py"
    path.write_text(f"def long():\n{body}\n")
    (node,) = functions(path)
    assert node.end_lineno - node.lineno + 1 == MAX_FUNCTION_LINES + 1


# Service-like modules that are neither services.py nor selectors.py: the lifecycle (every
# state change) and the health checker (the worker's writes of backend health).
SERVICE_LIKE = ["console/lifecycle.py", "loadbalancer/health.py"]
SELF = ("self", "cls")


def service_modules():
    for path in app_sources():
        name = str(path.relative_to(ROOT))
        if path.name in ("services.py", "selectors.py") or name in SERVICE_LIKE:
            yield path


def unannotated(node):
    """The parameters (``self``/``cls`` aside) and the return a signature leaves untyped."""
    args = node.args
    params = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
    missing = [
        p.arg for p in params if p is not None and p.annotation is None and p.arg not in SELF
    ]
    if node.returns is None:
        missing.append("return")
    return missing


def test_every_service_and_selector_signature_is_annotated():
    untyped = [
        f"{where(path, node)}: {', '.join(missing)}"
        for path in service_modules()
        for node in functions(path)
        if (missing := unannotated(node))
    ]
    assert untyped == []


def test_the_service_like_modules_exist():
    names = {str(path.relative_to(ROOT)) for path in service_modules()}
    assert set(SERVICE_LIKE) <= names


def test_the_annotation_check_sees_what_is_missing(tmp_path):
    path = tmp_path / "services.py"
    path.write_text(
        "def typed(*, account: int) -> None: ...\n"
        "def untyped(account, *, size: int = 1): ...\n"
        "class A:\n    def method(self, x: int): ...\n"
    )
    found = {node.name: unannotated(node) for node in functions(path)}
    assert found == {"typed": [], "untyped": ["account", "return"], "method": ["return"]}
