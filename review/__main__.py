"""``python -m review STACK [--format text|json] [--output FILE]``; see review/cli.py."""

from review.cli import main

main()
