"""`python -m kwiki` runs the CLI."""

from kwiki.cli import main

main()
