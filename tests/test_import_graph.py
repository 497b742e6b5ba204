"""The layout's promise (ARCHITECTURE.md, floors): no import loop, no import up a floor.

Every import counts, also one inside a function: a loop that only runs late is still a loop.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLOORS = ["console", "loadbalancer", "privatelink", "network", "cloudapi", "labs"]


def project_modules():
    modules = {}
    for app in FLOORS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            modules[name.removesuffix(".__init__")] = path
    return modules


def imported(module, path, modules):
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            for alias in node.names:
                target = f"{base}.{alias.name}"
                yield target if target in modules else base


def import_graph():
    modules = project_modules()
    return {
        module: {t for t in imported(module, path, modules) if t in modules}
        for module, path in modules.items()
    }


def loops(graph):
    """The strongly connected groups of more than one module (Tarjan)."""
    index, low, stack, found = {}, {}, [], []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while not group or group[-1] != node:
                group.append(stack.pop())
            if len(group) > 1:
                found.append(sorted(group))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_import_loop():
    graph = import_graph()
    assert len(graph) > 40
    assert loops(graph) == []


def test_no_import_runs_up_a_floor():
    upward = [
        (module, target)
        for module, targets in import_graph().items()
        for target in targets
        if FLOORS.index(target.split(".")[0]) > FLOORS.index(module.split(".")[0])
    ]
    assert upward == []


def test_the_checks_see_a_loop_and_an_upward_import():
    assert loops({"a": {"b"}, "b": {"a"}, "c": set()}) == [["a", "b"]]
    graph = import_graph()
    assert "console.lifecycle" in graph["console.tasks"]
