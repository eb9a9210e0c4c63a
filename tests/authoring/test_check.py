"""`tracegrade check` finds everything: several paths, every problem of every exercise before
it exits, each with its file (and line) and the fix."""
from __future__ import annotations

from tests.authoring.cli import add_grader, copy_exercise, edit, tg


def test_one_typo_does_not_hide_the_other_exercises_problems(tmp_path):
    folder = tmp_path / "course"
    typo = copy_exercise(folder / "typo")
    edit(typo / "exercise.toml", "points = 10", "pionts = 10")
    twice = copy_exercise(folder / "twice")
    edit(twice / "exercise.toml", "hidden = [101, 202, 303]", "hidden = [101, 202, 101]")
    many = copy_exercise(folder / "many")
    edit(many / "scenario.py", "def run(ctx):", "# changed after the traces\ndef run(ctx):")
    (many / "traces" / "seed-77").mkdir()                                    # a removed seed
    (many / "traces" / "seed-42" / "junk.bin").write_bytes(b"\0" * (9 << 20))   # a big trace
    with (many / "exercise.toml").open("a") as f:
        f.write("\n[limits]\nfile_size_mb = 16\n")
    other = tmp_path / "elsewhere"
    copy_exercise(other)
    edit(other / "exercise.toml", 'title = "', 'titel = "')

    r = tg("check", folder, other)
    out = r.stdout
    assert r.returncode == 3, out + r.stderr
    # the typo, with its file, line and what is expected
    assert f"{typo / 'exercise.toml'}, key 'pionts': unknown key" in out
    assert f"at {typo / 'exercise.toml'}:3: pionts = 10" in out
    assert "key 'titel'" in out and f"{other / 'exercise.toml'}:2" in out      # the second path
    # a seed listed twice, named
    assert "key 'seeds.hidden': lists seed 101 twice" in out
    # one exercise, every problem
    many_part = out[out.index("FAIL  one-training-step"):]
    assert "stale traces: scenario.py changed" in many_part and f"tracegrade trace {many}" in many_part
    assert "seed-77: seed 77 is not in [seeds]" in many_part
    assert "file_size_mb = 16 is too small for trace_mb = 32" in many_part
    assert f"{many / 'exercise.toml'}:" in many_part
    assert "warning:" in many_part and "above the 8 MB" in many_part
    assert "0 of 4 exercises ok" in out


CRASH = '''
@pytest.mark.points(1)
def test_training_state(student, reference):
    """Training state after the call"""
    assert student.info["training_after_call"]
'''


def test_a_crashing_grader_is_named_with_file_and_line_and_debug_shows_the_traceback(tmp_path):
    ex = copy_exercise(tmp_path / "ex")
    line = add_grader(ex, CRASH, 1)
    r = tg("check", ex, "--debug")
    assert r.returncode == 1, r.stdout + r.stderr
    assert ("a grader failed on the solution and the starter, in 'Training state after the "
            f"call': graders/test_added.py, line {line}: KeyError: 'training_after_call'") in r.stdout
    assert f'File "graders/test_added.py", line {line}, in test_training_state' in r.stdout
    assert "[debug] starter:" in r.stdout and "-> backward_missing" in r.stdout
    assert "the solution does not get full marks" not in r.stdout     # the crash says it all


def test_a_course_folder_is_checked_whole_even_when_one_exercise_is_invalid(tmp_path):
    course = tmp_path / "course"
    broken = copy_exercise(course / "one-training-step")
    edit(broken / "exercise.toml", "public = [42, 3]", "public = [42, 3, 3]")
    stale = copy_exercise(course / "zero-grad", "zero-grad")
    edit(stale / "solution.py", "def ", "# edited\ndef ")
    (course / "course.toml").write_text('slug = "c"\ntitle = "C"\n'
                                        'exercises = ["one-training-step", "zero-grad"]\n')
    r = tg("check", course)
    assert r.returncode == 3, r.stdout + r.stderr
    assert r.stdout.count("key 'seeds.public': lists seed 3 twice") == 1
    assert f"at {broken / 'exercise.toml'}:9: public = [42, 3, 3]" in r.stdout
    assert "FAIL  zero-grad" in r.stdout and "stale traces: solution.py changed" in r.stdout
    assert "0 of 2 exercises ok" in r.stdout


def test_points_that_do_not_add_up_name_the_line_of_points(tmp_path):
    ex = copy_exercise(tmp_path / "ex")
    add_grader(ex, '''
@pytest.mark.points(3)
def test_extra(student):
    """An extra check"""
''', 0)
    r = tg("check", ex)
    assert r.returncode == 1, r.stdout + r.stderr
    assert (f"the graders' points add up to 13, exercise.toml says 10: make `points` "
            f"({ex / 'exercise.toml'}:3)") in r.stdout


def test_syntax_errors_in_the_authors_files_are_named_with_file_and_line(tmp_path):
    ex = copy_exercise(tmp_path / "ex")
    with (ex / "scenario.py").open("a") as f:
        f.write("\ndef broken(:\n")
    n_scenario = len((ex / "scenario.py").read_text().splitlines())
    (ex / "graders" / "test_more.py").write_text("import pytest\n\nif True\n    pass\n")
    r = tg("check", ex)
    assert r.returncode == 1, r.stdout + r.stderr
    assert f"{ex / 'scenario.py'}:{n_scenario}: SyntaxError: invalid syntax: `def broken(:`" in r.stdout
    assert f"{ex / 'graders' / 'test_more.py'}:3: SyntaxError" in r.stdout
    assert "parts are missing or do not compile" in r.stdout
