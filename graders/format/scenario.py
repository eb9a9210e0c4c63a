"""What a scenario's `run(ctx)` receives: the seed, the student's module, data files, helpers.

Student code is imported lazily through `ctx.submission` / `ctx.require`, so import-time errors
and missing names become verdicts instead of grader crashes.
"""
from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path


class MissingName(Exception):
    """The submission does not define a name the exercise asks for."""

    def __init__(self, name: str, kind: str, filename: str):
        self.name, self.kind, self.filename = name, kind, filename
        super().__init__(f"{filename} does not define {kind} `{name}`.")


class ScenarioContext:
    """Passed to `scenario.run(ctx)` once per seed."""

    def __init__(self, seed: int, submission_path: Path, data_dir: Path, requires=()):
        self.seed = seed
        self.submission_path = Path(submission_path)
        self.data_dir = Path(data_dir)
        self._requires = tuple(requires)
        self._module: types.ModuleType | None = None

    @property
    def submission(self) -> types.ModuleType:
        """The student's module, imported fresh for this seed (no state leaks between seeds)."""
        if self._module is None:
            self._module = import_submission(self.submission_path)
            for name in self._requires:
                self.require(name)
        return self._module

    def require(self, name: str, kind: str = "function"):
        """The attribute `name` of the submission; a MissingName verdict when it is absent or
        not callable (for kind 'function' or 'class')."""
        mod = self.submission
        obj = getattr(mod, name, None)
        if obj is None or (kind in ("function", "class") and not callable(obj)):
            raise MissingName(name, kind, self.submission_path.name)
        return obj


def compile_submission(path: Path):
    """Compile the student's file (SyntaxError propagates with its line)."""
    source = Path(path).read_text(encoding="utf-8")
    return compile(source, Path(path).name, "exec", dont_inherit=True)


def import_submission(path: Path) -> types.ModuleType:
    path = Path(path)
    name = path.stem
    code = compile_submission(path)
    spec = importlib.util.spec_from_loader(name, loader=None, origin=str(path))
    module = importlib.util.module_from_spec(spec)
    module.__file__ = path.name
    sys.modules[name] = module
    exec(code, module.__dict__)
    return module


def load_scenario(path: Path) -> types.ModuleType:
    """Import an exercise's scenario.py under a private module name."""
    spec = importlib.util.spec_from_file_location("tracegrade_scenario", str(path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not callable(getattr(module, "run", None)):
        raise AttributeError(f"{path} does not define run(ctx)")
    return module
