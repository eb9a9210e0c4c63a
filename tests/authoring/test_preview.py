"""`tracegrade preview EXDIR` lists what students get (and what stays private) and renders the
prompt to an HTML file outside the exercise folder."""
from __future__ import annotations

from tests.authoring.cli import copy_exercise, tg


def test_preview_lists_the_students_files_and_renders_the_prompt(tmp_path):
    ex = copy_exercise(tmp_path / "ex")
    (ex / "graders" / "hidden").mkdir()
    (ex / "graders" / "hidden" / "test_secret.py").write_text("def test_x():\n    pass\n")
    r = tg("preview", ex, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    students, private = r.stdout.split("private (")
    for public in ("README.md", "starter.py", "scenario.py", "graders/test_training_step.py",
                   "traces/seed-42/trace.json"):
        assert f"  {public}  (" in students
    for secret in ("solution.py", "graders/hidden/test_secret.py", "traces/seed-101/trace.json"):
        assert secret not in students and f"  {secret}" in private
    page = (tmp_path / "one-training-step-preview.html").read_text()
    assert "<h1>" in page and "<code>step.py</code>" in page
    assert "<code>traces/seed-101/trace.json</code>" not in page
    assert not any(p.name.endswith(".html") for p in ex.rglob("*"))     # nothing added to the folder
