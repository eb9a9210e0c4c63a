"""Grade every mutant of an exercise's solution through a Grader (the warm pool), a few in flight,
and count those the graders catch (less than full marks) and those that still get full marks.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from graders.errors import GradingError
from graders.format.exercise import Exercise
from graders.grading.grader import Grader
from graders.mutants.generate import Mutant, generate

THRESHOLD = 0.95        # of the non-equivalent mutants, the share an exercise's graders must catch


@dataclass
class MutantResult:
    mutant: Mutant
    score: float
    max_score: float
    verdict: str
    equivalent: str | None = None      # the author's reason, when marked equivalent
    error: str | None = None           # the graders themselves failed on this mutant
    seconds: float = 0.0

    @property
    def caught(self) -> bool:
        return self.error is None and self.score < self.max_score


@dataclass
class MutationRun:
    exercise: Exercise
    results: list[MutantResult] = field(default_factory=list)
    unknown_equivalents: list[str] = field(default_factory=list)   # ids in exercise.toml, no mutant
    seconds: float = 0.0

    @property
    def generated(self) -> int:
        return len(self.results)

    @property
    def equivalent(self) -> int:
        return sum(1 for r in self.results if r.equivalent is not None)

    @property
    def counted(self) -> list[MutantResult]:
        """The mutants the figure is about: all but those marked equivalent."""
        return [r for r in self.results if r.equivalent is None]

    @property
    def caught(self) -> int:
        return sum(1 for r in self.counted if r.caught)

    @property
    def survivors(self) -> list[MutantResult]:
        return [r for r in self.counted if not r.caught]

    @property
    def fraction(self) -> float:
        return self.caught / len(self.counted) if self.counted else 1.0

    @property
    def wrongly_equivalent(self) -> list[MutantResult]:
        """Marked equivalent, yet the graders give it less than full marks."""
        return [r for r in self.results if r.equivalent is not None and r.caught]

    @property
    def ok(self) -> bool:
        return self.fraction >= THRESHOLD and not self.unknown_equivalents

    def summary(self) -> str:
        return f"mutants: caught {self.caught} of {len(self.counted)} ({self.equivalent} equivalent)"


def run_mutants(exercise: Exercise, grader: Grader, in_flight: int = 2, seeds="all",
                progress=None) -> MutationRun:
    """Generate the mutants of exercise's solution and grade each on every seed. in_flight:
    gradings at once (one per core is right for the warm pool). progress(result) is called
    as each mutant is graded."""
    t0 = time.monotonic()
    mutants = generate(exercise.solution.read_text(encoding="utf-8"), exercise.solution.name)
    marked = dict(exercise.equivalent_mutants)
    ids = {m.id for m in mutants}
    run = MutationRun(exercise, unknown_equivalents=[i for i in marked if i not in ids])
    results: list[MutantResult | None] = [None] * len(mutants)
    todo = iter(range(len(mutants)))
    lock = threading.Lock()
    failure: list[BaseException] = []

    def work():
        while True:
            with lock:
                i = next(todo, None)
            if i is None or failure:
                return
            m = mutants[i]
            try:
                t = time.monotonic()
                r = grader.grade(exercise, m.source, seeds=seeds)
                if r.verdict.value == "time_limit":     # once more: a busy machine is not a catch
                    r = grader.grade(exercise, m.source, seeds=seeds)
                res = MutantResult(m, r.score, r.max_score, r.verdict.value, marked.get(m.id),
                                   seconds=time.monotonic() - t)
            except GradingError as e:
                res = MutantResult(m, 0.0, exercise.points, "error", marked.get(m.id), error=str(e))
            except BaseException as e:      # the pool broke: stop and say so
                failure.append(e)
                return
            results[i] = res
            if progress is not None:
                with lock:
                    progress(res)

    threads = [threading.Thread(target=work, daemon=True) for _ in range(max(1, in_flight))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failure:
        raise failure[0]
    run.results = [r for r in results if r is not None]
    run.seconds = time.monotonic() - t0
    return run
