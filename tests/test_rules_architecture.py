"""HP202-HP210 (except HP206): the model-structure rules, where they fire and where they stay silent.

Line numbers are found with `line_of`, which returns the 1-based line of the one source line
holding a marker, so the assertions stay exact when an example is edited.
"""

from __future__ import annotations

import textwrap

import pytest


def source(text: str) -> str:
    """The file content exactly as the `project` fixture writes it."""
    return textwrap.dedent(text).lstrip("\n")


def line_of(text: str, marker: str) -> int:
    lines = [number for number, line in enumerate(text.splitlines(), start=1) if marker in line]
    assert len(lines) == 1, f"{marker!r} is on lines {lines}"
    return lines[0]


def column_of(text: str, marker: str, snippet: str) -> int:
    """The 1-based column where `snippet` starts on the line holding `marker` (it must be there once)."""
    line = text.splitlines()[line_of(text, marker) - 1]
    assert line.count(snippet) == 1, f"{snippet!r} is not unique in {line!r}"
    return line.index(snippet) + 1


def column_after(text: str, marker: str, prefix: str) -> int:
    """The 1-based column just after `prefix` on the line holding `marker`: where a value starts."""
    return column_of(text, marker, prefix) + len(prefix)


def where(findings: list[dict]) -> list[tuple[str, int]]:
    return [(f["path"], f["line"]) for f in findings]


# A small training script whose model is imported: it raises nothing itself.
TRAIN_LOOP = source("""
    import torch
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset, random_split

    from model import Net

    dataset = TensorDataset(torch.randn(1000, 8), torch.randn(1000, 1))
    train_set, val_set = random_split(dataset, [900, 100])
    train_loader = DataLoader(train_set, batch_size=32, shuffle=True)

    model = Net()
    criterion = nn.MSELoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    for epoch in range(5):
        for x, y in train_loader:
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()
""")


def regressor(last_lines: str, extra_init: str = "") -> str:
    """model.py with a two-layer regressor whose forward ends with `last_lines` (newline-separated)."""
    body = ("\n" + " " * 16).join(last_lines.split("\n"))
    return source(f"""
        import torch
        import torch.nn.functional as F
        from torch import nn


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(8, 64)
                self.fc2 = nn.Linear(64, 1)
                {extra_init}

            def forward(self, x):
                x = F.relu(self.fc1(x))
                {body}
    """)


# ---------------------------------------------------------------- HP202 hidden-activation-on-output


def test_hp202_relu_on_the_output_of_a_regressor_fires_at_the_return(project):
    model = regressor("return F.relu(self.fc2(x))")
    linted = project({"model.py": model, "train.py": TRAIN_LOOP})
    findings = linted.findings("HP202")
    assert where(findings) == [("model.py", line_of(model, "return F.relu"))]
    finding = findings[0]
    assert finding["severity"] == "warning"
    loss_line = line_of(TRAIN_LOOP, "criterion(model(x), y)")
    assert finding["message"].startswith(
        f"relu is the last operation of Net, whose output goes into MSELoss (train.py:{loss_line})"
    )
    assert "end with the last Linear/Conv layer" in finding["message"]
    assert finding["source"] == {"path": "train.py", "line": loss_line}
    assert linted.codes() == ["HP202"]


@pytest.mark.parametrize(
    ("last_line", "extra_init", "op"),
    [
        ("return F.leaky_relu(self.fc2(x), 0.1)", "", "leaky_relu"),
        ("return torch.relu(self.fc2(x))", "", "relu"),
        ("return F.gelu(self.fc2(x))", "", "gelu"),
        ("return self.fc2(x).relu().view(-1, 1)", "", "relu"),  # reshaping does not hide it
        ("return self.act(self.fc2(x))", "self.act = nn.ReLU(inplace=True)", "relu"),
        ("return self.norm(self.fc2(x))", "self.norm = nn.BatchNorm1d(1)", "BatchNorm1d"),
        ("return self.drop(self.fc2(x))", "self.drop = nn.Dropout(0.2)", "Dropout"),
        ("out = F.silu(self.fc2(x))\nreturn out", "", "silu"),
    ],
)
def test_hp202_hidden_operations_at_the_output_fire(project, last_line, extra_init, op):
    model = regressor(last_line, extra_init)
    findings = project({"model.py": model, "train.py": TRAIN_LOOP}).findings("HP202")
    assert len(findings) == 1
    assert findings[0]["message"].startswith(f"{op} is the last operation of Net, whose output goes into MSELoss")


def test_hp202_sequential_classifier_fires_at_its_last_element(project):
    train = source("""
        import torch
        from torch import nn
        from torch.utils.data import DataLoader, TensorDataset, random_split

        dataset = TensorDataset(torch.randn(1000, 20), torch.randint(0, 3, (1000,)))
        train_set, val_set = random_split(dataset, [900, 100])
        train_loader = DataLoader(train_set, batch_size=32, shuffle=True)

        model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 3), nn.ReLU())
        criterion = nn.CrossEntropyLoss()
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

        for epoch in range(5):
            for x, y in train_loader:
                optimizer.zero_grad()
                logits = model(x)
                loss = criterion(logits, y)
                loss.backward()
                optimizer.step()
    """)
    findings = project({"train.py": train}).findings("HP202")
    marker = "model = nn.Sequential("
    assert where(findings) == [("train.py", line_of(train, marker))]
    assert findings[0]["column"] == train.splitlines()[line_of(train, marker) - 1].rindex("nn.ReLU()") + 1
    assert "whose output goes into CrossEntropyLoss" in findings[0]["message"]


def test_hp202_sequential_attribute_ending_in_dropout_and_lightning_self_call(project):
    model = source("""
        import lightning as L
        import torch
        import torch.nn.functional as F
        from torch import nn


        class LitClassifier(L.LightningModule):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(20, 64)
                self.classifier = nn.Sequential(nn.Linear(64, 3), nn.ReLU(inplace=True), nn.Dropout(0.2))

            def forward(self, x):
                return self.classifier(F.relu(self.fc1(x)))

            def training_step(self, batch, batch_idx):
                x, y = batch
                return F.cross_entropy(self(x), y)

            def configure_optimizers(self):
                return torch.optim.Adam(self.parameters(), lr=1e-3)
    """)
    findings = project({"model.py": model}).findings("HP202")
    assert where(findings) == [("model.py", line_of(model, "return self.classifier("))]
    assert findings[0]["message"].startswith(
        f"Dropout is the last operation of LitClassifier, whose output goes into cross_entropy "
        f"(model.py:{line_of(model, 'F.cross_entropy(self(x), y)')})"
    )


def test_hp202_one_finding_when_the_output_reaches_two_losses(project):
    model = regressor("return F.relu(self.fc2(x))")
    train = TRAIN_LOOP.replace(
        "loss = criterion(model(x), y)",
        "loss = criterion(model(x), y) + nn.functional.l1_loss(model(x), y)",
    )
    findings = project({"model.py": model, "train.py": train}).findings("HP202")
    assert where(findings) == [("model.py", line_of(model, "return F.relu"))]


@pytest.mark.parametrize(
    "last_line",
    [
        "return torch.tanh(self.fc2(x))",  # bounded output
        "return torch.sigmoid(self.fc2(x))",  # bounded output
        "return F.softplus(self.fc2(x))",  # positive output
        "return torch.exp(self.fc2(x))",  # positive output
        "return self.fc2(x)",
        "out = self.fc2(x)\nif self.training:\n    return out\nreturn F.relu(out)",
    ],
    ids=["tanh", "sigmoid", "softplus", "exp", "raw", "raw-on-one-path"],
)
def test_hp202_output_squashes_and_raw_outputs_stay_silent(project, last_line):
    model = regressor(last_line)
    assert project({"model.py": model, "train.py": TRAIN_LOOP}).codes() == []


@pytest.mark.parametrize(
    ("loss", "call"),
    [
        ("nn.NLLLoss()", "criterion(model(x), y)"),  # expects log-probabilities, not HP202's concern
        ("nn.BCELoss()", "criterion(model(x), y)"),
        ("nn.MSELoss()", "criterion(model(x) * 2.0, y)"),  # changed before the loss
    ],
)
def test_hp202_other_losses_and_changed_outputs_stay_silent(project, loss, call):
    model = regressor("return F.relu(self.fc2(x))")
    train = TRAIN_LOOP.replace("nn.MSELoss()", loss).replace("criterion(model(x), y)", call)
    assert project({"model.py": model, "train.py": train}).findings("HP202") == []


def test_hp202_a_backbone_ending_in_relu_that_feeds_no_loss_stays_silent(project):
    model = source("""
        import torch.nn.functional as F
        from torch import nn


        class Backbone(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 64)

            def forward(self, x):
                return F.relu(self.fc(x))  # features for a head, not logits


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.backbone = Backbone()
                self.head = nn.Linear(64, 1)

            def forward(self, x):
                return self.head(self.backbone(x))
    """)
    assert project({"model.py": model, "train.py": TRAIN_LOOP}).codes() == []


# ---------------------------------------------------------------- HP203 deep-mlp

DEEP_MLP = source("""
    import torch.nn.functional as F
    from torch import nn


    class TabularMLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.input = nn.Linear(30, 128)
            self.hidden = nn.ModuleList([nn.Linear(128, 128) for _ in range(4)])
            self.output = nn.Linear(128, 4)

        def forward(self, x):
            x = F.relu(self.input(x))
            for layer in self.hidden:
                x = F.relu(layer(x))
            return self.output(x)
""")


def test_hp203_counts_layers_built_in_a_comprehension(project):
    findings = project({"model.py": DEEP_MLP}).findings("HP203")
    line = line_of(DEEP_MLP, "class TabularMLP")
    assert where(findings) == [("model.py", line)]
    assert findings[0]["column"] == len("class ") + 1
    assert findings[0]["severity"] == "info"
    assert findings[0]["message"] == (
        "TabularMLP stacks 6 fully-connected layers; past 3 an MLP rarely gains accuracy but trains slower: "
        "try 3 wider layers"
    )


def test_hp203_module_level_sequential_of_four_linears_fires_at_the_call(project):
    model = source("""
        from torch import nn

        model = nn.Sequential(
            nn.Linear(20, 64), nn.ReLU(),
            nn.Linear(64, 64), nn.ReLU(),
            nn.Linear(64, 64), nn.ReLU(),
            nn.Linear(64, 2),
        )
    """)
    findings = project({"model.py": model}).findings("HP203")
    line = line_of(model, "model = nn.Sequential(")
    assert where(findings) == [("model.py", line)]
    assert findings[0]["message"].startswith(f"nn.Sequential@{line}:9 stacks 4 fully-connected layers")


def test_hp203_three_layers_pass_and_max_is_an_option(project):
    three = source("""
        from torch import nn

        model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 2))
    """)
    assert project({"model.py": three}).findings("HP203") == []


def test_hp203_max_from_pyproject(project):
    linted = project({
        "model.py": DEEP_MLP,
        "pyproject.toml": "[tool.hplint.rules.HP203]\nmax = 6\n",
    })
    assert linted.findings("HP203") == []


@pytest.mark.parametrize(
    "body_layer",
    [
        "self.conv = nn.Conv2d(3, 30, 3)",
        "self.lstm = nn.LSTM(30, 30, batch_first=True)",
        "self.embed = nn.Embedding(100, 30)",
        "self.attn = nn.MultiheadAttention(30, 3)",
    ],
    ids=["conv", "lstm", "embedding", "attention"],
)
def test_hp203_models_with_a_non_linear_body_are_not_mlps(project, body_layer):
    model = DEEP_MLP.replace("self.input = nn.Linear(30, 128)", f"{body_layer}\n        self.input = nn.Linear(30, 128)")
    assert project({"model.py": model}).findings("HP203") == []


def test_hp203_unknown_depth_stays_silent(project):
    model = source("""
        from torch import nn


        class MLP(nn.Module):
            def __init__(self, depth):
                super().__init__()
                self.layers = nn.ModuleList([nn.Linear(64, 64) for _ in range(depth)])
    """)
    assert project({"model.py": model}).findings("HP203") == []


def test_hp203_class_wrapping_a_sequential_is_one_finding(project):
    model = source("""
        from torch import nn


        class DeepMLP(nn.Module):
            def __init__(self):
                super().__init__()
                self.net = nn.Sequential(
                    nn.Linear(20, 64), nn.ReLU(),
                    nn.Linear(64, 64), nn.ReLU(),
                    nn.Linear(64, 64), nn.ReLU(),
                    nn.Linear(64, 2),
                )

            def forward(self, x):
                return self.net(x)
    """)
    assert len(project({"model.py": model}).findings("HP203")) == 1


def test_hp203_two_parallel_two_layer_heads_are_not_a_deep_mlp(project):
    model = source("""
        from torch import nn


        class ActorCritic(nn.Module):
            def __init__(self):
                super().__init__()
                self.actor = nn.Sequential(nn.Linear(8, 64), nn.Tanh(), nn.Linear(64, 4))
                self.critic = nn.Sequential(nn.Linear(8, 64), nn.Tanh(), nn.Linear(64, 1))

            def forward(self, obs):
                return self.actor(obs), self.critic(obs)
    """)
    assert project({"model.py": model}).findings("HP203") == []


def test_hp203_a_vae_encoders_mean_and_log_variance_heads_are_one_layer_deep(project):
    model = source("""
        import torch.nn.functional as F
        from torch import nn


        class GaussianEncoder(nn.Module):
            \"\"\"q(z|x) of a VAE: a trunk, then the mean and the log-variance of z side by side.\"\"\"

            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(784, 512)
                self.fc2 = nn.Linear(512, 256)
                self.fc_mu = nn.Linear(256, 32)
                self.fc_logvar = nn.Linear(256, 32)

            def forward(self, x):
                h = F.relu(self.fc1(x.flatten(1)))
                h = F.relu(self.fc2(h))
                return self.fc_mu(h), self.fc_logvar(h)
    """)
    assert project({"model.py": model}).findings("HP203") == []


def test_hp203_a_vae_sampling_between_encoder_and_decoder_is_not_a_plain_stack(project):
    model = source("""
        import torch
        import torch.nn.functional as F
        from torch import nn


        class VAE(nn.Module):
            def __init__(self, latent=20):
                super().__init__()
                self.enc = nn.Linear(784, 400)
                self.mu = nn.Linear(400, latent)
                self.logvar = nn.Linear(400, latent)
                self.dec_hidden = nn.Linear(latent, 400)
                self.dec_out = nn.Linear(400, 784)

            def encode(self, x):
                h = F.relu(self.enc(x))
                return self.mu(h), self.logvar(h)

            def sample(self, mu, logvar):
                std = torch.exp(0.5 * logvar)
                return mu + torch.randn_like(std) * std

            def decode(self, z):
                return torch.sigmoid(self.dec_out(F.relu(self.dec_hidden(z))))

            def forward(self, x):
                mu, logvar = self.encode(x.view(-1, 784))
                z = self.sample(mu, logvar)
                return self.decode(z), mu, logvar
    """)
    assert project({"model.py": model}).findings("HP203") == []


def test_hp203_an_autoencoder_is_two_networks_not_one_deep_stack(project):
    model = source("""
        import torch.nn.functional as F
        from torch import nn

        N_SENSORS = 52


        class SensorAutoencoder(nn.Module):
            \"\"\"Anomaly detection on pump sensors: the reconstruction error flags a failing pump.\"\"\"

            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(N_SENSORS, 32)
                self.fc2 = nn.Linear(32, 8)
                self.fc3 = nn.Linear(8, 32)
                self.fc4 = nn.Linear(32, N_SENSORS)

            def forward(self, x):
                code = F.relu(self.fc2(F.relu(self.fc1(x))))
                return self.fc4(F.relu(self.fc3(code)))
    """)
    assert project({"model.py": model}).findings("HP203") == []
    # a regression net from one value to one value is no autoencoder: nothing between is narrower
    regression = model.replace("N_SENSORS = 52", "N_SENSORS = 1")
    assert len(project({"model.py": regression}).findings("HP203")) == 1


def test_hp203_counts_one_chain_across_the_attributes_forward_applies_in_turn(project):
    model = source("""
        from torch import nn


        class ChurnClassifier(nn.Module):
            def __init__(self):
                super().__init__()
                self.encoder = nn.Sequential(nn.Linear(40, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU())
                self.head = nn.Sequential(nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 2))

            def forward(self, x):
                features = self.encoder(x)
                return self.head(features)
    """)
    findings = project({"model.py": model}).findings("HP203")
    assert where(findings) == [("model.py", line_of(model, "class ChurnClassifier"))]
    assert findings[0]["message"].startswith("ChurnClassifier stacks 4 fully-connected layers; past 3")


def test_hp203_a_trunk_with_two_heads_counts_the_trunk_and_one_head(project):
    model = source("""
        import torch.nn.functional as F
        from torch import nn


        class MultiTaskMLP(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(64, 256)
                self.fc2 = nn.Linear(256, 256)
                self.fc3 = nn.Linear(256, 256)
                self.age = nn.Linear(256, 1)
                self.churn = nn.Linear(256, 2)

            def forward(self, x):
                h = F.relu(self.fc3(F.relu(self.fc2(F.relu(self.fc1(x))))))
                return self.age(h), self.churn(h)
    """)
    findings = project({"model.py": model}).findings("HP203")
    assert findings[0]["message"].startswith("MultiTaskMLP stacks 4 fully-connected layers;")


def test_hp203_follows_the_methods_forward_calls(project):
    model = source("""
        import torch.nn.functional as F
        from torch import nn


        class Regressor(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(13, 64)
                self.fc2 = nn.Linear(64, 64)
                self.fc3 = nn.Linear(64, 64)
                self.out = nn.Linear(64, 1)

            def features(self, x):
                for layer in (self.fc1, self.fc2, self.fc3):
                    x = F.relu(layer(x))
                return x

            def forward(self, x):
                return self.out(self.features(x))
    """)
    findings = project({"model.py": model}).findings("HP203")
    assert where(findings) == [("model.py", line_of(model, "class Regressor"))]
    assert findings[0]["message"].startswith("Regressor stacks 4 fully-connected layers;")


# ---------------------------------------------------------------- HP204 narrow-first-hidden

NARROW = source("""
    import torch.nn.functional as F
    from torch import nn

    NUM_FEATURES = 64


    class TabularClassifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.hidden1 = nn.Linear(NUM_FEATURES, 16)
            self.hidden2 = nn.Linear(16, 16)
            self.output = nn.Linear(16, 3)

        def forward(self, x):
            x = F.relu(self.hidden1(x))
            x = F.relu(self.hidden2(x))
            return self.output(x)
""")


def test_hp204_first_hidden_layer_narrower_than_the_input_fires_at_the_layer(project):
    findings = project({"model.py": NARROW}).findings("HP204")
    line = line_of(NARROW, "self.hidden1 = nn.Linear")
    assert where(findings) == [("model.py", line)]
    assert findings[0]["column"] == column_of(NARROW, "self.hidden1 = ", "nn.Linear")
    assert findings[0]["severity"] == "info"
    assert findings[0]["message"] == (
        "the first hidden layer of TabularClassifier, Linear(64, 16), has fewer units than its 64 inputs; "
        "a first hidden layer at least as wide as the input usually learns better"
    )


def test_hp204_keywords_and_argparse_defaults_resolve(project):
    model = source("""
        import argparse

        from torch import nn

        parser = argparse.ArgumentParser()
        parser.add_argument("--hidden", type=int, default=32)
        args = parser.parse_args()


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(in_features=100, out_features=args.hidden)
                self.fc2 = nn.Linear(args.hidden, 2)
    """)
    findings = project({"model.py": model}).findings("HP204")
    assert where(findings) == [("model.py", line_of(model, "self.fc1 = "))]
    assert "Linear(100, 32), has fewer units than its 100 inputs" in findings[0]["message"]


@pytest.mark.parametrize(
    "layers",
    [
        "self.fc1 = nn.Linear(64, 64)\n        self.fc2 = nn.Linear(64, 3)",  # as wide as the input
        "self.fc1 = nn.Linear(64, 3)",  # a linear model: no hidden layer
        "self.fc1 = nn.Linear(in_features, hidden)\n        self.fc2 = nn.Linear(hidden, 3)",  # unknown sizes
    ],
    ids=["equal", "single-linear", "constructor-parameters"],
)
def test_hp204_silent_cases(project, layers):
    model = source(f"""
        from torch import nn


        class Net(nn.Module):
            def __init__(self, in_features=64, hidden=16):
                super().__init__()
                {layers}
    """)
    assert project({"model.py": model}).findings("HP204") == []


@pytest.mark.parametrize(
    "body",
    [
        "self.conv = nn.Conv2d(3, 16, 3)",
        "self.lstm = nn.LSTM(32, 256, batch_first=True)",
        "self.embed = nn.Embedding(5000, 256)",
    ],
    ids=["conv", "lstm", "embedding"],
)
def test_hp204_head_after_a_body_in_the_same_class_stays_silent(project, body):
    model = source(f"""
        from torch import nn


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                {body}
                self.fc1 = nn.Linear(256, 64)
                self.fc2 = nn.Linear(64, 10)
    """)
    assert project({"model.py": model}).findings("HP204") == []


def test_hp204_sequential_classifier_head_of_a_cnn_stays_silent(project):
    model = source("""
        from torch import nn


        class VGGish(nn.Module):
            def __init__(self):
                super().__init__()
                self.features = nn.Sequential(
                    nn.Conv2d(3, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.AdaptiveAvgPool2d(7),
                )
                self.classifier = nn.Sequential(nn.Linear(64 * 7 * 7, 512), nn.ReLU(), nn.Linear(512, 10))

            def forward(self, x):
                return self.classifier(self.features(x).flatten(1))
    """)
    assert project({"model.py": model}).findings("HP204") == []


def test_hp204_sequential_head_of_an_lstm_stays_silent(project):
    model = source("""
        from torch import nn


        class Tagger(nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = nn.LSTM(100, 256, batch_first=True)
                self.head = nn.Sequential(nn.Linear(256, 64), nn.ReLU(), nn.Linear(64, 5))

            def forward(self, x):
                output, _ = self.lstm(x)
                return self.head(output)
    """)
    assert project({"model.py": model}).findings("HP204") == []


def test_hp204_class_wrapping_a_sequential_is_one_finding(project):
    model = source("""
        from torch import nn


        class MnistMLP(nn.Module):
            def __init__(self):
                super().__init__()
                self.net = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))

            def forward(self, x):
                return self.net(x.flatten(1))
    """)
    findings = project({"model.py": model}).findings("HP204")
    assert where(findings) == [("model.py", line_of(model, "self.net = "))]


def test_hp204_output_layer_defined_first_is_not_the_first_hidden_layer(project):
    model = source("""
        import torch.nn.functional as F
        from torch import nn


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.head = nn.Linear(256, 10)
                self.fc1 = nn.Linear(20, 256)

            def forward(self, x):
                return self.head(F.relu(self.fc1(x)))
    """)
    assert project({"model.py": model}).findings("HP204") == []


def test_hp204_an_autoencoders_encoder_narrows_on_purpose(project):
    model = source("""
        from torch import nn


        class MnistAutoencoder(nn.Module):
            def __init__(self):
                super().__init__()
                self.encoder = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 32))
                self.decoder = nn.Sequential(nn.Linear(32, 128), nn.ReLU(), nn.Linear(128, 784), nn.Sigmoid())

            def forward(self, x):
                return self.decoder(self.encoder(x.flatten(1)))
    """)
    assert project({"model.py": model}).findings("HP204") == []


@pytest.mark.parametrize(
    "model",
    [
        """
        class DenoisingAE(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(N_GENES, 256)
                self.fc2 = nn.Linear(256, 64)
                self.fc3 = nn.Linear(64, 256)
                self.fc4 = nn.Linear(256, N_GENES)

            def forward(self, x):
                x = F.dropout(x, 0.2, self.training)
                return self.fc4(F.relu(self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))))
        """,
        """
        class SparseAE(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc_in = nn.Linear(N_GENES, 64)
                self.fc_out = nn.Linear(64, N_GENES)

            def encode(self, x):
                return F.relu(self.fc_in(x))

            def decode(self, code):
                return self.fc_out(code)

            def forward(self, x):
                return self.decode(self.encode(x))
        """,
        """
        model = nn.Sequential(nn.Linear(N_GENES, 64), nn.ReLU(), nn.Linear(64, N_GENES))
        """,
    ],
    ids=["output-as-wide-as-input", "encode-and-decode-methods", "sequential"],
)
def test_hp204_autoencoders_found_by_their_shape_or_their_methods(project, model):
    header = "import torch.nn.functional as F\nfrom torch import nn\n\nN_GENES = 2000\n\n\n"
    assert project({"model.py": header + source(model)}).findings("HP204") == []


def test_hp204_heads_over_a_body_built_by_a_function_stay_silent(project):
    model = source("""
        from torch import nn


        def down(in_channels, out_channels):
            return [nn.Conv2d(in_channels, out_channels, 4, 2, 1), nn.LeakyReLU(0.2)]


        class TwinCritic(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = nn.Sequential(*down(3, 32), *down(32, 64))
                self.critic_a = nn.Linear(64 * 8 * 8, 1)
                self.critic_b = nn.Linear(64 * 8 * 8, 1)

            def forward(self, image_a, image_b):
                a = self.body(image_a).flatten(1)
                b = self.body(image_b).flatten(1)
                return self.critic_a(a), self.critic_b(b)
    """)
    assert project({"model.py": model}).findings("HP204") == []


def test_hp204_a_classifier_after_stages_taken_by_name_stays_silent(project):
    model = source("""
        from torch import nn


        class StagedNet(nn.Module):
            def __init__(self, stages):
                super().__init__()
                self.add_module("stages", nn.Sequential(*stages))
                self.classifier = nn.Sequential(nn.Linear(512 * 7 * 7, 1024), nn.ReLU(), nn.Linear(1024, 10))

            def forward(self, x):
                for stage in getattr(self, "stages"):
                    x = stage(x)
                return self.classifier(x.flatten(1))
    """)
    assert project({"model.py": model}).findings("HP204") == []


INIT_DEFAULTS = source("""
    import torch.nn.functional as F
    from torch import nn


    class MnistMLP(nn.Module):
        def __init__(self, in_dim=784, hidden=32, classes=10):
            super().__init__()
            self.fc1 = nn.Linear(in_dim, hidden)
            self.fc2 = nn.Linear(hidden, classes)

        def forward(self, x):
            return self.fc2(F.relu(self.fc1(x.flatten(1))))
""")


def mnist_training(build: str) -> str:
    """train.py building the model as `build` says, with the rest of a training script that raises nothing."""
    return TRAIN_LOOP.replace("from model import Net", "from model import MnistMLP").replace("model = Net()", build)


def test_hp204_sizes_from_init_defaults_are_never_used(project):
    train = mnist_training("model = MnistMLP()\nbinary = MnistMLP(classes=2)")
    assert project({"model.py": INIT_DEFAULTS, "train.py": train}).findings("HP204") == []


def test_hp204_sizes_passed_where_the_model_is_built_are_used(project):
    train = mnist_training("model = MnistMLP(in_dim=784, hidden=32)")
    findings = project({"model.py": INIT_DEFAULTS, "train.py": train}).findings("HP204")
    assert where(findings) == [("model.py", line_of(INIT_DEFAULTS, "self.fc1 = "))]
    assert "Linear(784, 32), has fewer units than its 784 inputs" in findings[0]["message"]


# ---------------------------------------------------------------- HP205 large-kernel

CONVS = source("""
    from torch import nn


    class Stem(nn.Module):
        def __init__(self):
            super().__init__()
            self.alex = nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2)
            self.positional = nn.Conv2d(64, 64, 9, padding=4)
            self.separable = nn.Conv2d(64, 64, (1, 9), padding=(0, 4))
            self.volume = nn.Conv3d(1, 8, kernel_size=(3, 9, 9))
            self.resnet = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3)
            self.bn = nn.BatchNorm2d(64)
""")


def test_hp205_flags_large_image_kernels_at_the_written_size(project):
    findings = project({"model.py": CONVS}).findings("HP205")
    assert [(f["line"], f["column"]) for f in findings] == [
        (line_of(CONVS, "self.alex"), column_after(CONVS, "self.alex", "kernel_size=")),
        (line_of(CONVS, "self.positional"), column_after(CONVS, "self.positional", "64, 64, ")),
        (line_of(CONVS, "self.separable"), column_of(CONVS, "self.separable", "1, 9")),
        (line_of(CONVS, "self.volume"), column_of(CONVS, "self.volume", "3, 9, 9")),
    ]
    assert {f["severity"] for f in findings} == {"info"}
    messages = [f["message"].split(" is larger")[0] for f in findings]
    assert messages == ["Conv2d kernel_size=11", "Conv2d kernel_size=9", "Conv2d kernel_size=1×9", "Conv3d kernel_size=3×9×9"]
    assert findings[0]["message"].endswith(
        "is larger than 7; stacked 3×3 convolutions see as far with fewer parameters and more non-linearity"
    )
    assert findings[0]["source"] is None  # written where it is used


def test_hp205_a_shared_constant_is_one_finding_at_the_constant(project):
    model = source("""
        from torch import nn

        KERNEL = 11


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv1 = nn.Conv2d(3, 32, KERNEL)
                self.conv2 = nn.Conv2d(32, 32, KERNEL)
    """)
    findings = project({"model.py": model}).findings("HP205")
    assert where(findings) == [("model.py", line_of(model, "KERNEL = 11"))]
    assert findings[0]["source"] == {"path": "model.py", "line": line_of(model, "self.conv1")}


@pytest.mark.parametrize(
    "layer",
    [
        "nn.Conv1d(1, 16, kernel_size=80, stride=4)",  # audio: long 1-D kernels are normal
        "nn.ConvTranspose2d(16, 8, kernel_size=16, stride=8)",
        "nn.Conv2d(3, 64, kernel_size=size)",  # unknown
        "nn.Conv2d(3, 64, kernel_size=(7, 7))",
    ],
    ids=["conv1d", "transposed", "unknown", "7x7"],
)
def test_hp205_silent_cases(project, layer):
    model = source(f"""
        from torch import nn


        class Net(nn.Module):
            def __init__(self, size):
                super().__init__()
                self.layer = {layer}
    """)
    assert project({"model.py": model}).findings("HP205") == []


def test_hp205_max_from_pyproject(project):
    linted = project({"model.py": CONVS, "pyproject.toml": "[tool.hplint.rules.HP205]\nmax = 9\n"})
    assert [f["line"] for f in linted.findings("HP205")] == [line_of(CONVS, "self.alex")]


def test_hp205_vit_patch_embedding_stays_silent(project):
    model = source("""
        from torch import nn


        class ViT(nn.Module):
            def __init__(self):
                super().__init__()
                self.patch_embed = nn.Conv2d(3, 768, kernel_size=16, stride=16)
                layer = nn.TransformerEncoderLayer(768, 12, batch_first=True)
                self.encoder = nn.TransformerEncoder(layer, num_layers=12)
    """)
    assert project({"model.py": model}).findings("HP205") == []


@pytest.mark.xfail(reason="placed at a shared constant, the HP205 message does not name the convolution using it", strict=True)
def test_hp205_message_at_a_constant_names_the_use(project):
    model = source("""
        from torch import nn

        KERNEL = 11


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv1 = nn.Conv2d(3, 32, KERNEL)
    """)
    findings = project({"model.py": model}).findings("HP205")
    assert f"model.py:{line_of(model, 'self.conv1')}" in findings[0]["message"]


# ---------------------------------------------------------------- HP207 deep-rnn-stack

RNNS = source("""
    import argparse

    from torch import nn

    NUM_LAYERS = 5

    parser = argparse.ArgumentParser()
    parser.add_argument("--layers", type=int, default=8)
    args = parser.parse_args()


    class Stacks(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(128, 256, num_layers=4, batch_first=True)
            self.gru = nn.GRU(128, 256, 6)
            self.constant = nn.LSTM(128, 256, num_layers=NUM_LAYERS)
            self.from_args = nn.GRU(128, 256, num_layers=args.layers)
            self.three = nn.LSTM(128, 256, num_layers=3, bidirectional=True)
            self.cell = nn.LSTMCell(128, 256)
""")


def test_hp207_flags_num_layers_above_three_where_it_is_written(project):
    findings = project({"model.py": RNNS}).findings("HP207")
    assert [(f["line"], f["column"]) for f in sorted(findings, key=lambda f: f["line"])] == [
        (line_of(RNNS, "NUM_LAYERS = 5"), column_after(RNNS, "NUM_LAYERS = 5", "NUM_LAYERS = ")),
        (line_of(RNNS, '"--layers"'), column_after(RNNS, '"--layers"', "default=")),
        (line_of(RNNS, "self.lstm ="), column_after(RNNS, "self.lstm =", "num_layers=")),
        (line_of(RNNS, "self.gru ="), column_after(RNNS, "self.gru =", "256, ")),
    ]
    by_line = {f["line"]: f for f in findings}
    lstm = by_line[line_of(RNNS, "self.lstm =")]
    assert lstm["severity"] == "info"
    assert lstm["message"] == (
        "LSTM num_layers=4 stacks more than 3 recurrent layers; gains usually stop at 2–3 and deep stacks "
        "are slow and hard to train"
    )
    assert lstm["source"] is None
    assert by_line[line_of(RNNS, "NUM_LAYERS = 5")]["source"] == {"path": "model.py", "line": line_of(RNNS, "self.constant")}
    assert by_line[line_of(RNNS, '"--layers"')]["message"].startswith("GRU num_layers=8 ")


def test_hp207_max_from_pyproject(project):
    linted = project({"model.py": RNNS, "pyproject.toml": "[tool.hplint.rules.HP207]\nmax = 7\n"})
    assert [f["line"] for f in linted.findings("HP207")] == [line_of(RNNS, '"--layers"')]


def test_hp207_unknown_depth_stays_silent(project):
    model = source("""
        from torch import nn


        class Encoder(nn.Module):
            def __init__(self, num_layers=6):
                super().__init__()
                self.lstm = nn.LSTM(128, 256, num_layers=num_layers)
    """)
    assert project({"model.py": model}).findings("HP207") == []


def test_hp207_a_shared_constant_is_one_finding(project):
    model = source("""
        from torch import nn

        NUM_LAYERS = 4


        class Seq2Seq(nn.Module):
            def __init__(self):
                super().__init__()
                self.encoder = nn.LSTM(128, 256, num_layers=NUM_LAYERS, batch_first=True)
                self.decoder = nn.LSTM(128, 256, num_layers=NUM_LAYERS, batch_first=True)
    """)
    findings = project({"model.py": model}).findings("HP207")
    assert where(findings) == [("model.py", line_of(model, "NUM_LAYERS = 4"))]


@pytest.mark.xfail(
    reason="SPEC §4 counts layers built in comprehensions of known length; HP207 reads num_layers only",
    strict=True,
)
def test_hp207_counts_recurrent_layers_stacked_in_a_module_list(project):
    model = source("""
        from torch import nn


        class StackedLSTM(nn.Module):
            def __init__(self):
                super().__init__()
                self.layers = nn.ModuleList([nn.LSTM(256, 256, batch_first=True) for _ in range(6)])

            def forward(self, x):
                for layer in self.layers:
                    x, _ = layer(x)
                return x
    """)
    assert len(project({"model.py": model}).findings("HP207")) == 1


# ---------------------------------------------------------------- HP208 embedding-dim

EMBEDDINGS = source("""
    from torch import nn

    VOCAB_SIZE = 20000


    class Embeddings(nn.Module):
        def __init__(self):
            super().__init__()
            self.wide = nn.Embedding(VOCAB_SIZE, 2048)
            self.narrow = nn.Embedding(num_embeddings=VOCAB_SIZE, embedding_dim=16)
            self.just_below = nn.Embedding(1000, 49)
            self.lower_bound = nn.Embedding(1000, 50)
            self.upper_bound = nn.Embedding(1000, 1000)
            self.word2vec = nn.Embedding(VOCAB_SIZE, 300)
            self.characters = nn.Embedding(999, 8)
            self.bag = nn.EmbeddingBag(VOCAB_SIZE, 4)
            self.lstm = nn.LSTM(300, 128)
""")


def test_hp208_flags_dimensions_outside_the_window_for_large_vocabularies(project):
    findings = project({"model.py": EMBEDDINGS}).findings("HP208")
    assert [(f["line"], f["column"]) for f in findings] == [
        (line_of(EMBEDDINGS, "self.wide"), column_of(EMBEDDINGS, "self.wide", "2048")),
        (line_of(EMBEDDINGS, "self.narrow"), column_after(EMBEDDINGS, "self.narrow", "embedding_dim=")),
        (line_of(EMBEDDINGS, "self.just_below"), column_of(EMBEDDINGS, "self.just_below", "49")),
    ]
    assert {f["severity"] for f in findings} == {"info"}
    assert findings[0]["message"] == (
        "Embedding over 20000 tokens with 2048 dimensions; word embeddings work best with 50–1000 (most often 50–300)"
    )
    assert findings[1]["message"].startswith("Embedding over 20000 tokens with 16 dimensions")
    assert findings[2]["message"].startswith("Embedding over 1000 tokens with 49 dimensions")


def test_hp208_options_from_pyproject(project):
    linted = project({
        "model.py": EMBEDDINGS,
        "pyproject.toml": "[tool.hplint.rules.HP208]\nmin = 16\nmax = 300\nmin-vocab = 5000\n",
    })
    assert [f["line"] for f in linted.findings("HP208")] == [line_of(EMBEDDINGS, "self.wide")]


@pytest.mark.parametrize(
    ("init", "forward"),
    [
        ("self.attn = nn.MultiheadAttention(4096, 32, batch_first=True)", "x, _ = self.attn(x, x, x)"),
        (
            "self.encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(4096, 32, batch_first=True), 6)",
            "x = self.encoder(x)",
        ),
        ("self.qkv = nn.Linear(4096, 3 * 4096)", "x = F.scaled_dot_product_attention(*self.qkv(x).chunk(3, -1))"),
    ],
    ids=["multihead", "transformer-encoder", "sdpa"],
)
def test_hp208_models_with_attention_in_the_file_stay_silent(project, init, forward):
    model = source(f"""
        import torch.nn.functional as F
        from torch import nn


        class LanguageModel(nn.Module):
            def __init__(self):
                super().__init__()
                self.embed = nn.Embedding(50257, 4096)
                {init}
                self.head = nn.Linear(4096, 50257)

            def forward(self, tokens):
                x = self.embed(tokens)
                {forward}
                return self.head(x)
    """)
    linted = project({"model.py": model})
    assert linted.findings("HP208") == []
    # the same model without attention is flagged: the silence comes from the attention
    plain = model.replace(init, "").replace(forward, "")
    assert project({"model.py": plain}).findings("HP208") != []


def test_hp208_class_named_attention_in_the_file_stays_silent(project):
    model = source("""
        from torch import nn


        class CausalSelfAttention(nn.Module):
            def __init__(self):
                super().__init__()
                self.c_attn = nn.Linear(1600, 3 * 1600)


        class GPT(nn.Module):
            def __init__(self):
                super().__init__()
                self.wte = nn.Embedding(50257, 1600)
    """)
    assert project({"model.py": model}).findings("HP208") == []


def test_hp208_attention_blocks_imported_from_another_file_count(project):
    linted = project({
        "gpt.py": """
            from torch import nn

            from blocks import Block


            class GPT(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.wte = nn.Embedding(50257, 1600)
                    self.blocks = nn.ModuleList([Block(1600) for _ in range(48)])
                    self.head = nn.Linear(1600, 50257, bias=False)
        """,
        "blocks.py": """
            from torch import nn


            class Block(nn.Module):
                def __init__(self, dim):
                    super().__init__()
                    self.ln = nn.LayerNorm(dim)
                    self.attn = nn.MultiheadAttention(dim, 25, batch_first=True)
        """,
    })
    assert linted.findings("HP208") == []


def test_hp208_a_shared_constant_is_one_finding(project):
    model = source("""
        from torch import nn

        DIM = 16


        class Translator(nn.Module):
            def __init__(self):
                super().__init__()
                self.src = nn.Embedding(30000, DIM)
                self.tgt = nn.Embedding(30000, DIM)
                self.lstm = nn.LSTM(DIM, 256)
    """)
    findings = project({"model.py": model}).findings("HP208")
    assert where(findings) == [("model.py", line_of(model, "DIM = 16"))]


# ---------------------------------------------------------------- HP209 saturating-activation


def test_hp209_sigmoid_hidden_activation_fires_once_at_the_first(project):
    model = source("""
        import torch
        from torch import nn


        class Classifier(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(20, 64)
                self.fc2 = nn.Linear(64, 64)
                self.fc3 = nn.Linear(64, 3)

            def forward(self, x):
                x = torch.sigmoid(self.fc1(x))
                x = torch.sigmoid(self.fc2(x))
                return self.fc3(x)
    """)
    findings = project({"model.py": model}).findings("HP209")
    line = line_of(model, "torch.sigmoid(self.fc1(x))")
    assert where(findings) == [("model.py", line)]
    assert findings[0]["column"] == column_of(model, "torch.sigmoid(self.fc1", "torch.sigmoid")
    assert findings[0]["severity"] == "info"
    assert findings[0]["message"] == (
        "sigmoid as a hidden activation of Classifier: it saturates and its gradient vanishes in deeper nets; "
        "use ReLU (or GELU) between layers"
    )


@pytest.mark.parametrize(
    ("init", "forward", "op"),
    [
        ("self.act = nn.Tanh()", "x = self.act(self.fc1(x))", "tanh"),
        ("", "x = self.fc1(x).tanh()", "tanh"),
        ("", "x = F.sigmoid(self.fc1(x))", "sigmoid"),
        ("self.body = nn.Sequential(nn.Linear(20, 20), nn.Tanh())", "x = self.body(x)", "tanh"),
    ],
    ids=["layer", "method", "functional", "sequential-attribute"],
)
def test_hp209_spellings_of_a_hidden_tanh_or_sigmoid(project, init, forward, op):
    model = source(f"""
        import torch.nn.functional as F
        from torch import nn


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(20, 20)
                self.fc2 = nn.Linear(20, 2)
                {init}

            def forward(self, x):
                {forward}
                return self.fc2(x)
    """)
    findings = project({"model.py": model}).findings("HP209")
    assert where(findings) == [("model.py", line_of(model, forward))]
    assert findings[0]["message"].startswith(f"{op} as a hidden activation of Net")


def test_hp209_sequential_with_a_sigmoid_between_linears(project):
    model = source("""
        from torch import nn

        model = nn.Sequential(nn.Linear(20, 64), nn.Sigmoid(), nn.Linear(64, 2))
    """)
    findings = project({"model.py": model}).findings("HP209")
    assert where(findings) == [("model.py", line_of(model, "model = "))]
    assert findings[0]["column"] == column_of(model, "model = ", "nn.Sigmoid()")
    assert findings[0]["message"].startswith("Sigmoid as a hidden activation of nn.Sequential@")


SILENT_SATURATING = {
    "output-squash": """
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(20, 64)
                self.fc2 = nn.Linear(64, 1)

            def forward(self, x):
                return torch.sigmoid(self.fc2(F.relu(self.fc1(x))))
    """,
    "sequential-output": """
        model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 1), nn.Tanh())
    """,
    "squeeze-excitation": """
        class SEBlock(nn.Module):
            def __init__(self, channels=64):
                super().__init__()
                self.conv = nn.Conv2d(channels, channels, 3, padding=1)
                self.fc1 = nn.Linear(channels, channels // 4)
                self.fc2 = nn.Linear(channels // 4, channels)

            def forward(self, x):
                w = torch.sigmoid(self.fc2(F.relu(self.fc1(x.mean((2, 3))))))
                x = x * w[:, :, None, None]
                return self.conv(x)
    """,
    "gated-conv": """
        class GatedConv(nn.Module):
            def __init__(self):
                super().__init__()
                self.filter = nn.Conv2d(16, 16, 3, padding=1)
                self.gate = nn.Conv2d(16, 16, 3, padding=1)
                self.out = nn.Conv2d(16, 16, 1)

            def forward(self, x):
                return self.out(torch.tanh(self.filter(x)) * torch.sigmoid(self.gate(x)))
    """,
    "recurrent-model": """
        class Tagger(nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = nn.LSTM(32, 64)
                self.fc1 = nn.Linear(64, 64)
                self.fc2 = nn.Linear(64, 5)

            def forward(self, x):
                h, _ = self.lstm(x)
                return self.fc2(torch.tanh(self.fc1(h)))
    """,
    "hardtanh": """
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(20, 64)
                self.act = nn.Hardtanh()
                self.fc2 = nn.Linear(64, 2)

            def forward(self, x):
                return self.fc2(self.act(self.fc1(x)))
    """,
}


@pytest.mark.parametrize("case", SILENT_SATURATING)
def test_hp209_outputs_gates_and_recurrent_models_stay_silent(project, case):
    header = "import torch\nimport torch.nn.functional as F\nfrom torch import nn\n\n\n"
    model = header + source(SILENT_SATURATING[case])
    assert project({"model.py": model}).findings("HP209") == []


def test_hp209_tanh_squashed_action_beside_a_value_head_stays_silent(project):
    model = source("""
        import torch
        import torch.nn.functional as F
        from torch import nn


        class ActorCritic(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = nn.Linear(8, 64)
                self.mu = nn.Linear(64, 2)
                self.value = nn.Linear(64, 1)

            def forward(self, obs):
                h = F.relu(self.body(obs))
                action = torch.tanh(self.mu(h))  # bounded action: an output
                return action, self.value(h)
    """)
    assert project({"model.py": model}).findings("HP209") == []


def test_hp209_additive_attention_stays_silent(project):
    model = source("""
        import torch
        import torch.nn.functional as F
        from torch import nn


        class Attention(nn.Module):
            def __init__(self, enc_hid_dim, dec_hid_dim):
                super().__init__()
                self.attn = nn.Linear(enc_hid_dim * 2 + dec_hid_dim, dec_hid_dim)
                self.v = nn.Linear(dec_hid_dim, 1, bias=False)

            def forward(self, hidden, encoder_outputs):
                energy = torch.tanh(self.attn(torch.cat((hidden, encoder_outputs), dim=2)))
                attention = self.v(energy).squeeze(2)
                return F.softmax(attention, dim=1)
    """)
    assert project({"model.py": model}).findings("HP209") == []


@pytest.mark.parametrize(
    "pooling",
    ["weights.mm(h)", "torch.mm(weights, h)", "weights.matmul(h)"],
)
def test_hp209_sigmoid_attention_weights_applied_through_a_matrix_product_are_a_gate(project, pooling):
    model = source(f"""
        import torch
        import torch.nn.functional as F
        from torch import nn


        class AttentionMIL(nn.Module):
            \"\"\"Multiple-instance learning: a bag of instance features pooled by learned sigmoid weights.\"\"\"

            def __init__(self, in_dim=512, hidden=128, classes=2):
                super().__init__()
                self.embed = nn.Linear(in_dim, hidden)
                self.score = nn.Linear(hidden, 1)
                self.classifier = nn.Linear(hidden, classes)

            def forward(self, bag):
                h = F.relu(self.embed(bag))  # (instances, hidden)
                weights = torch.sigmoid(self.score(h)).t()  # (1, instances)
                pooled = {pooling} / weights.sum()
                return self.classifier(pooled)
    """)
    assert project({"model.py": model}).findings("HP209") == []


def test_hp209_sigmoid_attention_matrix_used_by_a_helper_method_is_a_gate(project):
    model = source("""
        import torch
        from torch import nn


        class SigmoidSelfAttention(nn.Module):
            def __init__(self, dim=64):
                super().__init__()
                self.query = nn.Linear(dim, dim)
                self.key = nn.Linear(dim, dim)
                self.value = nn.Linear(dim, dim)
                self.proj = nn.Linear(dim, dim)

            def mix(self, scores, values):
                return torch.bmm(scores, values)

            def forward(self, x):
                scores = self.query(x).bmm(self.key(x).transpose(1, 2)) / x.size(-1) ** 0.5
                attention = torch.sigmoid(scores)
                return self.proj(self.mix(attention, self.value(x)))
    """)
    assert project({"model.py": model}).findings("HP209") == []


def test_hp209_a_gated_tanh_unit_written_in_a_helper_method_is_a_gate(project):
    # tanh(a) * sigmoid(b), as in WaveNet, multiplied in a method forward calls rather than in forward itself
    model = source("""
        import torch
        from torch import nn


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(20, 64)
                self.fc2 = nn.Linear(64, 2)
                self.gate = nn.Linear(20, 64)

            def gated(self, x, h):
                return h.mul(torch.sigmoid(self.gate(x)))

            def forward(self, x):
                return self.fc2(self.gated(x, torch.tanh(self.fc1(x))))
    """)
    assert project({"model.py": model}).findings("HP209") == []


# ---------------------------------------------------------------- HP210 dropout-range

DROPOUTS = source("""
    import argparse

    import torch.nn.functional as F
    from torch import nn

    DROP = 0.7

    parser = argparse.ArgumentParser()
    parser.add_argument("--dropout", type=float, default=0.6)
    args = parser.parse_args()


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.keep_prob = nn.Dropout(0.8)
            self.everything = nn.Dropout(p=1.0)
            self.shared1 = nn.Dropout(DROP)
            self.shared2 = nn.Dropout2d(DROP)
            self.from_args = nn.Dropout(args.dropout)
            self.lstm = nn.LSTM(10, 20, num_layers=2, dropout=0.65)
            self.encoder = nn.TransformerEncoderLayer(512, 8, dropout=-0.1)
            self.half = nn.Dropout(0.5)
            self.default = nn.Dropout()
            self.none = nn.Dropout(0.0)

        def forward(self, x):
            x = F.dropout(x, 0.75, training=self.training)
            return F.dropout(x, p=0.5, training=self.training)
""")


def test_hp210_flags_high_and_impossible_dropout_where_written(project):
    findings = project({"model.py": DROPOUTS}).findings("HP210")
    got = sorted((f["line"], f["column"], f["severity"]) for f in findings)
    expected = sorted([
        (line_of(DROPOUTS, "DROP = 0.7"), column_of(DROPOUTS, "DROP = 0.7", "0.7"), "warning"),
        (line_of(DROPOUTS, '"--dropout"'), column_after(DROPOUTS, '"--dropout"', "default="), "warning"),
        (line_of(DROPOUTS, "self.keep_prob"), column_of(DROPOUTS, "self.keep_prob", "0.8"), "warning"),
        (line_of(DROPOUTS, "self.everything"), column_after(DROPOUTS, "self.everything", "p="), "error"),
        (line_of(DROPOUTS, "self.lstm"), column_after(DROPOUTS, "self.lstm", "dropout="), "warning"),
        (line_of(DROPOUTS, "self.encoder"), column_after(DROPOUTS, "self.encoder", "dropout="), "error"),
        (line_of(DROPOUTS, "0.75"), column_of(DROPOUTS, "0.75", "0.75"), "warning"),
    ])
    assert got == expected
    by_line = {f["line"]: f["message"] for f in findings}
    assert by_line[line_of(DROPOUTS, "self.keep_prob")] == (
        f"dropout p=0.8 (Dropout at model.py:{line_of(DROPOUTS, 'self.keep_prob')}) drops more than 0.5 of the "
        "units: the network underfits; start from 0.2–0.5"
    )
    assert by_line[line_of(DROPOUTS, "self.everything")] == (
        f"dropout p=1 (Dropout at model.py:{line_of(DROPOUTS, 'self.everything')}) is not a probability in [0, 1): "
        "it fails or drops every unit"
    )
    assert by_line[line_of(DROPOUTS, "self.encoder")].startswith("dropout p=-0.1 (TransformerEncoderLayer at ")
    assert by_line[line_of(DROPOUTS, "self.lstm")].startswith("dropout p=0.65 (LSTM at ")
    # a constant used by two layers is one finding, naming the first use
    assert by_line[line_of(DROPOUTS, "DROP = 0.7")].startswith(
        f"dropout p=0.7 (Dropout at model.py:{line_of(DROPOUTS, 'self.shared1')})"
    )
    assert by_line[line_of(DROPOUTS, '"--dropout"')].startswith(
        f"dropout p=0.6 (Dropout at model.py:{line_of(DROPOUTS, 'self.from_args')})"
    )


def test_hp210_max_from_pyproject(project):
    linted = project({"model.py": DROPOUTS, "pyproject.toml": "[tool.hplint.rules.HP210]\nmax = 0.75\n"})
    findings = linted.findings("HP210")
    assert sorted((f["line"], f["severity"]) for f in findings) == sorted([
        (line_of(DROPOUTS, "self.keep_prob"), "warning"),
        (line_of(DROPOUTS, "self.everything"), "error"),
        (line_of(DROPOUTS, "self.encoder"), "error"),
    ])


TRAIN_CONFIG = source("""
    model:
      hidden: 256
      dropout: 0.8
    optimizer:
      lr: 0.001
      weight_decay: 0.0001
""")


def test_hp210_config_key_of_a_training_config(project):
    findings = project({"configs/train.yaml": TRAIN_CONFIG}).findings("HP210")
    assert where(findings) == [("configs/train.yaml", line_of(TRAIN_CONFIG, "dropout"))]
    assert findings[0]["message"].startswith("dropout p=0.8 (key model.dropout) drops more than 0.5")


def test_hp210_config_value_used_by_code_is_one_finding_in_the_config(project):
    model = source("""
        import yaml
        from torch import nn

        with open("configs/train.yaml") as f:
            CONFIG = yaml.safe_load(f)


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(100, CONFIG["model"]["hidden"])
                self.dropout = nn.Dropout(CONFIG["model"]["dropout"])
    """)
    findings = project({"configs/train.yaml": TRAIN_CONFIG, "model.py": model}).findings("HP210")
    assert where(findings) == [("configs/train.yaml", line_of(TRAIN_CONFIG, "dropout"))]
    assert findings[0]["message"].startswith(f"dropout p=0.8 (Dropout at model.py:{line_of(model, 'nn.Dropout')})")


def test_hp210_mmengine_style_python_config(project):
    config = source("""
        model = dict(type="VisionTransformer", drop_rate=0.7)
        optim_wrapper = dict(optimizer=dict(type="AdamW", lr=0.001, weight_decay=0.05))
    """)
    findings = project({"configs/vit.py": config}).findings("HP210")
    assert where(findings) == [("configs/vit.py", 1)]
    assert "(key model.drop_rate)" in findings[0]["message"]


def test_hp210_a_lone_dropout_key_outside_a_training_config_stays_silent(project):
    linted = project({"notes.yaml": "dropout: 0.9\nauthor: someone\n"})
    assert linted.findings("HP210") == []


def test_hp210_other_functional_dropouts_are_read(project):
    model = source("""
        import torch.nn.functional as F
        from torch import nn


        class Net(nn.Module):
            def forward(self, x):
                return F.dropout1d(x, 0.9, training=self.training)
    """)
    assert len(project({"model.py": model}).findings("HP210")) == 1
