"""Issue 13's patterns: the false alarms seen on real code (must stay silent) and the real bugs missed (must fire).

Each test writes code in the shape real repositories write it: a LightningModule around a backbone, the
PyTorch examples' `train(args, model, device, ...)`, a criterion chosen on branches, an evaluation loop in a
nested function, a VAE, an autoencoder, attention with a sigmoid, a linear regression with the wrong optimizer.
"""

from __future__ import annotations

import pytest

# ---------------------------------------------------------------- HP201/HP202 through wrappers and parameters

BACKBONE = """
import torch
from torch import nn


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(28 * 28, 128)
        self.l2 = nn.Linear(128, 10)

    def forward(self, x):
        x = torch.relu(self.l1(x.view(x.size(0), -1)))
        return torch.{last}(self.l2(x){dim})
"""

LIT_WRAPPER = """
import lightning as L
import torch
import torch.nn.functional as F

from backbone import Backbone


class LitClassifier(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.backbone = Backbone()

    def forward(self, x):
        return self.backbone(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return F.cross_entropy(self(x), y)

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", F.cross_entropy(self(x), y))

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=1e-3)


if __name__ == "__main__":
    L.Trainer(max_epochs=5).fit(LitClassifier())
"""


def test_hp202_follows_the_output_through_a_wrapped_backbone(project):
    linted = project({"backbone.py": BACKBONE.format(last="relu", dim=""), "lit.py": LIT_WRAPPER})
    [finding] = linted.findings("HP202")
    assert (finding["path"], finding["line"]) == ("backbone.py", 13)
    assert finding["message"].startswith(
        "relu is the last operation of LitClassifier (through Backbone), whose output goes into cross_entropy (lit.py:18)"
    )


def test_hp201_follows_the_output_through_a_wrapped_backbone(project):
    linted = project({"backbone.py": BACKBONE.format(last="softmax", dim=", dim=1"), "lit.py": LIT_WRAPPER})
    [finding] = linted.findings("HP201")
    assert (finding["path"], finding["line"]) == ("backbone.py", 13)


def test_a_wrapped_backbone_returning_logits_is_silent(project):
    linted = project({"backbone.py": BACKBONE.format(last="flatten", dim=", 1"), "lit.py": LIT_WRAPPER})
    assert linted.findings("HP201") == [] and linted.findings("HP202") == []


SEQUENTIAL_HEAD = """
import torch
from torch import nn
from torch.utils.data import DataLoader, random_split


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 4), nn.Softmax(dim=1))

    def forward(self, x):
        return self.net(x)


if __name__ == "__main__":
    train_set, val_set = random_split(dataset, [0.9, 0.1])
    model = Classifier()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    for x, y in DataLoader(train_set, batch_size=32):
        optimizer.zero_grad()
        nn.CrossEntropyLoss()(model(x), y).backward()
        optimizer.step()
"""


def test_hp201_through_a_sequential_attribute(project):
    [finding] = project({"train.py": SEQUENTIAL_HEAD}).findings("HP201")
    assert finding["line"] == 12


EXAMPLES_MNIST = """
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader
from torchvision import datasets, transforms


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.fc1 = nn.Linear(5408, 10)

    def forward(self, x):
        x = torch.flatten(F.relu(self.conv1(x)), 1)
        return F.softmax(self.fc1(x), dim=1)


def train(args, model, device, train_loader, optimizer, epoch):
    model.train()
    for batch_idx, (data, target) in enumerate(train_loader):
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = F.cross_entropy(output, target)
        loss.backward()
        optimizer.step()


def test(model, device, test_loader):
    model.eval()
    with torch.no_grad():
        for data, target in test_loader:
            output = model(data.to(device))
            print(F.cross_entropy(output, target.to(device)).item())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=14)
    args = parser.parse_args()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    train_loader = DataLoader(datasets.MNIST("data", train=True, transform=transform), batch_size=32)
    test_loader = DataLoader(datasets.MNIST("data", train=False, transform=transform), batch_size=1000)
    model = Net().to(device)
    optimizer = torch.optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)
    for epoch in range(1, args.epochs + 1):
        train(args, model, device, train_loader, optimizer, epoch)
        test(model, device, test_loader)
        scheduler.step()


if __name__ == "__main__":
    main()
"""


def test_hp201_follows_the_model_into_the_training_function_it_is_passed_to(project):
    [finding] = project({"main.py": EXAMPLES_MNIST}).findings("HP201")
    assert finding["line"] == 18
    assert "before cross_entropy (main.py:27)" in finding["message"]


def test_hp201_follows_a_model_built_in_the_call(project):
    source = """
        import torch
        from torch import nn


        class Scorer(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(16, 2)

            def forward(self, x):
                return torch.sigmoid(self.fc(x))


        def fit(model, loader, epochs=3):
            optimizer = torch.optim.Adam(model.parameters())
            loss_fn = nn.BCEWithLogitsLoss()
            for _ in range(epochs):
                for x, y in loader:
                    optimizer.zero_grad()
                    loss_fn(model(x), y).backward()
                    optimizer.step()


        if __name__ == "__main__":
            fit(Scorer(), make_loader())
    """
    [finding] = project({"fit.py": source}).findings("HP201")
    assert finding["line"] == 11


def test_a_training_function_given_different_models_is_not_guessed(project):
    source = EXAMPLES_MNIST.replace(
        "        test(model, device, test_loader)",
        "        test(model, device, test_loader)\n        train(args, OtherNet(), device, train_loader, optimizer, epoch)"
        "\n        test(OtherNet(), device, test_loader)",
    ).replace("class Net(nn.Module):", "class OtherNet(nn.Module):\n    def forward(self, x):\n        return x\n\n\nclass Net(nn.Module):")
    assert project({"main.py": source}).findings("HP201") == []


REGRESSION = """
import argparse

import torch
from torch import nn
from torch.utils.data import DataLoader, random_split


class HousePrices(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(13, 64), nn.ReLU(), nn.Linear(64, 1), nn.PReLU())

    def forward(self, x):
        return self.net(x)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--loss", default="MSE", choices=["MSE", "L1", "Huber"])
    args = parser.parse_args()
    train_set, val_set = random_split(dataset, [0.8, 0.2])
    model = HousePrices()
    if args.loss == "MSE":
        criterion = nn.MSELoss()
    elif args.loss == "L1":
        criterion = nn.L1Loss()
    else:
        criterion = nn.HuberLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for x, y in DataLoader(train_set, batch_size=32, shuffle=True):
        optimizer.zero_grad()
        criterion(model(x), y).backward()
        optimizer.step()


if __name__ == "__main__":
    main()
"""


def test_hp202_follows_every_branch_that_assigns_the_criterion(project):
    [finding] = project({"train.py": REGRESSION}).findings("HP202")
    assert finding["line"] == 14 and finding["message"].startswith("PReLU is the last operation of HousePrices")


def test_a_criterion_that_is_a_loss_on_one_branch_only_is_not_guessed(project):
    source = REGRESSION.replace("        criterion = nn.HuberLoss()", "        criterion = make_custom_loss(args)")
    assert project({"train.py": source}).findings("HP202") == []


# ---------------------------------------------------------------- HP214

SINGLE_UNIT = """
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, random_split


class ChurnModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(12, 32)
        self.out = nn.Linear(32, {units})

    def forward(self, x):
        h = torch.relu(self.hidden(x))
        return {activation}


if __name__ == "__main__":
    train_set, val_set = random_split(dataset, [0.9, 0.1])
    model = ChurnModel()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for x, y in DataLoader(train_set, batch_size=32):
        optimizer.zero_grad()
        nn.{loss}()(model(x), y).backward()
        optimizer.step()
"""
ACTIVATIONS = {
    "softmax": "F.softmax(self.out(h), dim=1)",
    "log_softmax": "F.log_softmax(self.out(h), dim=1)",
    "sigmoid": "torch.sigmoid(self.out(h))",
}


@pytest.mark.parametrize(("units", "last", "loss", "expected"), [
    (1, "log_softmax", "BCELoss", "a log-softmax over a single output unit is always 0, so the loss never moves"),
    (1, "softmax", "MSELoss", "a softmax over a single output unit is always 1, so the loss never moves"),
    (2, "log_softmax", "BCELoss", "binary cross-entropy expects probabilities (BCELoss) or logits"),
    (5, "softmax", "NLLLoss", "NLLLoss expects log-probabilities; use log_softmax"),
    (5, "sigmoid", "CrossEntropyLoss", "CrossEntropyLoss expects logits"),
])
def test_hp214_mismatched_activation_and_loss(project, units, last, loss, expected):
    source = SINGLE_UNIT.format(units=units, activation=ACTIVATIONS[last], loss=loss)
    [finding] = project({"train.py": source}).findings("HP214")
    assert finding["line"] == 15 and finding["severity"] == "error"
    assert expected in finding["message"]


@pytest.mark.parametrize(("units", "last", "loss"), [
    (5, "log_softmax", "NLLLoss"), (5, "log_softmax", "CrossEntropyLoss"), (1, "sigmoid", "BCELoss"),
])
def test_hp214_silent_on_pairs_that_fit(project, units, last, loss):
    source = SINGLE_UNIT.format(units=units, activation=ACTIVATIONS[last], loss=loss)
    assert project({"train.py": source}).findings("HP214") == []


# ---------------------------------------------------------------- HP306

LINEAR_FIT = """
import torch
from torch.utils.data import random_split

x = torch.randn(200, 2)
y = 3.0 * x[:, 0] - 2.0 * x[:, 1]
train_idx, val_idx = random_split(range(200), [160, 40])
{setup}
for step in range(100):
    optimizer.zero_grad()
    loss = ((x @ w - y) ** 2).mean()
    loss.backward()
    optimizer.step()
"""


@pytest.mark.parametrize(("setup", "expected"), [
    ("w = torch.zeros(2)\noptimizer = torch.optim.SGD([x[:, 0], x[:, 1]], lr=0.01)", "SGD is built over slices of x"),
    ("w = torch.zeros(2)\noptimizer = torch.optim.SGD([w], lr=0.01)", "SGD is built over tensors created without requires_grad (w)"),
])
def test_hp306_an_optimizer_over_data_or_untracked_tensors(project, setup, expected):
    [finding] = project({"fit.py": LINEAR_FIT.format(setup=setup)}).findings("HP306")
    assert finding["severity"] == "error" and finding["message"].startswith(expected)


@pytest.mark.parametrize("setup", [
    "w = torch.zeros(2, requires_grad=True)\noptimizer = torch.optim.SGD([w], lr=0.01)",
    "w = torch.nn.Parameter(torch.zeros(2))\noptimizer = torch.optim.SGD([w], lr=0.01)",
    "model = torch.nn.Linear(2, 1)\nw = model.weight\noptimizer = torch.optim.SGD(model.parameters(), lr=0.01)",
])
def test_hp306_silent_on_parameters(project, setup):
    assert project({"fit.py": LINEAR_FIT.format(setup=setup)}).findings("HP306") == []


# ---------------------------------------------------------------- HP304 / HP305

EVALUATE_NESTED = """
import torch
from torch import nn
from torch.utils.data import DataLoader, random_split


def evaluate(model, loader):
    model.eval()

    def run():
        correct = 0
        for x, y in loader:
            correct += (model(x).argmax(1) == y).sum().item()
        return correct

    with torch.no_grad():
        return run()


if __name__ == "__main__":
    train_set, val_set = random_split(dataset, [0.9, 0.1])
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Dropout(0.3), nn.Linear(64, 3))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(3):
        model.train()
        for x, y in DataLoader(train_set, batch_size=32):
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            optimizer.step()
        print(evaluate(model, DataLoader(val_set, batch_size=256)))
"""


def test_hp304_hp305_a_loop_in_a_nested_function_after_eval_and_no_grad(project):
    linted = project({"train.py": EVALUATE_NESTED})
    assert linted.findings("HP304") == [] and linted.findings("HP305") == []


def test_hp304_an_evaluated_model_without_dropout_or_batch_norm(project):
    source = """
        import torch
        from torch import nn
        from torch.utils.data import DataLoader, random_split

        from models import PlainMLP, RegularisedMLP


        def validate(model, loader):
            with torch.no_grad():
                for x, y in loader:
                    print(nn.functional.cross_entropy(model(x), y).item())


        if __name__ == "__main__":
            train_set, val_set = random_split(dataset, [0.9, 0.1])
            teacher = RegularisedMLP()
            student = PlainMLP()
            optimizer = torch.optim.Adam(student.parameters(), lr=1e-3)
            for x, y in DataLoader(train_set, batch_size=32):
                optimizer.zero_grad()
                nn.functional.mse_loss(student(x), teacher(x).detach()).backward()
                optimizer.step()
            validate(student, DataLoader(val_set, batch_size=256))
    """
    models = """
        from torch import nn


        class PlainMLP(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(20, 64)
                self.fc2 = nn.Linear(64, 3)

            def forward(self, x):
                return self.fc2(self.fc1(x).relu())


        class RegularisedMLP(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(20, 64)
                self.drop = nn.Dropout(0.5)
                self.bn = nn.BatchNorm1d(64)
                self.fc2 = nn.Linear(64, 3)

            def forward(self, x):
                return self.fc2(self.drop(self.bn(self.fc1(x))))
    """
    linted = project({"distill.py": source, "models.py": models})
    assert linted.findings("HP304") == []  # the student has neither; the teacher's dropout is not evaluated
    teacher = source.replace("validate(student,", "validate(teacher,")
    [finding] = project({"distill.py": teacher, "models.py": models}).findings("HP304")
    assert finding["path"] == "distill.py"


@pytest.mark.parametrize("guard", [
    "        with torch.no_grad():\n            predictions = model(x)\n",
    "        with torch.inference_mode():\n            predictions = model(x)\n",
])
def test_hp305_no_grad_inside_the_loop_body(project, guard):
    source = f"""
import torch
from torch import nn
from torch.utils.data import DataLoader, random_split


def evaluate(model, val_loader):
    model.eval()
    total = 0
    for x, y in val_loader:
{guard}        total += (predictions.argmax(1) == y).sum().item()
    return total


if __name__ == "__main__":
    train_set, val_set = random_split(dataset, [0.9, 0.1])
    model = nn.Sequential(nn.Linear(20, 3))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for x, y in DataLoader(train_set, batch_size=16):
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
    evaluate(model, DataLoader(val_set, batch_size=64))
"""
    assert project({"train.py": source}).findings("HP305") == []


def test_hp305_no_grad_entered_through_an_exit_stack(project):
    source = """
        import contextlib

        import torch
        from torch import nn


        def evaluate(model, val_loader, amp=False):
            model.eval()
            with contextlib.ExitStack() as stack:
                stack.enter_context(torch.no_grad())
                if amp:
                    stack.enter_context(torch.autocast("cuda"))
                for x, y in val_loader:
                    print(nn.functional.cross_entropy(model(x), y).item())


        if __name__ == "__main__":
            evaluate(nn.Linear(4, 2), load_val())
    """
    assert project({"eval.py": source}).findings("HP305") == []


# ---------------------------------------------------------------- HP101: only batches that feed a step

def test_hp101_loaders_that_feed_no_optimizer_step(project):
    source = """
        import torch
        from torch import nn
        from torch.utils.data import DataLoader, TensorDataset, random_split

        dataset = TensorDataset(torch.randn(1000, 8), torch.randn(1000, 1))
        train_set, val_set = random_split(dataset, [900, 100])
        preview = DataLoader(dataset, batch_size=512)
        for batch in preview:
            pass  # a look at the data before training
        model = nn.Linear(8, 1)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
        for x, y in DataLoader(train_set, batch_size=16, shuffle=True):
            optimizer.zero_grad()
            nn.functional.mse_loss(model(x), y).backward()
            optimizer.step()
    """
    assert project({"train.py": source}).findings("HP101") == []


def test_hp101_is_info_with_advice_for_a_standard_large_batch_recipe(project):
    source = """
        import torch
        from torch import nn
        from torch.utils.data import DataLoader, random_split
        from torchvision import models

        train_set, val_set = random_split(imagenet, [0.98, 0.02])
        model = models.resnet50()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=30)
        for epoch in range(90):
            for x, y in DataLoader(train_set, batch_size=256, shuffle=True):
                optimizer.zero_grad()
                nn.functional.cross_entropy(model(x), y).backward()
                optimizer.step()
            scheduler.step()
    """
    linted = project({"train.py": source})
    [finding] = linted.findings("HP101")
    assert finding["severity"] == "info"
    assert "scale the lr with the batch and warm up (Goyal et al.)" in finding["message"]
    assert linted.run(".").exit_code == 0  # info never fails a run at the default fail level


# ---------------------------------------------------------------- HP103 / HP104: LARS

def test_hp103_lars_scales_its_lr_per_layer(project):
    source = """
        from torch import nn

        from optim import LARS

        model = nn.Linear(2048, 1000)
        optimizer = LARS(model.parameters(), lr=4.8, weight_decay=1e-6)
        optimizer.step()
    """
    config = "optimizer:\n  name: lars\n  lr: 4.8\n  weight_decay: 1.0e-6\nepochs: 100\n"
    assert project({"train.py": source, "configs/simclr.yaml": config}).findings("HP103") == []


@pytest.mark.parametrize("optimizer, expected", [("LARS", 0), ("SGD", 1)])
def test_hp103_mmengine_config_names_the_projects_own_optimizer_class(project, optimizer, expected):
    """MMEngine's new-style config: `type=LARS` imported from the project's own optimizers package."""
    config = f"""
        from mmengine.optim import OptimWrapper
        from mmpretrain.engine.optimizers.lars import LARS
        from torch.optim import SGD

        optim_wrapper = dict(type=OptimWrapper, optimizer=dict(type={optimizer}, lr=4.8, momentum=0.9))
        train_dataloader = dict(batch_size=32)
        train_cfg = dict(by_epoch=True, max_epochs=200)
    """
    lars = "import torch\n\n\nclass LARS(torch.optim.Optimizer):\n    pass\n"
    files = {"configs/simclr_resnet50.py": config, "mmpretrain/engine/optimizers/lars.py": lars}
    assert len(project(files).findings("HP103")) == expected


# ---------------------------------------------------------------- HP103: fine-tuning a pretrained model

DPO_RECIPE = """\
model_name_or_path: acme/mistral-7b-sft
torch_dtype: bfloat16
beta: 0.01
learning_rate: LR
lr_scheduler_type: cosine
num_train_epochs: 1
per_device_train_batch_size: 8
gradient_accumulation_steps: 2
warmup_ratio: 0.1
"""


@pytest.mark.parametrize("lr, expected", [("5.0e-7", 0), ("5.0e-9", 1)])
def test_hp103_a_fine_tuning_recipe_is_held_to_the_fine_tuning_floor(project, lr, expected):
    findings = project({"recipes/zephyr/dpo/config_full.yaml": DPO_RECIPE.replace("LR", lr)}).findings("HP103")
    assert len(findings) == expected
    assert all("even for fine-tuning a pretrained model" in finding["message"] for finding in findings)


def test_hp103_training_from_scratch_keeps_the_floor(project):
    recipe = DPO_RECIPE.replace("LR", "5.0e-7").replace("model_name_or_path: acme/mistral-7b-sft\n", "")
    [finding] = project({"configs/train.yaml": recipe}).findings("HP103")
    assert "below 1e-06: training barely moves" in finding["message"]
