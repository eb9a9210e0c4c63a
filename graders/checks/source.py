"""Questions about the student's source text, answered from its syntax tree (not by grep).

Used by graders that must tell, say, whether autograd was called where gradients are derived.
"""
from __future__ import annotations

import ast
import functools


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


# ---- names built at run time -----------------------------------------------------------------
AUTOGRAD_WORDS = ("backward", "autograd", "requires_grad", "functorch", "_functorch", "grad_fn",
                  "_execution_engine", "_EngineBase", "run_backward", "forward_ad", "make_dual",
                  "_make_dual", "register_hook", "vjp", "jvp", "jacrev", "jacfwd", "_C")
REACH_IN = {"gc": "the garbage collector's objects", "ctypes": "raw memory (ctypes)",
            "inspect": "the interpreter's frames", "graders": "the grader's own modules"}


def constant_string(node: ast.AST) -> str | None:
    """The value of a string expression built only from constants ('back' + 'ward',
    ''.join(['ba', 'ck'])), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = constant_string(node.left), constant_string(node.right)
        return None if left is None or right is None else left + right
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "join"
            and len(node.args) == 1 and isinstance(node.args[0], (ast.List, ast.Tuple))):
        sep = constant_string(node.func.value)
        parts = [constant_string(e) for e in node.args[0].elts]
        return None if sep is None or None in parts else sep.join(parts)
    return None


def _mentions_autograd(text: str) -> bool:
    parts = text.replace(".", " ").split()
    return any(p in AUTOGRAD_WORDS or p.startswith(("torch.autograd", "torch.func")) for p in parts) or \
        text.startswith(("torch.autograd", "torch.func", "torch._C", "torch._functorch", "functorch"))


@functools.lru_cache(maxsize=8)
def hidden_names(source: str) -> tuple[tuple[int, str], ...]:
    """(line, what) for each place that reaches a name without writing it: getattr/setattr,
    __import__, importlib.import_module/reload, exec/eval/compile with a name or code built at
    run time (or an autograd name in a string), and imports that reach into the interpreter or
    the grader (gc, ctypes, inspect, sys._getframe, sys.modules, graders)."""
    tree = _tree(source)
    if tree is None:
        return []
    found = set()
    for n in ast.walk(tree):
        if isinstance(n, ast.Call):
            name = n.func.id if isinstance(n.func, ast.Name) else (
                n.func.attr if isinstance(n.func, ast.Attribute) else "")
            args = list(n.args)
            if name in ("getattr", "setattr", "delattr", "hasattr") and len(args) >= 2:
                text = constant_string(args[1])
                if text is None:
                    found.add((n.lineno, f"{name}() with a name built at run time"))
                elif _mentions_autograd(text):
                    found.add((n.lineno, f"{name}(..., {text!r})"))
            elif name in ("__import__", "import_module", "reload", "find_spec", "spec_from_file_location"):
                text = constant_string(args[0]) if args else None
                if name == "reload" or text is None or _mentions_autograd(text) or \
                        text.split(".")[0] in REACH_IN:
                    found.add((n.lineno, "importlib.reload()" if name == "reload" else
                               f"{name}() of a module named at run time" if text is None
                               else f"{name}({text!r})"))
            elif name in ("exec", "eval", "compile") and isinstance(n.func, ast.Name):
                found.add((n.lineno, f"{name}() of code built at run time"))
            elif name == "_getframe":
                found.add((n.lineno, "sys._getframe()"))
        elif isinstance(n, ast.Attribute) and n.attr == "modules" and isinstance(n.value, ast.Name) \
                and n.value.id == "sys":
            found.add((n.lineno, "sys.modules"))
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            mods = [a.name for a in n.names] if isinstance(n, ast.Import) else [n.module or ""]
            for m in mods:
                if m.split(".")[0] in REACH_IN:
                    found.add((n.lineno, f"import {m} ({REACH_IN[m.split('.')[0]]})"))
                elif m in ("importlib", "builtins") or m.startswith("importlib."):
                    found.add((n.lineno, f"import {m}"))
    return tuple(sorted(found))
