"""HP201: softmax/sigmoid on a model output that goes into a loss that applies it again."""

from __future__ import annotations

import pytest

CLASSIFIER = """
import torch
from torch import nn
import torch.nn.functional as F


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 256)
        self.fc2 = nn.Linear(256, 10)
        {extra_init}

    def forward(self, x):
        x = F.relu(self.fc1(x))
        {forward}


model = Classifier()
criterion = {loss}
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
for images, labels in loader:
    optimizer.zero_grad()
    output = model(images)
    loss = criterion(output, labels)
    loss.backward()
    optimizer.step()
"""


def classifier(forward: str, loss: str = "nn.CrossEntropyLoss()", extra_init: str = "") -> str:
    return CLASSIFIER.format(forward=forward, loss=loss, extra_init=extra_init)


@pytest.mark.parametrize("forward", [
    "return F.softmax(self.fc2(x), dim=1)",
    "return torch.softmax(self.fc2(x), 1)",
    "return self.fc2(x).softmax(dim=-1)",
    "x = self.fc2(x)\n        return nn.functional.softmax(x, dim=1)",
    "logits = self.fc2(x)\n        probs = F.softmax(logits, dim=1)\n        return probs",
])
def test_softmax_before_cross_entropy_fires_at_the_softmax(project, forward):
    linted = project({"train.py": classifier(forward)})
    [finding] = linted.findings("HP201")
    assert finding["severity"] == "error"
    assert finding["message"].startswith("softmax on the output of Classifier before CrossEntropyLoss (train.py:")
    assert "which applies log-softmax itself" in finding["message"]
    assert finding["source"]["path"] == "train.py"
    assert finding["line"] == 14 + forward.count("\n") + 1


def test_softmax_layer_kept_on_self_fires(project):
    linted = project({"train.py": classifier(
        "return self.softmax(self.fc2(x))", extra_init="self.softmax = nn.Softmax(dim=1)"
    )})
    [finding] = linted.findings("HP201")
    assert (finding["line"], finding["column"]) == (15, 16)


def test_sigmoid_before_bce_with_logits_fires(project):
    linted = project({"train.py": classifier("return torch.sigmoid(self.fc2(x))", loss="nn.BCEWithLogitsLoss()")})
    [finding] = linted.findings("HP201")
    assert "sigmoid on the output of Classifier before BCEWithLogitsLoss" in finding["message"]


@pytest.mark.parametrize("forward, loss", [
    ("return F.log_softmax(self.fc2(x), dim=1)", "nn.NLLLoss()"),
    ("return F.log_softmax(self.fc2(x), dim=1)", "nn.CrossEntropyLoss()"),
    ("return torch.sigmoid(self.fc2(x))", "nn.BCELoss()"),
    ("return self.fc2(x)", "nn.CrossEntropyLoss()"),
    ("return F.softmax(self.fc2(x), dim=1)", "nn.MSELoss()"),
])
def test_correct_pairs_stay_silent(project, forward, loss):
    assert project({"train.py": classifier(forward, loss=loss)}).findings("HP201") == []


def test_softmax_only_at_inference_stays_silent(project):
    forward = (
        "logits = self.fc2(x)\n"
        "        if self.training:\n"
        "            return logits\n"
        "        return F.softmax(logits, dim=1)"
    )
    assert project({"train.py": classifier(forward)}).findings("HP201") == []


def test_attention_softmax_is_not_an_output_activation(project):
    linted = project({"train.py": """
        import torch
        from torch import nn


        class AttentionClassifier(nn.Module):
            def __init__(self, dim, classes):
                super().__init__()
                self.score = nn.Linear(dim, 1)
                self.head = nn.Linear(dim, classes)

            def forward(self, x):
                weights = torch.softmax(self.score(x), dim=1)
                return self.head((weights * x).sum(dim=1))


        model = AttentionClassifier(64, 5)
        criterion = nn.CrossEntropyLoss()
        loss = criterion(model(batch), target)
        loss.backward()
    """})
    assert linted.findings("HP201") == []


def test_sequential_ending_in_softmax_fires_at_the_softmax_layer(project):
    linted = project({"train.py": """
        import torch
        import torch.nn as nn

        model = nn.Sequential(
            nn.Linear(20, 64),
            nn.ReLU(),
            nn.Linear(64, 3),
            nn.Softmax(dim=1),
        )
        loss_fn = nn.CrossEntropyLoss()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        for x, y in data:
            opt.zero_grad()
            loss_fn(model(x), y).backward()
            opt.step()
    """})
    [finding] = linted.findings("HP201")
    assert (finding["line"], finding["column"]) == (8, 5)


def test_functional_loss_in_lightning_training_step(project):
    linted = project({"lit.py": """
        import lightning as L
        import torch
        from torch import nn
        from torch.nn import functional as F


        class LitClassifier(L.LightningModule):
            def __init__(self):
                super().__init__()
                self.layer = nn.Linear(28 * 28, 10)

            def forward(self, x):
                return F.softmax(self.layer(x.view(x.size(0), -1)), dim=1)

            def training_step(self, batch, batch_idx):
                x, y = batch
                logits = self(x)
                return F.cross_entropy(logits, y)
    """})
    [finding] = linted.findings("HP201")
    assert finding["path"] == "lit.py" and finding["line"] == 13


def test_model_defined_in_another_file(project):
    linted = project({
        "model.py": """
            from torch import nn
            import torch.nn.functional as F


            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.out = nn.Linear(128, 10)

                def forward(self, x):
                    return F.softmax(self.out(x), dim=1)
        """,
        "train.py": """
            import torch
            from torch import nn
            from model import Net

            net = Net().to("cuda")
            criterion = nn.CrossEntropyLoss()
            for x, y in loader:
                loss = criterion(net(x), y)
                loss.backward()
        """,
    })
    [finding] = linted.findings("HP201")
    assert finding["path"] == "model.py" and finding["source"] == {"path": "train.py", "line": 8}


def test_model_output_that_never_meets_the_loss_stays_silent(project):
    linted = project({"predict.py": """
        import torch
        from torch import nn
        import torch.nn.functional as F


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(16, 4)

            def forward(self, x):
                return F.softmax(self.fc(x), dim=-1)


        model = Net()
        model.eval()
        with torch.no_grad():
            probabilities = model(batch)
    """})
    assert linted.findings("HP201") == []
