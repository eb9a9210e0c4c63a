"""The zygotes' seeding shortcut (graders.pool.seeding) changes nothing a scenario can see:
the same numbers after torch.manual_seed, the same errors for bad seeds."""
from __future__ import annotations

import json
import subprocess
import sys

from graders.pool.backends import PROJECT_ROOT

PROGRAM = """
import json, sys, torch
if sys.argv[1] == "shortcut":
    from graders.pool import seeding
    skipped = seeding.skip_absent_devices()
else:
    skipped = []
out = {"skipped": skipped}
torch.manual_seed(7)
out["rand"] = torch.rand(4).tolist()
torch.random.manual_seed(2**40 + 3)
out["randn"] = torch.randn(3).tolist()
g = torch.Generator().manual_seed(5)
out["gen"] = torch.rand(2, generator=g).tolist()
errors = []
for bad in ("x", None, 1.5j):
    for call in (torch.manual_seed, torch.cuda.manual_seed_all):
        try:
            call(bad)
            errors.append(None)
        except Exception as e:
            errors.append(type(e).__name__)
out["errors"] = errors
print(json.dumps(out))
"""


def _run(mode: str) -> dict:
    done = subprocess.run([sys.executable, "-c", PROGRAM, mode], capture_output=True, text=True,
                          cwd=str(PROJECT_ROOT), check=True)
    return json.loads(done.stdout)


def test_seeds_draw_the_same_numbers_with_the_shortcut():
    plain, shortcut = _run("plain"), _run("shortcut")
    import torch
    if not torch.cuda.is_available():
        assert "torch.cuda" in shortcut["skipped"]
    for key in ("rand", "randn", "gen", "errors"):
        assert shortcut[key] == plain[key], key
