"""Questions about the student's source text, answered from its syntax tree (not by grep).

Used by graders that must tell, say, whether autograd was called where gradients are derived.
"""
from __future__ import annotations

import ast


def _tree(source: str) -> ast.AST | None:
    try:
        return ast.parse(source)
    except SyntaxError:
        return None


def calls_attribute(source: str, attr: str) -> list[int]:
    """Line numbers where `<something>.attr(...)` is called, e.g. attr='backward'."""
    tree = _tree(source)
    if tree is None:
        return []
    return sorted(n.lineno for n in ast.walk(tree)
                  if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == attr)


def uses_name(source: str, name: str) -> list[int]:
    """Line numbers where a name or attribute called `name` appears (e.g. 'autograd', 'grad')."""
    tree = _tree(source)
    if tree is None:
        return []
    lines = set()
    for n in ast.walk(tree):
        if isinstance(n, ast.Name) and n.id == name:
            lines.add(n.lineno)
        elif isinstance(n, ast.Attribute) and n.attr == name:
            lines.add(n.lineno)
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            mods = [a.name for a in n.names] + ([n.module] if isinstance(n, ast.ImportFrom) and n.module else [])
            if any(name in (m or "").split(".") for m in mods):
                lines.add(n.lineno)
    return sorted(lines)


def defines(source: str, name: str) -> bool:
    """True when the module defines a top-level function or class called name."""
    tree = _tree(source)
    if tree is None:
        return False
    return any(isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)) and n.name == name
               for n in tree.body)
