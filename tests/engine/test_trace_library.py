"""The trace library: instruments record what student code did; traces round-trip as data."""
from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from graders import trace
from graders.checks import diagnose_training
from graders.trace.store import TraceFormatError


def train(steps, clear=True, backward=True, step=True, seed=0):
    torch.manual_seed(seed)
    rec = trace.Recorder()
    with trace.use(rec):
        model = nn.Linear(3, 1)
        opt = trace.TracingOptimizer(torch.optim.SGD(model.parameters(), lr=0.1), model=model)
        loss_fn = trace.TracingLoss(nn.MSELoss())
        x, y = torch.randn(8, 3), torch.randn(8, 1)
        for _ in range(steps):
            loss = loss_fn(model(x), y)
            if clear:
                opt.zero_grad()
            if backward:
                loss.backward()
            if step:
                opt.step()
    return rec.trace


def test_optimizer_records_grads_params_and_events():
    t = train(3)
    assert t.steps("grad/weight") == [0, 1, 2]
    assert t.steps("param/weight") == [-1, 0, 1, 2]
    assert t.info["step_calls"] == 3 and t.info["zero_grad_calls"] == 3
    assert t.info["events"][:4] == ["loss", "zero_grad", "backward", "step"]
    assert len(t.floats("loss")) == 3
    assert torch.equal(t.get("grad/weight", 1), t.get("fresh_grad/weight", 1))
    assert diagnose_training(t) is None


def test_accumulating_gradients_are_diagnosed():
    t = train(3, clear=False)
    stale = t.get("grad/weight", 1) - t.get("fresh_grad/weight", 1)
    assert torch.allclose(stale, t.get("grad/weight", 0))
    assert diagnose_training(t) == "grads_accumulate"


@pytest.mark.parametrize("kw, code", [
    ({"backward": False}, "backward_missing"),
    ({"step": False}, "optimizer_never_stepped"),
])
def test_missing_calls_are_diagnosed(kw, code):
    assert diagnose_training(train(2, **kw)) == code


def test_round_trip_through_safetensors_and_json(tmp_path):
    t = train(2)
    t.info["note"] = {"a": [1, 2]}
    trace.save_trace(t, tmp_path)
    back = trace.load_trace(tmp_path)
    assert back.keys() == t.keys()
    assert torch.equal(back.get("param/bias", 1), t.get("param/bias", 1))
    assert back.info["note"] == {"a": [1, 2]}


def test_loading_rejects_oversized_and_malformed_traces(tmp_path):
    trace.save_trace(train(1), tmp_path)
    with pytest.raises(TraceFormatError, match="cap"):
        trace.load_trace(tmp_path, max_bytes=10)
    (tmp_path / "trace.safetensors").write_bytes(b"\x80\x04not safetensors")
    with pytest.raises(TraceFormatError, match="malformed"):
        trace.load_trace(tmp_path)
    (tmp_path / "trace.json").write_text(json.dumps([1, 2]))
    with pytest.raises(TraceFormatError):
        trace.load_trace(tmp_path)


def test_recorder_enforces_its_caps():
    rec = trace.Recorder(max_bytes=1000)
    rec.record("small", torch.zeros(10))
    with pytest.raises(trace.TraceLimitError):
        rec.record("big", torch.zeros(1000))
    rec = trace.Recorder(max_entries=3)
    with pytest.raises(trace.TraceLimitError):
        for k in range(5):
            rec.record("x", 1.0, step=k)


def test_module_hook_records_outputs():
    rec = trace.Recorder()
    net = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    with trace.use(rec):
        trace.hook_module(net[1], "relu")
        net(torch.randn(1, 2))
        net(torch.randn(1, 2))
    assert rec.trace.steps("out/relu") == [0, 1]
    assert (rec.trace.get("out/relu", 0) >= 0).all()


def test_module_hook_numbers_outputs_by_optimizer_step():
    """A student who runs an extra forward pass per step (a printout, a probe) keeps the
    reference's numbering: step k is the first output after k optimizer steps."""
    torch.manual_seed(0)
    rec = trace.Recorder()
    net = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    with trace.use(rec):
        trace.hook_module(net[0], "lin")
        opt = trace.TracingOptimizer(torch.optim.SGD(net.parameters(), lr=0.1), net)
        x = torch.randn(4, 2)
        firsts = []
        for _ in range(3):
            out = net(x)
            firsts.append(net[0](x).detach().clone())
            net(torch.randn(4, 2))                     # an extra forward pass on other data
            opt.zero_grad()
            out.sum().backward()
            opt.step()
    assert rec.trace.steps("out/lin") == [0, 1, 2]
    for k, expected in enumerate(firsts):
        torch.testing.assert_close(rec.trace.get("out/lin", k), expected)
