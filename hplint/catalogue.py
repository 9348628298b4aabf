"""What names mean: hyperparameter key aliases and the library APIs hplint knows.

One place for both config and Python extraction, so `optim.lr` in YAML and
`lr=` in `torch.optim.SGD(...)` are the same hyperparameter.
"""

from __future__ import annotations

# Canonical hyperparameter -> config keys that set it (compared case-insensitively).
HYPERPARAMETER_KEYS: dict[str, frozenset[str]] = {
    "lr": frozenset({"lr", "learning_rate", "base_lr", "learningrate"}),
    "batch_size": frozenset({
        "batch_size", "batchsize", "train_batch_size", "per_device_train_batch_size",
        "train_micro_batch_size_per_gpu", "ims_per_batch", "micro_batch_size", "samples_per_gpu",
    }),
    "eval_batch_size": frozenset({
        "eval_batch_size", "val_batch_size", "test_batch_size", "valid_batch_size",
        "per_device_eval_batch_size",
    }),
    "epochs": frozenset({"epochs", "max_epochs", "num_epochs", "num_train_epochs", "n_epochs"}),
    "max_steps": frozenset({"max_steps", "max_iter", "max_iters", "num_steps", "train_steps"}),
    "grad_accum": frozenset({"gradient_accumulation_steps", "accumulate_grad_batches", "grad_accum"}),
    "dropout": frozenset({"dropout", "drop_rate", "dropout_rate", "dropout_prob", "hidden_dropout_prob"}),
    "weight_decay": frozenset({"weight_decay", "wd"}),
    "momentum": frozenset({"momentum"}),
    "optimizer": frozenset({"optimizer", "optim", "optimizer_name"}),
    "warmup": frozenset({"warmup_steps", "warmup_epochs", "warmup_ratio", "warmup_iters"}),
    "patience": frozenset({"patience", "early_stopping_patience"}),
    "devices": frozenset({"devices", "gpus", "num_gpus", "n_gpu", "num_processes", "nproc_per_node"}),
}

# Batch-size keys that already count every sample of an optimizer step, across devices.
GLOBAL_BATCH_KEYS = frozenset({"ims_per_batch", "train_batch_size"})

# Section names under which a batch size belongs to evaluation, not to optimizer steps.
EVALUATION_SECTIONS = frozenset({
    "val", "valid", "validation", "eval", "evaluation", "test", "testing", "val_dataloader",
    "test_dataloader", "val_loader", "test_loader", "inference", "predict",
})

_KEY_TO_HYPERPARAMETER = {
    key: name for name, keys in HYPERPARAMETER_KEYS.items() for key in keys
}


def hyperparameter_for_key(key: str) -> str | None:
    """The canonical hyperparameter a config key sets, or None."""
    return _KEY_TO_HYPERPARAMETER.get(key.lower())


# Module prefixes whose calls the Python extractor records.
WATCHED_MODULES = (
    "torch", "torchvision", "lightning", "pytorch_lightning", "transformers", "accelerate",
    "deepspeed", "timm", "keras", "tensorflow.keras",
)

OPTIMIZERS = frozenset({
    "torch.optim.SGD", "torch.optim.Adam", "torch.optim.AdamW", "torch.optim.RMSprop",
    "torch.optim.Adagrad", "torch.optim.Adadelta", "torch.optim.Adamax", "torch.optim.NAdam",
    "torch.optim.RAdam", "torch.optim.ASGD", "torch.optim.Rprop", "torch.optim.LBFGS",
    "torch.optim.SparseAdam", "torch.optim.Adafactor",
})

DATA_LOADERS = frozenset({"torch.utils.data.DataLoader", "torch.utils.data.dataloader.DataLoader"})

TRAINING_ARGUMENTS = frozenset({
    "transformers.TrainingArguments", "transformers.Seq2SeqTrainingArguments",
    "transformers.training_args.TrainingArguments",
})

LIGHTNING_TRAINERS = frozenset({"lightning.Trainer", "lightning.pytorch.Trainer", "pytorch_lightning.Trainer"})
# Keyword arguments of framework calls that set a hyperparameter.
CALL_HYPERPARAMETERS: dict[str, dict[str, str]] = {
    **{trainer: {
        "max_epochs": "epochs", "max_steps": "max_steps", "accumulate_grad_batches": "grad_accum",
        "devices": "devices", "gpus": "devices",
    } for trainer in LIGHTNING_TRAINERS},
}

VANILLA_RNNS = frozenset({"torch.nn.RNN", "torch.nn.RNNCell"})

# Losses that apply an activation to their input themselves, and the activation they apply.
LOSS_APPLIES = {
    "torch.nn.CrossEntropyLoss": "softmax",
    "torch.nn.functional.cross_entropy": "softmax",
    "torch.nn.BCEWithLogitsLoss": "sigmoid",
    "torch.nn.functional.binary_cross_entropy_with_logits": "sigmoid",
}

LOSSES = frozenset(LOSS_APPLIES) | {
    "torch.nn.NLLLoss", "torch.nn.functional.nll_loss", "torch.nn.BCELoss",
    "torch.nn.functional.binary_cross_entropy", "torch.nn.MSELoss", "torch.nn.functional.mse_loss",
    "torch.nn.L1Loss", "torch.nn.functional.l1_loss", "torch.nn.SmoothL1Loss",
    "torch.nn.HuberLoss", "torch.nn.KLDivLoss", "torch.nn.functional.kl_div",
}

# Functions, layer classes and tensor methods that name an output activation.
ACTIVATION_FUNCTIONS = {
    "torch.softmax": "softmax", "torch.nn.functional.softmax": "softmax",
    "torch.special.softmax": "softmax", "torch.sigmoid": "sigmoid",
    "torch.nn.functional.sigmoid": "sigmoid", "torch.special.expit": "sigmoid",
    "torch.log_softmax": "log_softmax", "torch.nn.functional.log_softmax": "log_softmax",
    "torch.special.log_softmax": "log_softmax", "torch.relu": "relu",
    "torch.nn.functional.relu": "relu", "torch.tanh": "tanh", "torch.nn.functional.tanh": "tanh",
    "torch.exp": "exp",
}
ACTIVATION_LAYERS = {
    "torch.nn.Softmax": "softmax", "torch.nn.Sigmoid": "sigmoid", "torch.nn.LogSoftmax": "log_softmax",
    "torch.nn.ReLU": "relu", "torch.nn.Tanh": "tanh",
}
ACTIVATION_METHODS = {
    "softmax": "softmax", "sigmoid": "sigmoid", "log_softmax": "log_softmax", "relu": "relu",
    "tanh": "tanh", "exp": "exp",
}
# Tensor methods that reshape or move a tensor without changing what it holds.
TRANSPARENT_METHODS = frozenset({
    "view", "reshape", "squeeze", "unsqueeze", "flatten", "contiguous", "float", "double",
    "half", "to", "cuda", "cpu", "permute", "transpose",
})
# Wrappers that return the same model: `model = torch.compile(model)`.
MODEL_WRAPPERS = frozenset({
    "torch.compile", "torch.nn.DataParallel", "torch.nn.parallel.DistributedDataParallel",
    "torch.nn.parallel.DataParallel",
})
MODULE_BASES = frozenset({
    "torch.nn.Module", "lightning.LightningModule", "lightning.pytorch.LightningModule",
    "pytorch_lightning.LightningModule", "lightning.pytorch.core.LightningModule",
})
SEQUENTIAL = "torch.nn.Sequential"

# Calls that read a config file; their first argument is the file (or an open() of it).
CONFIG_LOADERS = frozenset({
    "yaml.safe_load", "yaml.load", "yaml.full_load", "yaml.unsafe_load", "json.load",
    "omegaconf.OmegaConf.load", "toml.load", "tomllib.load", "tomli.load",
})
HYDRA_MAIN = "hydra.main"
GRAD_SCALERS = frozenset({"torch.cuda.amp.GradScaler", "torch.amp.GradScaler", "torch.GradScaler"})
NO_GRAD_CONTEXTS = frozenset({"torch.no_grad", "torch.inference_mode", "torch.autograd.no_grad"})
MODULE_LIST = "torch.nn.ModuleList"
# Top-level modules whose functions are never the project's own.
IMPORTED_NOT_PROJECT = frozenset(WATCHED_MODULES) | {
    "os", "sys", "math", "random", "time", "json", "yaml", "re", "argparse", "logging", "typing",
    "collections", "functools", "itertools", "pathlib", "copy", "shutil", "glob", "pickle",
    "numpy", "pandas", "tqdm", "omegaconf", "hydra", "wandb", "mlflow", "sklearn", "PIL", "cv2",
    "datasets", "tensorboard", "matplotlib", "scipy", "einops", "dataclasses", "contextlib",
}
