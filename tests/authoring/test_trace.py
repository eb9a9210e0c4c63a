"""`tracegrade trace` for the author: it removes the folders of seeds that were removed, records
a 24 MB trace under the default limits, and explains a value it cannot store (with the
scenario's file and line, not the students' advice)."""
from __future__ import annotations

from tests.authoring.cli import copy_exercise, edit, tg


def test_trace_removes_removed_seeds_and_records_a_24_mb_trace_by_default(tmp_path):
    ex = copy_exercise(tmp_path / "ex")
    edit(ex / "exercise.toml", "hidden = [101, 202, 303]", "hidden = [101]")
    edit(ex / "scenario.py", "    trace.note(\"lr\", lr)\n",
         "    trace.note(\"lr\", lr)\n    trace.record(\"big\", torch.zeros(6 << 20))  # 24 MB\n")
    r = tg("trace", ex)
    assert r.returncode == 0, r.stderr
    assert "removed" in r.stdout and "seed-202" in r.stdout and "seed-303" in r.stdout
    assert sorted(p.name for p in (ex / "traces").iterdir()) == ["seed-101", "seed-3", "seed-42"]
    size = (ex / "traces" / "seed-42" / "trace.safetensors").stat().st_size
    assert size > 24 << 20


def test_a_value_of_an_unsupported_dtype_is_explained_to_the_author(tmp_path):
    ex = copy_exercise(tmp_path / "ex")
    edit(ex / "scenario.py", "    trace.note(\"lr\", lr)\n",
         "    trace.note(\"lr\", lr)\n    trace.record(\"spectrum\", torch.fft.fft(torch.ones(4)))\n")
    line = (ex / "scenario.py").read_text().splitlines().index(
        '    trace.record("spectrum", torch.fft.fft(torch.ones(4)))') + 1
    r = tg("trace", ex)
    assert r.returncode == 4
    assert "the solution did not run cleanly through scenario.py" in r.stderr
    assert f'scenario.py", line {line}, in run' in r.stderr
    assert "trace.record('spectrum'): a tensor of dtype complex64 cannot be stored" in r.stderr
    assert "float32" in r.stderr and ".real and .imag" in r.stderr
    assert "check that your functions return" not in r.stderr
    assert "Error in cpuinfo" not in r.stderr
