"""HP2xx: model construction (output activations, layers, recurrent cells, init, normalisation)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from hplint import catalogue
from hplint.checks import Rule
from hplint.diagnostics import Diagnostic, Severity
from hplint.facts import Location
from hplint.project import Project

# What each activating loss does itself, and what to do instead, for the message.
_APPLIES_ITSELF = {"softmax": "log-softmax", "sigmoid": "the sigmoid"}
_INSTEAD = {
    "softmax": "return the logits (or pair log_softmax with NLLLoss)",
    "sigmoid": "return the logits (or pair sigmoid with BCELoss)",
}


class OutputActivation(Rule):
    code = "HP201"
    name = "output-activation"
    severity = Severity.ERROR
    summary = "softmax/sigmoid on a model output that goes to a loss applying it again"

    def check(self, project: Project, options: Mapping[str, Any]) -> Iterator[Diagnostic]:
        reported: set[Location] = set()
        for pair in project.model_losses():
            applied = catalogue.LOSS_APPLIES.get(pair.loss.loss)
            outputs = pair.model.outputs
            # Every return path must apply it: `return logits if self.training else probs` is fine.
            if applied is None or not outputs or any(output.op != applied for output in outputs):
                continue
            loss_name = pair.loss.loss.rpartition(".")[2]
            for output in outputs:
                if output.location in reported:
                    continue
                reported.add(output.location)
                yield self.diagnostic(
                    f"{applied} on the output of {pair.model.name} before {loss_name} ({pair.loss.location}), "
                    f"which applies {_APPLIES_ITSELF[applied]} itself; {_INSTEAD[applied]}",
                    output.location,
                    pair.loss.location,
                )


class VanillaRnn(Rule):
    code = "HP206"
    name = "vanilla-rnn"
    severity = Severity.WARNING
    summary = "nn.RNN / nn.RNNCell where a gated cell (LSTM, GRU) learns better"

    def check(self, project: Project, options: Mapping[str, Any]) -> Iterator[Diagnostic]:
        for call in project.calls(catalogue.VANILLA_RNNS):
            cell = call.api.rpartition(".")[2]
            gated = "nn.LSTMCell or nn.GRUCell" if cell == "RNNCell" else "nn.LSTM or nn.GRU"
            yield self.diagnostic(
                f"nn.{cell}: a vanilla recurrent cell struggles with long-range dependencies; "
                f"use {gated} (same arguments)",
                call.location,
            )
