"""One exercise folder: exercise.toml validated on load, paths to its parts, its content hash.

An invalid folder raises ExerciseError naming the file, the key and what was expected.
"""
from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from graders.errors import ExerciseError
from graders.format.limits import Limits
from graders.format.tolerance import ATOL, RTOL

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
FILE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\.py$")
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")

# key: (type(s), required, description of what is expected)
_TOP_KEYS = {
    "slug": (str, True, "a short lowercase name such as 'zero-grad'"),
    "title": (str, True, "a one-line title"),
    "points": ((int, float), True, "the total points, a positive number"),
    "submission": (str, True, "the file name students submit, such as 'train.py'"),
    "tags": (list, False, "a list of strings"),
    "requires": (list, False, "a list of names the submission must define, such as ['train']"),
    "seeds": (dict, True, "a table with 'public' and 'hidden' lists of integers"),
    "tolerance": (dict, False, "a table with 'rtol' and 'atol' numbers (docs/authoring.md)"),
    "limits": (dict, False, "a table of limit overrides"),
    "mutants": (dict, False, "a table with [[mutants.equivalent]] entries, each an 'id' and a 'reason'"),
}


@dataclass(frozen=True)
class Exercise:
    """A validated exercise folder."""

    path: Path
    slug: str
    title: str
    points: float
    submission: str
    public_seeds: tuple[int, ...]
    hidden_seeds: tuple[int, ...]
    rtol: float = RTOL          # of each expected value
    atol: float = ATOL          # of the largest |expected| of the quantity compared
    tags: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    limits: Limits = field(default_factory=Limits)
    equivalent_mutants: tuple[tuple[str, str], ...] = ()   # (mutant id, why it is equivalent)

    # ---- loading -------------------------------------------------------------------------
    @classmethod
    def load(cls, path) -> "Exercise":
        """Read and validate `path/exercise.toml`; raise ExerciseError on any problem."""
        path = Path(path).resolve()
        toml_path = path / "exercise.toml"
        if not path.is_dir():
            raise ExerciseError(path, "is not an exercise folder (no such directory).")
        if not toml_path.is_file():
            raise ExerciseError(path, "has no exercise.toml. Run `tracegrade new` for a template.")
        try:
            data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            raise ExerciseError(toml_path, "is not UTF-8 text.") from None
        except tomllib.TOMLDecodeError as e:
            raise ExerciseError(toml_path, f"is not valid TOML ({e}).") from None
        return cls._from_data(path, toml_path, data)

    @classmethod
    def _from_data(cls, path: Path, toml_path: Path, data: dict) -> "Exercise":
        for key in data:
            if key not in _TOP_KEYS:
                raise ExerciseError(toml_path, f"unknown key. Expected one of: {', '.join(_TOP_KEYS)}.", key)
        for key, (types, required, expected) in _TOP_KEYS.items():
            if key not in data:
                if required:
                    raise ExerciseError(toml_path, f"is missing; expected {expected}.", key)
                continue
            value = data[key]
            if not isinstance(value, types) or isinstance(value, bool):
                raise ExerciseError(toml_path, f"has the wrong type ({type(value).__name__}); expected {expected}.", key)

        slug = data["slug"]
        if not SLUG_RE.match(slug):
            raise ExerciseError(toml_path, f"'{slug}' is not a valid slug; use lowercase letters, digits and '-'.", "slug")
        if data["points"] <= 0:
            raise ExerciseError(toml_path, "must be positive.", "points")
        if not FILE_RE.match(data["submission"]):
            raise ExerciseError(toml_path, "must be a Python file name such as 'train.py'.", "submission")
        for key in ("tags", "requires"):
            if not all(isinstance(v, str) for v in data.get(key, [])):
                raise ExerciseError(toml_path, "must be a list of strings.", key)

        seeds = data["seeds"]
        public = _int_list(toml_path, seeds, "public")
        # empty only in a student bundle: the server keeps the hidden seeds
        hidden = _int_list(toml_path, seeds, "hidden") if seeds.get("hidden") != [] else []
        extra = set(seeds) - {"public", "hidden"}
        if extra:
            raise ExerciseError(toml_path, "unknown key; expected 'public' and 'hidden'.", f"seeds.{sorted(extra)[0]}")
        if set(public) & set(hidden):
            both = sorted(set(public) & set(hidden))[0]
            raise ExerciseError(toml_path, f"seed {both} is both public and hidden; keep it in one "
                                           f"list.", "seeds")

        tol = data.get("tolerance", {})
        for k, v in tol.items():
            if k not in ("rtol", "atol"):
                raise ExerciseError(toml_path, "unknown key; expected 'rtol' or 'atol'.", f"tolerance.{k}")
            if not isinstance(v, (int, float)) or isinstance(v, bool) or v < 0:
                raise ExerciseError(toml_path, "must be a non-negative number.", f"tolerance.{k}")

        limits = Limits().with_overrides(_limit_overrides(toml_path, data.get("limits", {})))
        return cls(
            path=path, slug=slug, title=data["title"], points=float(data["points"]),
            submission=data["submission"], public_seeds=tuple(public), hidden_seeds=tuple(hidden),
            rtol=float(tol.get("rtol", RTOL)), atol=float(tol.get("atol", ATOL)),
            tags=tuple(data.get("tags", [])), requires=tuple(data.get("requires", [])), limits=limits,
            equivalent_mutants=_equivalent_mutants(toml_path, data.get("mutants", {})),
        )

    # ---- parts -------------------------------------------------------------------------
    @property
    def readme(self) -> Path:
        return self.path / "README.md"

    @property
    def starter(self) -> Path:
        return self.path / "starter.py"

    @property
    def solution(self) -> Path:
        return self.path / "solution.py"

    @property
    def scenario(self) -> Path:
        return self.path / "scenario.py"

    @property
    def graders_dir(self) -> Path:
        return self.path / "graders"

    @property
    def traces_dir(self) -> Path:
        return self.path / "traces"

    @property
    def data_dir(self) -> Path:
        return self.path / "data"

    @property
    def seeds(self) -> tuple[int, ...]:
        return self.public_seeds + self.hidden_seeds

    def trace_dir(self, seed: int) -> Path:
        return self.traces_dir / f"seed-{seed}"

    def grader_files(self, include_hidden: bool = True) -> list[Path]:
        """Public graders are graders/test_*.py; hidden ones live in graders/hidden/."""
        files = sorted(self.graders_dir.glob("test_*.py"))
        if include_hidden:
            files += sorted((self.graders_dir / "hidden").glob("test_*.py"))
        return files

    def public_files(self) -> list[Path]:
        """What a student may see: the student bundle, and all the sandbox may read."""
        files = [p for p in (self.path / "exercise.toml", self.readme, self.starter, self.scenario) if p.is_file()]
        files += self.grader_files(include_hidden=False)
        for seed in self.public_seeds:
            d = self.trace_dir(seed)
            if d.is_dir():
                files += sorted(p for p in d.iterdir() if p.is_file())
        if self.data_dir.is_dir():
            files += sorted(p for p in self.data_dir.rglob("*") if p.is_file())
        return files

    def content_hash(self) -> str:
        """sha256 over every file of the folder (names and bytes): an exercise version id."""
        h = hashlib.sha256()
        for p in sorted(q for q in self.path.rglob("*") if q.is_file() and "__pycache__" not in q.parts):
            h.update(str(p.relative_to(self.path)).encode() + b"\0")
            h.update(p.read_bytes() + b"\0")
        return h.hexdigest()

    def read_readme(self) -> str:
        return self.readme.read_text(encoding="utf-8") if self.readme.is_file() else ""


def _int_list(toml_path: Path, table: dict, key: str) -> list[int]:
    value = table.get(key)
    if value is None:
        raise ExerciseError(toml_path, "is missing; expected a list of integers.", f"seeds.{key}")
    if not isinstance(value, list) or not value or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise ExerciseError(toml_path, "must be a non-empty list of integers.", f"seeds.{key}")
    twice = sorted({v for v in value if value.count(v) > 1})
    if twice:
        raise ExerciseError(toml_path, f"lists seed {twice[0]} twice; keep it once.", f"seeds.{key}")
    return value


def _equivalent_mutants(toml_path: Path, table: dict) -> tuple[tuple[str, str], ...]:
    """[[mutants.equivalent]] id = "...", reason = "..." (see `tracegrade check --mutants`)."""
    extra = set(table) - {"equivalent"}
    if extra:
        raise ExerciseError(toml_path, "unknown key; expected 'equivalent'.", f"mutants.{sorted(extra)[0]}")
    entries = table.get("equivalent", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ExerciseError(toml_path, "must be a list of tables ([[mutants.equivalent]]).", "mutants.equivalent")
    out, seen = [], set()
    for i, e in enumerate(entries):
        key = f"mutants.equivalent[{i}]"
        if set(e) - {"id", "reason"}:
            raise ExerciseError(toml_path, "unknown key; expected 'id' and 'reason'.", key)
        if not isinstance(e.get("id"), str) or not e["id"].strip():
            raise ExerciseError(toml_path, "needs an 'id', the mutant's id as `tracegrade check --mutants` "
                                "prints it, such as 'swap-stmts:L12'.", key)
        if not isinstance(e.get("reason"), str) or not e["reason"].strip():
            raise ExerciseError(toml_path, f"mutant '{e['id']}' needs a 'reason': say why it behaves "
                                "exactly like the solution.", key)
        if e["id"] in seen:
            raise ExerciseError(toml_path, f"mutant '{e['id']}' is listed twice.", key)
        seen.add(e["id"])
        out.append((e["id"].strip(), e["reason"].strip()))
    return tuple(out)


def _limit_overrides(toml_path: Path, table: dict) -> dict:
    types = Limits.field_types()
    out = {}
    for k, v in table.items():
        if k not in types:
            raise ExerciseError(toml_path, f"unknown limit. Known limits: {', '.join(types)}.", f"limits.{k}")
        if not isinstance(v, (int, float)) or isinstance(v, bool) or v < 0:
            raise ExerciseError(toml_path, "must be a non-negative number.", f"limits.{k}")
        out[k] = types[k](v)
    return out
