"""The mutation operators: where in a syntax tree each one applies (a `Site`), how it changes a
copy of the tree, and the smallest text edits that make the same change in the source."""
from __future__ import annotations

import ast
import copy

from graders.mutants.sites import (Site, expr_site, lines_span, lines_text, parents, span,
                                   stmt_to_pass, swap_two, text)

TRAINING_CALLS = ("zero_grad", "backward", "step", "eval", "train")
LOSSES = {
    "BCEWithLogitsLoss": "BCELoss", "BCELoss": "BCEWithLogitsLoss", "MSELoss": "L1Loss",
    "L1Loss": "MSELoss", "CrossEntropyLoss": "NLLLoss", "NLLLoss": "CrossEntropyLoss",
    "binary_cross_entropy_with_logits": "binary_cross_entropy",
    "binary_cross_entropy": "binary_cross_entropy_with_logits",
    "mse_loss": "l1_loss", "l1_loss": "mse_loss", "cross_entropy": "nll_loss", "nll_loss": "cross_entropy",
}
REDUCTIONS = {"mean": "sum", "sum": "mean"}
ACTIVATIONS = {"relu": "sigmoid", "ReLU": "Sigmoid", "sigmoid": "relu", "Sigmoid": "ReLU",
               "tanh": "sigmoid", "Tanh": "Sigmoid"}
MODULE_NAMES = ("torch", "nn", "F", "functional")
UNOBSERVED_CALLS = ("print",)        # dropping them changes nothing a grader may look at
PURE_BUILTINS = ("len", "range", "list", "tuple", "int", "float", "abs", "min", "max")
BINOPS = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
          ast.MatMult: ast.Mult, ast.Pow: ast.Mult, ast.FloorDiv: ast.Div}
CMPOPS = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
          ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn, ast.NotIn: ast.In}
SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.MatMult: "@", ast.Pow: "**",
           ast.FloorDiv: "//", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==",
           ast.NotEq: "!=", ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in",
           ast.And: "and", ast.Or: "or"}
SWAPPABLE_OPERANDS = (ast.Sub, ast.Div, ast.MatMult, ast.Pow, ast.FloorDiv)
DROPPED_METHODS = ("item", "detach", "clone", "mean", "sum", "squeeze", "unsqueeze", "view", "view_as",
                   "reshape", "t", "float", "double", "flatten", "contiguous")
DROPPED_ATTRIBUTES = ("T", "mT", "data")
WRAPPERS = ("sigmoid", "relu", "tanh", "softmax", "log_softmax", "exp", "log", "sqrt", "abs",
            "square", "mean", "sum", "detach", "squeeze", "flatten", "logsigmoid")
NOT_SWAPPED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)


def sites(tree: ast.Module) -> list[Site]:
    """Every mutation of tree. The operators, in the order that names a mutant two of them make:
    remove-zero_grad/-backward/-step/-eval/-train/-no_grad, replace-loss, replace-reduction,
    replace-activation, drop-call, drop-method (x.detach() -> x, h.T -> h, ...), drop-wrapper
    (torch.sigmoid(z) -> z), swap-stmts, swap-args, constant, swap-op."""
    nodes = list(ast.walk(tree))
    par = parents(tree)
    skip = _unobserved(tree)
    index = {id(n): i for i, n in enumerate(nodes)}
    found: list[Site] = []
    for make in (_remove_training, _replace_names, _drop_call, _drop_method, _drop_wrapper, _swap_stmts,
                 _swap_args,
                 _constants, _swap_ops):
        for node in nodes:
            if id(node) not in skip:
                found += make(node, index[id(node)], par)
    return found


# ---- helpers ------------------------------------------------------------------------------------
def _unobserved(tree: ast.Module) -> set[int]:
    """Nodes no grader can see: docstrings and `if __name__ == "__main__":` blocks."""
    out = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            out |= {id(n) for n in ast.walk(body[0])}
        if isinstance(node, ast.If) and "__name__" in ast.unparse(node.test):
            out |= {id(n) for n in ast.walk(node)}
    return out


def _is_docstring(node) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) \
        and isinstance(node.value.value, str)


def _is_no_grad(expr) -> bool:
    return isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) \
        and expr.func.attr in ("no_grad", "inference_mode")


# ---- operators ----------------------------------------------------------------------------------
def _remove_training(node, index, par) -> list[Site]:
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) \
            and isinstance(node.value.func, ast.Attribute) and node.value.func.attr in TRAINING_CALLS:
        name = node.value.func.attr
        return [stmt_to_pass(f"remove-{name}", name, f"remove the call to .{name}()", node, index)]
    if isinstance(node, ast.With) and len(node.items) == 1 and _is_no_grad(node.items[0].context_expr) \
            and node.items[0].optional_vars is None:
        return [_unwrap_with(node, index)]
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return [_drop_decorator(node, index, i) for i, d in enumerate(node.decorator_list) if _is_no_grad(d)]
    return []


def _unwrap_with(node: ast.With, index: int) -> Site:
    def apply(n, par):
        parent, field, i = par[id(n)]
        getattr(parent, field)[i:i + 1] = n.body

    def edits(lines):
        first, last = node.body[0].lineno, node.body[-1].end_lineno
        cut = node.body[0].col_offset - node.col_offset
        body = "".join(ln[cut:] if ln[:cut].strip() == "" else ln for ln in lines[first - 1:last])
        end = len(lines[last - 1].encode("utf-8"))
        return [[(node.lineno, 0, last, end, body)]]

    return Site("remove-no_grad", "with", "run the body of `with torch.no_grad():` with gradients on",
                node.lineno, node.col_offset, index, apply, edits)


def _drop_decorator(node, index, i) -> Site:
    deco = node.decorator_list[i]

    def apply(n, par):
        del n.decorator_list[i]

    def edits(lines):
        line = deco.lineno
        return [[(line, 0, line + 1, 0, "")]] if line < len(lines) else []

    return Site("remove-no_grad", "decorator", "remove the @torch.no_grad() decorator",
                deco.lineno, deco.col_offset, index, apply, edits)


def _replace_names(node, index, par) -> list[Site]:
    """replace-loss, replace-reduction, replace-activation on torch names and methods."""
    out = []
    if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
        base = node.value
        module = (isinstance(base, ast.Name) and base.id in MODULE_NAMES) or \
                 (isinstance(base, ast.Attribute) and base.attr in MODULE_NAMES)
        tables = [("replace-loss", LOSSES, module), ("replace-reduction", REDUCTIONS, True),
                  ("replace-activation", ACTIVATIONS, module)]
        for op, table, allowed in tables:
            if allowed and node.attr in table:
                new = table[node.attr]

                def make(n, new=new):
                    n.attr = new
                    return n
                out.append(expr_site(op, new, f"use .{new} instead of .{node.attr}", node, index, make))
    if isinstance(node, ast.Constant) and node.value in REDUCTIONS and isinstance(node.value, str):
        new = REDUCTIONS[node.value]
        out.append(expr_site("replace-reduction", new, f"use '{new}' instead of '{node.value}'",
                              node, index, lambda n, new=new: ast.Constant(new)))
    return out


def _drop_call(node, index, par) -> list[Site]:
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        func = node.value.func
        if isinstance(func, ast.Name) and func.id in UNOBSERVED_CALLS:
            return []
        return [stmt_to_pass("drop-call", "call", f"drop the call `{ast.unparse(node)[:60]}`", node, index)]
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
            and isinstance(node.value, ast.Call):
        name = node.targets[0].id
        reads = {n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)}
        if name in reads:          # x = f(x): dropping it leaves x as it was
            return [stmt_to_pass("drop-call", "rebind", f"drop `{ast.unparse(node)[:60]}`", node, index)]
    return []


def _drop_method(node, index, par) -> list[Site]:
    """x.detach() -> x, y.unsqueeze(1) -> y, h.T -> h: a forgotten conversion or reshape."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in DROPPED_METHODS:
        name = node.func.attr
        if isinstance(node.func.value, ast.Name) and node.func.value.id in MODULE_NAMES:
            return []                   # torch.flatten(x) is a function, not a method
        call = f".{name}(...)" if node.args or node.keywords else f".{name}()"
        return [expr_site("drop-method", name, f"drop `{call}` from `{ast.unparse(node)[:60]}`",
                           node, index, lambda n: n.func.value)]
    if isinstance(node, ast.Attribute) and node.attr in DROPPED_ATTRIBUTES and isinstance(node.ctx, ast.Load):
        return [expr_site("drop-method", node.attr, f"drop `.{node.attr}` from `{ast.unparse(node)[:60]}`",
                           node, index, lambda n: n.value)]
    return []


def _drop_wrapper(node, index, par) -> list[Site]:
    """torch.sigmoid(z) -> z, F.relu(h) -> h: a function of torch left out around its argument."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and len(node.args) == 1 \
            and not node.keywords and not isinstance(node.args[0], ast.Starred) \
            and isinstance(node.func.value, ast.Name) and node.func.value.id in MODULE_NAMES \
            and node.func.attr in WRAPPERS:
        name = f"{node.func.value.id}.{node.func.attr}"
        return [expr_site("drop-wrapper", node.func.attr, f"drop `{name}(...)` around "
                          f"`{ast.unparse(node.args[0])[:50]}`", node, index, lambda n: n.args[0])]
    return []


def _swap_stmts(node, index, par) -> list[Site]:
    out = []
    for field in ("body", "orelse", "finalbody"):
        body = getattr(node, field, None)
        if not isinstance(body, list):
            continue
        for i in range(len(body) - 1):
            a, b = body[i], body[i + 1]
            if not isinstance(a, ast.stmt) or isinstance(a, NOT_SWAPPED) or isinstance(b, NOT_SWAPPED) \
                    or _is_docstring(a) or ast.dump(a) == ast.dump(b) or _independent(a, b):
                continue
            out.append(_swap_site(node, index, field, i, a, b))
    return out


def _independent(a, b) -> bool:
    """Two assignments whose order cannot matter: plain names, neither reads or writes what the
    other writes, and nothing is called but pure built-ins (swapping them is always equivalent)."""
    def names(stmt):
        if not isinstance(stmt, ast.Assign):
            return None
        written = {n.id for t in stmt.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        if not all(isinstance(n, (ast.Name, ast.Tuple, ast.Store)) for t in stmt.targets for n in ast.walk(t)):
            return None
        for n in ast.walk(stmt.value):
            if isinstance(n, ast.Call) and not (isinstance(n.func, ast.Name) and n.func.id in PURE_BUILTINS):
                return None
        read = {n.id for n in ast.walk(stmt.value) if isinstance(n, ast.Name)}
        return written, read

    na, nb = names(a), names(b)
    if na is None or nb is None:
        return False
    (wa, ra), (wb, rb) = na, nb
    return not (wa & rb or wb & ra or wa & wb)


def _swap_site(node, index, field, i, a, b) -> Site:
    def apply(n, par):
        body = getattr(n, field)
        body[i], body[i + 1] = body[i + 1], body[i]

    def edits(lines):
        whole = [(*lines_span(lines, x), lines_text(lines, y)) for x, y in ((a, b), (b, a))]
        return [whole, [(*span(a), text(lines, b)), (*span(b), text(lines, a))]]

    return Site("swap-stmts", f"{a.lineno}-{b.lineno}", f"swap lines {a.lineno} and {b.lineno}",
                a.lineno, a.col_offset, index, apply, edits)


def _swap_args(node, index, par) -> list[Site]:
    out = []
    if isinstance(node, ast.Call):
        args = node.args
        for i in range(len(args) - 1):
            a, b = args[i], args[i + 1]
            if isinstance(a, ast.Starred) or isinstance(b, ast.Starred) or ast.dump(a) == ast.dump(b):
                continue

            def get(n, i=i):
                return n.args[i], n.args[i + 1]

            def put(n, x, y, i=i):
                n.args[i], n.args[i + 1] = x, y
            out.append(swap_two("swap-args", f"a{i}", f"swap the arguments `{ast.unparse(a)}` and "
                                 f"`{ast.unparse(b)}`", node, index, get, put, a, b))
    if isinstance(node, ast.BinOp) and isinstance(node.op, SWAPPABLE_OPERANDS) \
            and ast.dump(node.left) != ast.dump(node.right):
        def put(n, x, y):
            n.left, n.right = x, y
        out.append(swap_two("swap-args", "operands", f"swap the operands of `{ast.unparse(node)[:60]}`",
                             node, index, lambda n: (n.left, n.right), put, node.left, node.right))
    return out


def _constants(node, index, par) -> list[Site]:
    if not isinstance(node, ast.Constant) or isinstance(node.value, str) or node.value is None:
        return []
    v = node.value
    if isinstance(v, bool):
        variants = [("not", ast.Constant(not v))]
    elif isinstance(v, int):
        variants = [("+1", _number(v + 1)), ("-1", _number(v - 1))]
    elif isinstance(v, float):
        variants = ([("1.0", ast.Constant(1.0))] if v == 0 else
                    [("neg", _number(-v)), ("x2", _number(v * 2)), ("half", _number(v / 2))])
    else:
        return []
    return [expr_site("constant", name, f"change {ast.unparse(node)} to {ast.unparse(new)}", node, index,
                       lambda n, new=new: copy.deepcopy(new)) for name, new in variants]


def _number(v):
    return ast.UnaryOp(ast.USub(), ast.Constant(-v)) if v < 0 else ast.Constant(v)


def _swap_ops(node, index, par) -> list[Site]:
    out = []
    if isinstance(node, ast.BinOp) and type(node.op) in BINOPS:
        out.append(_op_site(node, index, type(node.op), BINOPS[type(node.op)], node.left, node.right,
                            lambda n, new: setattr(n, "op", new())))
    elif isinstance(node, ast.AugAssign) and type(node.op) in BINOPS:
        new = BINOPS[type(node.op)]
        out.append(_op_site(node, index, type(node.op), new, node.target, node.value,
                            lambda n, new: setattr(n, "op", new()), aug=True))
    elif isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            if type(op) in CMPOPS:
                left = node.left if i == 0 else node.comparators[i - 1]

                def change(n, new, i=i):
                    n.ops[i] = new()
                out.append(_op_site(node, index, type(op), CMPOPS[type(op)], left, node.comparators[i], change))
    elif isinstance(node, ast.BoolOp) and len(node.values) == 2:
        new = ast.Or if isinstance(node.op, ast.And) else ast.And
        out.append(_op_site(node, index, type(node.op), new, node.values[0], node.values[1],
                            lambda n, new: setattr(n, "op", new())))
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.Not)):
        word = "-" if isinstance(node.op, ast.USub) else "not"
        out.append(expr_site("swap-op", "drop" + word.strip(), f"drop the `{word}` of `{ast.unparse(node)[:60]}`",
                              node, index, lambda n: n.operand))
    return out


def _op_site(node, index, old, new, left, right, change, aug: bool = False) -> Site:
    """Change the operator between left and right: in the text, only the symbol in the gap."""
    a, b = SYMBOLS[old] + ("=" if aug else ""), SYMBOLS[new] + ("=" if aug else "")

    def make(n):
        change(n, new)
        return n

    def apply(n, par):
        make(n)

    def edits(lines):
        gap_start, gap_end = (left.end_lineno, left.end_col_offset), (right.lineno, right.col_offset)
        out = []
        if gap_start[0] == gap_end[0]:
            gap = lines[gap_start[0] - 1].encode("utf-8")[gap_start[1]:gap_end[1]].decode("utf-8")
            if gap.count(a) == 1 or (a in gap and gap.strip(" ()") == a):
                out.append([(*gap_start, *gap_end, gap.replace(a, b, 1))])
        new_text = ast.unparse(make(copy.deepcopy(node)))
        out.append([(*span(node), new_text)])
        out.append([(*span(node), f"({new_text})")])
        return out

    return Site("swap-op", b.strip(), f"use `{b}` instead of `{a}`", node.lineno, node.col_offset,
                index, apply, edits)
