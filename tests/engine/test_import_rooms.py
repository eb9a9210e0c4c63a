"""The engine's rooms import one way (docs/engine-primer.md): no import cycle inside graders/,
the sandbox knows nothing of pytest or grading, checks know nothing of processes, and graders/
never imports server/. Read from the source with ast, function-level imports included."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "graders"
PROCESS_MODULES = {"subprocess", "multiprocessing", "signal", "socket", "ctypes", "select",
                   "selectors", "resource", "fcntl", "concurrent"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(ENGINE.rglob("*.py"))
            if "scaffold" not in p.relative_to(ENGINE).parts}


MODULES = _modules()


def imports_of(name: str) -> set[str]:
    """Every module `name` imports (top-level names for outside packages, the most precise
    graders module for ours), wherever in the file the import statement is."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
        else:
            continue
        for t in targets:
            if t.split(".")[0] != "graders":
                out.add(t.split(".")[0])
                continue
            while t not in MODULES:       # `import graders.x.y` of a name: its module
                t = t.rpartition(".")[0]
            out.add(t)
    out.discard(name)
    return out


GRAPH = {name: {t for t in imports_of(name) if t in MODULES} for name in MODULES}


def _cycles() -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))
    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    return found


def _room(prefix: str) -> list[str]:
    return [m for m in MODULES if m == prefix or m.startswith(prefix + ".")]


def test_the_rooms_exist():
    for room in ("graders.grading", "graders.sandbox", "graders.pool", "graders.checks", "graders.trace",
                 "graders.cli"):
        assert room in MODULES and len(_room(room)) > 1, room


def test_no_import_cycle_inside_the_engine():
    assert _cycles() == []


def test_the_sandbox_knows_nothing_of_pytest_grading_or_the_pool():
    for name in _room("graders.sandbox"):
        bad = {t for t in imports_of(name)
               if t in ("pytest", "_pytest", "torch") or (t.startswith("graders") and not t.startswith("graders.sandbox"))}
        assert not bad, f"{name} imports {sorted(bad)}"


def test_checks_know_nothing_of_processes():
    for name in _room("graders.checks"):
        bad = {t for t in imports_of(name)
               if t in PROCESS_MODULES or t.startswith(("graders.pool", "graders.sandbox", "graders.grading"))}
        assert not bad, f"{name} imports {sorted(bad)}"


def test_the_pool_never_imports_the_grader_or_the_cli():
    for name in _room("graders.pool"):
        bad = {t for t in imports_of(name) if t.startswith(("graders.grading.grader", "graders.cli"))}
        assert not bad, f"{name} imports {sorted(bad)}"


def test_the_engine_never_imports_the_server():
    for name in MODULES:
        assert "server" not in imports_of(name), name


def test_the_walk_sees_lazy_imports():
    """(The test's own check: a function-level import counts.)"""
    assert "graders.pool" in imports_of("graders.grading.grader")
