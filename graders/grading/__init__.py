"""The grading room: the Grader and what each phase does in its process. Scores come only from
phase 2 (pytest on the traces, trusted); phase 1 runs the student's code in the sandbox.

  grader    Grader: validate a submission, run both phases through a Backend, fold the results
  child     the entry point of a grading process (`python -m graders.grading.child`)
  phase1    in the student process: import the submission, run the scenario per seed, traces
  phase2    in the grader process: pytest on the exercise's graders (trusted)
  plugin    the pytest plugin: fixtures (student, reference, source, ...), points, outcomes
  results   GradeResult, TestOutcome, Verdict, and the Gradescope results.json
"""
