"""The exercise format and the course: exercise.toml and course.toml read and validated, the
limits and tolerances they set, and what a scenario's run(ctx) receives. Imports no other room."""
