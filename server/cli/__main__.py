"""`python -m server.cli ...` runs the `tracegrade` command (how `serve` starts its worker)."""
from graders.cli.main import main

main()
