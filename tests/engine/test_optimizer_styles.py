"""Every standard way to drive an optimizer is traced as what it is: the same losses, gradients
and parameters as the plain loop, no diagnosis; real mistakes keep theirs."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from graders import checks, trace

STEPS = 4


def plain(model, opt, loss_fn, x, y):
    loss = loss_fn(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()


def closure(model, opt, loss_fn, x, y):
    def again():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        return loss
    opt.step(again)


def keep_zeros(model, opt, loss_fn, x, y):
    opt.zero_grad(set_to_none=False)
    loss_fn(model(x), y).backward()
    opt.step()


def model_zero_grad(model, opt, loss_fn, x, y):
    model.zero_grad()
    loss_fn(model(x), y).backward()
    opt.step()


def grad_none(model, opt, loss_fn, x, y):
    for p in model.parameters():
        p.grad = None
    loss_fn(model(x), y).backward()
    opt.step()


def clear_after_step(model, opt, loss_fn, x, y):
    loss_fn(model(x), y).backward()
    opt.step()
    opt.zero_grad()


def extra_loss_calls(model, opt, loss_fn, x, y):
    with torch.no_grad():
        before = loss_fn(model(x), y)            # a probe before the step
    loss = loss_fn(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(float(before), float(loss_fn(model(x), y).detach()))     # and one after it


def state_round_trip(model, opt, loss_fn, x, y):
    opt.load_state_dict(opt.state_dict())
    for group in opt.param_groups:
        group["lr"] = group["lr"]
    assert all(isinstance(s, dict) for s in opt.state.values())
    assert opt.defaults["lr"] == 0.1
    plain(model, opt, loss_fn, x, y)


def run(style, groups: bool = False, seed: int = 0):
    torch.manual_seed(seed)
    rec = trace.Recorder()
    with trace.use(rec):
        model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
        params = model.parameters()
        if groups:
            params = [{"params": [p for n, p in model.named_parameters() if n.endswith("weight")]},
                      {"params": [p for n, p in model.named_parameters() if n.endswith("bias")]}]
        sgd = torch.optim.SGD(params, lr=0.1, momentum=0.9)
        opt = trace.TracingOptimizer(sgd, model=model)
        loss_fn = trace.TracingLoss(nn.MSELoss())
        x, y = torch.randn(8, 3), torch.randn(8, 1)
        for _ in range(STEPS):
            style(model, opt, loss_fn, x, y)
    return rec.trace


@pytest.fixture(scope="module")
def reference():
    return run(plain)


@pytest.mark.parametrize("style", [closure, keep_zeros, model_zero_grad, grad_none,
                                   clear_after_step, extra_loss_calls, state_round_trip])
def test_correct_styles_trace_like_the_plain_loop(style, reference):
    t = run(style)
    assert checks.diagnose_training(t) is None
    for keys in (["loss"], reference.prefixed("grad/"), reference.prefixed("fresh_grad/"),
                 reference.prefixed("param/")):
        checks.assert_close(t, reference, keys, what=str(keys))
    assert t.steps("loss")[:STEPS] == list(range(STEPS))      # (a probe after the last step is step 4)


def test_param_groups_are_all_traced(reference):
    t = run(plain, groups=True)
    assert sorted(t.prefixed("param/")) == sorted(reference.prefixed("param/"))
    checks.assert_close(t, reference, reference.prefixed("param/"))


def test_closure_step_records_gradients_after_the_closure():
    t = run(closure)
    assert t.info["events"][:4] == ["zero_grad", "loss", "backward", "step"]
    assert float(t.get("grad/0.weight", 0).abs().max()) > 0


def test_add_param_group_traces_the_new_parameters():
    rec = trace.Recorder()
    with trace.use(rec):
        a, b = nn.Linear(2, 1), nn.Linear(2, 1)
        opt = trace.TracingOptimizer(torch.optim.SGD(a.parameters(), lr=0.1))
        opt.add_param_group({"params": b.parameters()})
        (a(torch.ones(1, 2)) + b(torch.ones(1, 2))).sum().backward()
        opt.step()
    assert len(rec.trace.prefixed("grad/")) == 4
    assert all(float(g.abs().max()) > 0 for g in map(rec.trace.last, rec.trace.prefixed("grad/")))


def twice(model, opt, loss_fn, x, y):
    plain(model, opt, loss_fn, x, y)
    opt.step()


def closure_without_clearing(model, opt, loss_fn, x, y):
    def again():
        loss = loss_fn(model(x), y)
        loss.backward()
        return loss
    opt.step(again)


def step_first(model, opt, loss_fn, x, y):
    loss = loss_fn(model(x), y)
    opt.zero_grad()
    opt.step()
    loss.backward()


@pytest.mark.parametrize("style, code", [
    (twice, "step_repeated"),
    (closure_without_clearing, "grads_accumulate"),
    (step_first, "step_before_backward"),
])
def test_mistakes_keep_their_diagnosis(style, code):
    assert checks.diagnose_training(run(style)) == code


def test_a_repeated_step_is_not_called_stale():
    from graders.checks.stale_grads import first_stale_grad, repeated_step
    t = run(twice)
    assert repeated_step(t) == 1 and first_stale_grad(t) is None
    assert "twice" in checks.explain("step_repeated")


def with_scheduler(model, opt, loss_fn, x, y):
    if not hasattr(opt, "_test_scheduler"):
        opt._test_scheduler = torch.optim.lr_scheduler.StepLR(opt, step_size=100)
    plain(model, opt, loss_fn, x, y)
    opt._test_scheduler.step()


def test_a_learning_rate_scheduler_accepts_the_traced_optimizer(reference):
    t = run(with_scheduler)
    assert checks.diagnose_training(t) is None
    checks.assert_close(t, reference, reference.prefixed("param/"))
