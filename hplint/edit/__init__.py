"""Changing the user's files: `--fix`, `--add-noqa`. Everything written goes through `write_atomically`."""
