"""graders.pool.lazydynamo: optimizers in a warm process train exactly as in plain torch without
importing torch.compile's machinery, and torch.compile still works once it is imported."""
from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT

TRAIN_EVERY_OPTIMIZER = r"""
import json, sys
import torch
from torch import nn
sys.path.insert(0, sys.argv[1])
if sys.argv[2] == "primed":
    from graders.pool import lazydynamo
    assert lazydynamo.skip_until_imported() > 0
out = {}
for name in sorted(dir(torch.optim)):
    cls = getattr(torch.optim, name)
    if not (isinstance(cls, type) and issubclass(cls, torch.optim.Optimizer)) or name in ("Optimizer", "SparseAdam", "Muon"):
        continue
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    opt = cls(model.parameters()) if name == "LBFGS" else cls(model.parameters(), lr=0.05)
    x, y = torch.randn(16, 3), torch.randn(16, 1)
    def closure():
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        return loss
    for _ in range(3):
        opt.step(closure)
    opt.load_state_dict(opt.state_dict())
    out[name] = [p.detach().flatten().tolist() for p in model.parameters()]
print(json.dumps({"params": out, "dynamo_imported": "torch._dynamo" in sys.modules}))
"""

COMPILE_AFTERWARDS = r"""
import json, sys
import torch
from torch import nn
sys.path.insert(0, sys.argv[1])
if sys.argv[2] == "primed":
    from graders.pool import lazydynamo
    lazydynamo.skip_until_imported()
torch.manual_seed(0)
model = nn.Linear(2, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.ones(4, 2)

@torch.compile(backend="eager")
def train_step():
    opt.zero_grad()
    model(x).sum().backward()
    opt.step()

for _ in range(3):
    train_step()
fn = torch.optim.Optimizer.zero_grad.__wrapped__
print("shortcut" if getattr(fn, "__dynamo_disable") is fn else "torch's", json.dumps(model.weight.flatten().tolist()))
"""


def run(code: str, *args: str) -> str:
    r = subprocess.run([sys.executable, "-c", code, str(ROOT), *args], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    return r.stdout.strip().splitlines()[-1]


def test_optimizers_train_exactly_as_in_plain_torch_without_importing_dynamo():
    plain = json.loads(run(TRAIN_EVERY_OPTIMIZER, "plain"))
    primed = json.loads(run(TRAIN_EVERY_OPTIMIZER, "primed"))
    assert plain["dynamo_imported"]            # what the priming saves: torch imports it here
    assert not primed["dynamo_imported"]
    assert {"SGD", "Adam", "AdamW", "RMSprop", "LBFGS"} <= set(primed["params"])
    assert primed["params"] == plain["params"]


def test_torch_compile_works_as_in_plain_torch_once_dynamo_is_imported():
    plain_kind, plain_weights = run(COMPILE_AFTERWARDS, "plain").split(" ", 1)
    kind, weights = run(COMPILE_AFTERWARDS, "primed").split(" ", 1)
    assert kind == plain_kind == "torch's"          # torch's own wrapper, as without priming
    assert json.loads(weights) == json.loads(plain_weights)
