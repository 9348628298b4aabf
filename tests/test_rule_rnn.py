"""HP206 vanilla-rnn."""

from __future__ import annotations


def test_nn_rnn_and_rnncell_fire(project):
    linted = project({"model.py": """
        import torch.nn as nn
        from torch.nn import RNNCell


        class CharModel(nn.Module):
            def __init__(self, vocab, hidden):
                super().__init__()
                self.embed = nn.Embedding(vocab, 64)
                self.rnn = nn.RNN(64, hidden, num_layers=2, batch_first=True)
                self.cell = RNNCell(hidden, hidden)
    """})
    findings = linted.findings("HP206")
    assert [(f["line"], f["severity"]) for f in findings] == [(9, "warning"), (10, "warning")]
    assert "use nn.LSTM or nn.GRU" in findings[0]["message"]
    assert "use nn.LSTMCell or nn.GRUCell" in findings[1]["message"]


def test_gated_cells_and_unrelated_rnn_names_stay_silent(project):
    linted = project({"model.py": """
        import torch.nn as nn
        from mylib import RNN


        class Tagger(nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = nn.LSTM(64, 128)
                self.gru = nn.GRU(64, 128)
                self.custom = RNN(64)  # the project's own class, not torch's
    """})
    assert linted.findings("HP206") == []
