"""Mutants of a solution from its syntax tree (`generate`): each is the solution with one small,
plausible mistake, with a stable id, its text (comments kept) and its diff."""
from __future__ import annotations

import ast
import copy
import difflib
from dataclasses import dataclass

from graders.mutants import operators


@dataclass(frozen=True)
class Mutant:
    """One mutant. id: `<operator>:L<line>`, made longer (`:C<col>`, then `:<variant>`) only
    where two mutants would share it; the same source always gives the same ids."""

    id: str
    operator: str
    description: str
    line: int
    col: int
    source: str
    diff: str


def generate(source: str, filename: str = "solution.py") -> list[Mutant]:
    """Every mutant of source, without duplicates (two mutations giving the same program count
    once, under the first operator that made it) and without no-ops."""
    tree = ast.parse(source, filename)
    lines = source.splitlines(keepends=True)
    original = _shape(tree)
    seen = {original}
    raw = []
    for site in operators.sites(tree):
        mutated = copy.deepcopy(tree)
        nodes = list(ast.walk(mutated))
        site.apply(nodes[site.index], operators.parents(mutated))
        text = _render(source, lines, site, mutated)
        shape = _shape(ast.parse(text))
        if shape in seen:
            continue
        seen.add(shape)
        raw.append((site, text))
    raw.sort(key=lambda p: (p[0].line, p[0].col))
    ids = _ids([s for s, _ in raw])
    out = []
    for (site, text), mid in zip(raw, ids):
        diff = "".join(difflib.unified_diff(
            source.splitlines(keepends=True), text.splitlines(keepends=True),
            fromfile=filename, tofile=f"{filename} ({mid})", n=1))
        out.append(Mutant(mid, site.operator, site.description, site.line, site.col, text, diff))
    return out


def _shape(tree: ast.AST) -> str:
    return ast.dump(tree, include_attributes=False)


def _render(source: str, lines: list[str], site, mutated: ast.Module) -> str:
    """The mutant's text: the original with only the mutated span rewritten (comments and layout
    kept), when that parses to the mutated tree; else the whole tree unparsed."""
    want = _shape(mutated)
    for edits in site.edits(lines):
        text = _apply_edits(lines, edits)
        try:
            if _shape(ast.parse(text)) == want:
                return text
        except SyntaxError:
            continue
    return ast.unparse(mutated) + "\n"


def _apply_edits(lines: list[str], edits) -> str:
    """edits: (line, col, end_line, end_col, text) with 1-based lines and byte columns as ast
    gives them, applied from the last to the first."""
    data = [ln.encode("utf-8") for ln in lines]
    flat = b"".join(data)
    starts = [0]
    for ln in data:
        starts.append(starts[-1] + len(ln))
    for line, col, end_line, end_col, new in sorted(edits, reverse=True):
        a, b = starts[line - 1] + col, starts[end_line - 1] + end_col
        flat = flat[:a] + new.encode("utf-8") + flat[b:]
    return flat.decode("utf-8")


def _ids(sites) -> list[str]:
    """The shortest unique id of each site: op:L<line>, then :C<col>, then :<variant>."""
    def key(s, level):
        k = f"{s.operator}:L{s.line}"
        if level >= 1:
            k += f":C{s.col}"
        if level >= 2:
            k += f":{s.variant}"
        return k

    out = []
    for s in sites:
        for level in range(3):
            k = key(s, level)
            if sum(1 for t in sites if key(t, level) == k) == 1 or level == 2:
                break
        out.append(k)
    seen: dict[str, int] = {}
    for i, k in enumerate(out):              # the same variant twice at one place: number them
        seen[k] = seen.get(k, 0) + 1
        if seen[k] > 1:
            out[i] = f"{k}:{seen[k]}"
    return out
