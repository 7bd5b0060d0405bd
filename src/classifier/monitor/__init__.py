"""Watching the served model: its records read back, compared with its reference, reported."""
