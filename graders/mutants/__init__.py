"""Mutation testing of an exercise's graders: mutants of its solution (generate), graded through
the warm pool (run), and the report of those caught and those that still get full marks (report).
"""
