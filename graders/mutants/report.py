"""The text report of a mutation run: each mutant caught (with its score), each survivor with its
diff, the equivalents and their reasons, and the closing line `mutants: caught C of N (E equivalent)`.
"""
from __future__ import annotations

from graders.mutants.run import THRESHOLD, MutationRun


def report_lines(run: MutationRun, show_caught: bool = True) -> list[str]:
    ex = run.exercise
    out = [f"{ex.slug}: {run.generated} mutants of {ex.solution.name} graded on {len(ex.seeds)} "
           f"seeds in {run.seconds:.1f} s"]
    for r in run.results:
        m = r.mutant
        if r.equivalent is not None:
            continue
        if r.error is not None:
            out.append(f"  ERROR     {m.id}: {m.description}: the graders failed: "
                       f"{r.error.splitlines()[0][:200] if r.error else ''}")
        elif r.caught and show_caught:
            out.append(f"  caught    {m.id}: {m.description} ({_score(r)}, {r.verdict})")
    for r in run.survivors:
        if r.error is not None:
            continue
        m = r.mutant
        out.append(f"  SURVIVED  {m.id}: {m.description} (full marks, {_score(r)})")
        out += ["      " + line for line in m.diff.rstrip("\n").splitlines()]
    for r in run.results:
        if r.equivalent is not None:
            out.append(f"  equivalent {r.mutant.id}: {r.equivalent}")
    for r in run.wrongly_equivalent:
        out.append(f"  warning: {r.mutant.id} is marked equivalent in exercise.toml but gets "
                   f"{_score(r)}: either it is not equivalent (remove the mark) or the graders "
                   f"fail a correct program.")
    for mid in run.unknown_equivalents:
        out.append(f"  error: {ex.path / 'exercise.toml'}: [[mutants.equivalent]] id '{mid}' "
                   f"matches no mutant of {ex.solution.name} (ids follow its lines; the ids of "
                   f"this run are printed above).")
    if run.fraction < THRESHOLD:
        out.append(f"  below the {THRESHOLD:.0%} this check asks for: {run.fraction:.0%} caught. "
                   f"Strengthen the graders so the survivors above lose points, or mark a "
                   f"survivor that behaves exactly like the solution as equivalent in "
                   f"exercise.toml with its reason.")
    out.append(run.summary())
    return out


def figure(run: MutationRun) -> str:
    """One line for other reports: 'caught 40 of 41 mutants (98%, 2 equivalent)'."""
    n = len(run.counted)
    return (f"caught {run.caught} of {n} mutants ({run.fraction:.0%}, {run.equivalent} equivalent)"
            if n else f"no mutants to grade ({run.equivalent} equivalent)")


def _score(r) -> str:
    return f"{r.score:g}/{r.max_score:g}"
