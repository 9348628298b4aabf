"""POS tagger package: `python -m tagger.train`."""

from .model import BiLSTMTagger

__all__ = ["BiLSTMTagger"]
