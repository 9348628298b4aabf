"""hplint: a linter for deep-learning training code and training configs."""

__version__ = "0.1.0"
