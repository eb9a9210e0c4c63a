"""CPU time of graders.checks.compare.first_divergence, this checkout against another commit's,
on the bundled reference traces compared with themselves (a correct student) and with a copy
whose last step of one key is off (each key alone, then all keys at once; memos cleared).

    .venv/bin/python bench/compare_checks.py --baseline 3fc3607    # step by step, before fb02d2b
"""
import argparse
import glob
import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import torch  # noqa: E402

from graders.checks import compare as new  # noqa: E402
from graders.trace import load_trace  # noqa: E402

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("--baseline", default="3fc3607", help="the commit whose compare.py to measure against")
args = ap.parse_args()
src = subprocess.run(["git", "show", f"{args.baseline}:graders/checks/compare.py"], cwd=ROOT,
                     check=True, capture_output=True, text=True).stdout
path = Path(tempfile.mkdtemp()) / "compare_baseline.py"
path.write_text(src)
spec = importlib.util.spec_from_file_location("compare_baseline", path)
old = importlib.util.module_from_spec(spec)
sys.modules["compare_baseline"] = old
spec.loader.exec_module(old)
torch.set_num_threads(1)
cases = []
for d in sorted(glob.glob(str(ROOT / "exercises" / "*" / "traces" / "seed-*"))):
    ref = load_trace(Path(d))
    keys = [k for k in ref.keys() if len(ref.steps(k)) > 1]
    if not keys:
        continue
    stu, bad = load_trace(Path(d)), load_trace(Path(d))
    k, last = keys[0], ref.steps(keys[0])[-1]
    bad.tensors[k][last] = bad.tensors[k][last] + 1.0
    cases.append((d.split("/")[-3], ref, stu, bad, keys))


def run(mod, rounds):
    t = time.process_time()
    for _ in range(rounds):
        for _, ref, stu, bad, keys in cases:
            for s in (stu, bad):
                s.memo.clear()
                ref.memo.clear()
                for k in keys:
                    mod.first_divergence(s, ref, [k])
                mod.first_divergence(s, ref, keys)
    return (time.process_time() - t) / rounds


def answers(mod) -> list:
    out = []
    for _, ref, stu, bad, keys in cases:
        for s in (stu, bad):
            s.memo.clear()
            ref.memo.clear()
            for ks in [[k] for k in keys] + [keys]:
                d = mod.first_divergence(s, ref, ks)
                out.append(None if d is None else (d.key, d.step, d.reason))
    return out


same = answers(old) == answers(new)
for name, mod in (("old", old), ("new", new)):
    run(mod, 2)
res = {"old": [], "new": []}     # alternating, five times
for _ in range(5):
    for name, mod in (("old", old), ("new", new)):
        res[name].append(run(mod, 5))
n = len(cases)
print(f"{n} traces with a key of several steps ({len(set(c[0] for c in cases))} exercises)")
for name in res:
    v = sorted(res[name])
    print(f"{'baseline ' + args.baseline if name == 'old' else 'this checkout'}: median "
          f"{v[2] * 1000:.1f} ms CPU per pass over all traces ({v[2] / n * 1000:.2f} ms a trace)")
print(f"same answers (key, step, reason) in every comparison: {same}")
print(f"ratio this/baseline: {sorted(res['new'])[2]/sorted(res['old'])[2]:.2f}")
