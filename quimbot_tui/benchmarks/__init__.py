"""Benchmarks run by ``quimbot-tui bench``; each prints its figures and ratios."""
