"""`tracegrade corpus EXDIR [CORPUS_DIR]` runs any exercise's corpus with the rules of the
project's own corpus test and prints, per file, what it expected and the verdict and diagnoses
it got."""
from __future__ import annotations

from tests.authoring.cli import copy_exercise, tg


def test_corpus_prints_verdict_and_diagnoses_per_file_and_fails_on_a_wrong_one(tmp_path):
    ex = copy_exercise(tmp_path / "ex")
    corpus = ex / "corpus"
    corpus.mkdir()
    solution, starter = (ex / "solution.py").read_text(), (ex / "starter.py").read_text()
    (corpus / "good_solution.py").write_text("# expect: full\n" + solution)
    (corpus / "bad_no_backward.py").write_text("# expect: mistake backward_missing\n" + starter)
    (corpus / "bad_claims_full.py").write_text("# expect: full\n" + starter)
    (corpus / "bad_syntax.py").write_text("# expect: verdict syntax_error\ndef train_step(:\n")
    (corpus / "unlabelled.py").write_text(solution)

    r = tg("corpus", ex, "--seeds", "42")                 # CORPUS_DIR defaults to EXDIR/corpus
    out = r.stdout
    assert r.returncode == 1, out + r.stderr
    lines = {ln.split()[1]: ln for ln in out.splitlines() if ln[:4] in ("ok  ", "FAIL")}
    assert lines["good_solution.py"].startswith("ok") and "verdict graded, 10/10" in lines["good_solution.py"]
    assert lines["bad_no_backward.py"].startswith("ok")
    assert "expect mistake backward_missing; got verdict graded, 2/10, diagnoses backward_missing" \
        in lines["bad_no_backward.py"]
    assert lines["bad_claims_full.py"].startswith("FAIL") and "expected full marks, lost points" in out
    assert lines["bad_syntax.py"].startswith("ok") and "verdict syntax_error" in lines["bad_syntax.py"]
    assert lines["unlabelled.py"].startswith("FAIL")
    assert "unlabelled.py, line 1: the first line must be '# expect: full'" in out
    assert "3 of 5 corpus files as expected" in out


def test_corpus_names_the_folder_when_there_is_nothing_to_run(tmp_path):
    ex = copy_exercise(tmp_path / "ex")
    r = tg("corpus", ex, tmp_path / "nowhere")
    assert r.returncode == 2 and "no corpus files" in r.stderr and "nowhere" in r.stderr
