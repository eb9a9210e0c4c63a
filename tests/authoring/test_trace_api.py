"""The `Trace` API as docs/authoring.md states it: a key the reference never recorded is an
error that lists the keys it has; `get(key, step, default=...)` is the explicit optional form; a
student's trace answers None; `record` says which dtypes it accepts; default limits agree."""
from __future__ import annotations

import pytest
import torch

from graders.format.limits import Limits
from graders.trace import Recorder, TraceKeyError, load_trace, save_trace


def saved(tmp_path, strict):
    rec = Recorder()
    rec.record("loss", 0.5, step=0)
    rec.record("loss", 0.25, step=1)
    rec.record("param/fc.weight", torch.ones(2))
    save_trace(rec.trace, tmp_path / "t")
    return load_trace(tmp_path / "t", strict=strict)


def test_the_reference_refuses_an_unknown_key_and_names_the_ones_it_has(tmp_path):
    reference = saved(tmp_path, strict=True)
    for ask in (lambda: reference.get("los", 0), lambda: reference.series("los"),
                lambda: reference.floats("los"), lambda: reference.steps("los")):
        with pytest.raises(TraceKeyError) as e:
            ask()
        assert "no key 'los'" in str(e.value) and "Did you mean 'loss'?" in str(e.value)
        assert "loss, param/fc.weight" in str(e.value)
    assert reference.get("loss", 7) is None                 # a known key at an unrecorded step
    assert reference.get("los", 0, default=None) is None     # the explicit optional form
    assert float(reference.get("loss", 1)) == 0.25 and reference.floats("loss") == [0.5, 0.25]


def test_a_students_trace_answers_none_for_what_it_lacks(tmp_path):
    student = saved(tmp_path, strict=False)
    assert student.get("grad/fc.weight", 0) is None and student.series("nothing") == []


def test_record_names_the_dtypes_it_accepts():
    with pytest.raises(TypeError) as e:
        Recorder().record("z", torch.zeros(2, dtype=torch.complex64))
    for dtype in ("float64", "float32", "bfloat16", "int64", "uint8", "bool"):
        assert dtype in str(e.value)
    assert "trace.record('z')" in str(e.value)


def test_the_default_limits_do_not_contradict_each_other():
    assert Limits().contradictions() == []
    assert Limits().trace_bytes() == Limits().trace_mb << 20
    found = dict(Limits(cpu_seconds=30).contradictions())
    assert "cpu_seconds" in found and "wall_seconds" in found["cpu_seconds"]
