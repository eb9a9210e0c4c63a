"""What a mutation operator is made of: a `Site` (where it applies, how it changes a copy of the
tree, which text edits make the same change) and the helpers that build one."""
from __future__ import annotations

import ast
import copy
from dataclasses import dataclass
from typing import Callable


@dataclass
class Site:
    """One mutation: apply(node, parents) changes the node at `index` of ast.walk() in a copy of
    the tree; edits(lines) gives alternative lists of text edits, the tidiest first."""

    operator: str
    variant: str
    description: str
    line: int
    col: int
    index: int
    apply: Callable
    edits: Callable


def parents(tree: ast.AST) -> dict[int, tuple[ast.AST, str, int | None]]:
    """id(node) -> (parent, field, index in the field's list or None)."""
    out = {}
    for parent in ast.walk(tree):
        for name, value in ast.iter_fields(parent):
            if isinstance(value, list):
                for i, child in enumerate(value):
                    if isinstance(child, ast.AST):
                        out[id(child)] = (parent, name, i)
            elif isinstance(value, ast.AST):
                out[id(value)] = (parent, name, None)
    return out


def span(node) -> tuple[int, int, int, int]:
    return node.lineno, node.col_offset, node.end_lineno, node.end_col_offset


def text(lines: list[str], node) -> str:
    a, b, c, d = span(node)
    data = [ln.encode("utf-8") for ln in lines[a - 1:c]]
    if a == c:
        return data[0][b:d].decode("utf-8")
    return (data[0][b:] + b"".join(data[1:-1]) + data[-1][:d]).decode("utf-8")


def lines_span(lines: list[str], node) -> tuple[int, int, int, int]:
    """The whole lines of a statement (with their comments and line ends)."""
    return node.lineno, 0, node.end_lineno + 1, 0


def lines_text(lines: list[str], node) -> str:
    out = "".join(lines[node.lineno - 1:node.end_lineno])
    return out if out.endswith("\n") else out + "\n"


def put(node, new, par) -> None:
    parent, field, i = par[id(node)]
    if i is None:
        setattr(parent, field, new)
    else:
        getattr(parent, field)[i] = new


def expr_site(op, variant, description, node, index, make) -> Site:
    """A site that replaces node by make(copy of node); its text: the node's span rewritten."""
    def apply(n, par):
        put(n, make(copy.deepcopy(n)), par)

    def edits(lines):
        new = ast.unparse(make(copy.deepcopy(node)))
        return [[(*span(node), new)], [(*span(node), f"({new})")]]

    return Site(op, variant, description, node.lineno, node.col_offset, index, apply, edits)


def stmt_to_pass(op, variant, description, node, index) -> Site:
    def apply(n, par):
        put(n, ast.Pass(), par)

    return Site(op, variant, description, node.lineno, node.col_offset, index, apply,
                lambda lines: [[(*span(node), "pass")]])


def swap_two(op, variant, description, node, index, get, put, first, second) -> Site:
    """Swap two sub-expressions of node (get(n) -> (x, y); put(n, x, y))."""
    def apply(n, par):
        x, y = get(n)
        put(n, y, x)

    def edits(lines):
        ta, tb = text(lines, first), text(lines, second)
        return [[(*span(first), x), (*span(second), y)]
                for x, y in ((tb, ta), (tb, f"({ta})"), (f"({tb})", ta), (f"({tb})", f"({ta})"))]

    return Site(op, variant, description, node.lineno, node.col_offset, index, apply, edits)
