"""The publishing report: what the server found in an uploaded exercise (its problems, the
solution's score per seed, the starter's score, the drift figures, the corpus) and what it did.

Pages, the JSON API and `tracegrade push` all show this one object (as_json / lines).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

STATUSES = ("refused", "checked", "published", "unchanged")


@dataclass
class PublishReport:
    slug: str | None = None
    title: str | None = None
    content_hash: str | None = None
    status: str = "refused"            # one of STATUSES
    problems: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    solution_score: float | None = None
    starter_score: float | None = None
    max_score: float | None = None
    seed_scores: dict[str, float] = field(default_factory=dict)   # the solution's, per seed
    drift: str = "drift not measured"       # a fresh recording here vs another (determinism)
    drift_of_tolerance: float | None = None
    committed_drift: str = "no committed traces uploaded"   # the uploaded traces vs this server's
    corpus: list[dict] = field(default_factory=list)   # {"file", "expect", "got", "ok"}
    mutants: str = "not run (push --mutants runs them)"   # graders.mutants.report.figure
    mutant_survivors: list[str] = field(default_factory=list)   # "id: description"
    seconds: float | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict:
        out = asdict(self)
        out["ok"] = self.ok
        return out

    @classmethod
    def from_json(cls, data: dict) -> "PublishReport":
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def lines(self) -> list[str]:
        """The report as text for a terminal (the CLI prints these)."""
        head = f"{self.slug or '(no slug)'}: {self.status}"
        if self.content_hash:
            head += f" (version {self.content_hash[:16]})"
        out = [head]
        if self.max_score is not None:
            out.append(f"  solution {_f(self.solution_score)}/{_f(self.max_score)}, "
                       f"starter {_f(self.starter_score)}/{_f(self.max_score)}")
        if self.seed_scores:
            out.append("  solution per seed: " + ", ".join(
                f"{s}: {_f(v)}" for s, v in sorted(self.seed_scores.items(), key=_seed)))
        if self.content_hash:
            out.append(f"  {self.drift}")
            out.append(f"  committed traces: {self.committed_drift}")
        if self.corpus:
            good = sum(1 for c in self.corpus if c["ok"])
            out.append(f"  corpus: {good} of {len(self.corpus)} as expected")
            out += [f"    {c['file']}: expected {c['expect']}, got {c['got']}"
                    for c in self.corpus if not c["ok"]]
        if self.content_hash:
            out.append(f"  mutants: {self.mutants}")
            out += [f"    survived: {s}" for s in self.mutant_survivors]
        if self.problems:
            out.append("  problems:")
            out += [f"    - {p}" for p in self.problems]
        if self.seconds is not None:
            out.append(f"  checked in {self.seconds:.1f} s")
        return out


def _seed(item) -> int:
    return int(item[0]) if str(item[0]).lstrip("-").isdigit() else 0


def _f(x) -> str:
    return "-" if x is None else f"{x:g}"
