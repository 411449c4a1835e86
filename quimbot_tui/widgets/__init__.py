"""Reusable widgets of quimbot-tui."""
