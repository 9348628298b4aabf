"""What names mean: hyperparameter key aliases and the library APIs hplint knows.

One place for both config and Python extraction, so `optim.lr` in YAML and
`lr=` in `torch.optim.SGD(...)` are the same hyperparameter.
"""

from __future__ import annotations

import functools
import re

# Canonical hyperparameter -> config keys that set it (compared case-insensitively).
HYPERPARAMETER_KEYS: dict[str, frozenset[str]] = {
    "lr": frozenset({"lr", "learning_rate", "base_lr", "learningrate"}),
    # Per device (per process): what one forward pass holds.
    "batch_size": frozenset({
        "batch_size", "batchsize", "train_batch_size", "per_device_train_batch_size",
        "train_micro_batch_size_per_gpu", "micro_batch_size", "samples_per_gpu", "batch_size_per_gpu",
    }),
    # Every sample of an optimizer step, across devices and accumulation.
    "global_batch_size": frozenset({"global_batch_size", "total_batch_size", "ims_per_batch", "effective_batch_size"}),
    "eval_batch_size": frozenset({
        "eval_batch_size", "val_batch_size", "test_batch_size", "valid_batch_size",
        "per_device_eval_batch_size",
    }),
    "epochs": frozenset({"epochs", "max_epochs", "num_epochs", "num_train_epochs", "n_epochs"}),
    "max_steps": frozenset({"max_steps", "max_iter", "max_iters", "num_steps", "train_steps"}),
    "grad_accum": frozenset({
        "gradient_accumulation_steps", "accumulate_grad_batches", "grad_accum", "update_freq", "accumulative_counts",
        "accumulation_steps", "grad_accumulation_steps",
    }),
    "dropout": frozenset({"dropout", "drop_rate", "dropout_rate", "dropout_prob", "hidden_dropout_prob"}),
    "weight_decay": frozenset({"weight_decay", "wd"}),
    "momentum": frozenset({"momentum"}),
    "optimizer": frozenset({"optimizer", "optim", "optimizer_name"}),
    "warmup": frozenset({"warmup_steps", "warmup_epochs", "warmup_ratio", "warmup_iters"}),
    "patience": frozenset({"patience", "early_stopping_patience"}),
    "devices": frozenset({"devices", "gpus", "num_gpus", "n_gpu", "num_processes", "nproc_per_node"}),
    "nodes": frozenset({"num_nodes", "nnodes", "num_machines"}),
}

# Keys of a DeepSpeed config: beside them, `train_batch_size` is the global batch (micro × accumulation × GPUs).
DEEPSPEED_KEYS = frozenset({
    "train_micro_batch_size_per_gpu", "zero_optimization", "steps_per_print", "gradient_clipping", "fp16", "bf16",
    "wall_clock_breakdown", "zero_allow_untested_optimizer",
})

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
    "deepspeed", "timm", "keras", "tensorflow", "sklearn", "datasets",
)

OPTIMIZERS = frozenset({
    "torch.optim.SGD", "torch.optim.Adam", "torch.optim.AdamW", "torch.optim.RMSprop",
    "torch.optim.Adagrad", "torch.optim.Adadelta", "torch.optim.Adamax", "torch.optim.NAdam",
    "torch.optim.RAdam", "torch.optim.ASGD", "torch.optim.Rprop", "torch.optim.LBFGS",
    "torch.optim.SparseAdam", "torch.optim.Adafactor",
})

# Calls that make a new tensor (no gradient unless asked for with requires_grad=True).
TENSOR_CONSTRUCTORS = frozenset({
    "torch.zeros", "torch.ones", "torch.randn", "torch.rand", "torch.empty", "torch.full", "torch.tensor",
    "torch.arange", "torch.linspace", "torch.zeros_like", "torch.ones_like", "torch.randn_like", "torch.from_numpy",
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

# Parsers that fill dataclasses from `--learning_rate 2e-5 --per_device_train_batch_size 4` on the command line.
ARGUMENT_DATACLASS_PARSERS = frozenset({"transformers.HfArgumentParser", "transformers.hf_argparser.HfArgumentParser"})

TRAINING_ARGUMENTS_SHORT = frozenset(api.rpartition(".")[2] for api in TRAINING_ARGUMENTS)

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
IMPORTED_NOT_PROJECT = frozenset(WATCHED_MODULES) | {"tensorflow.keras",
    "os", "sys", "math", "random", "time", "json", "yaml", "re", "argparse", "logging", "typing",
    "collections", "functools", "itertools", "pathlib", "copy", "shutil", "glob", "pickle",
    "numpy", "pandas", "tqdm", "omegaconf", "hydra", "wandb", "mlflow", "sklearn", "PIL", "cv2",
    "datasets", "tensorboard", "matplotlib", "scipy", "einops", "dataclasses", "contextlib",
    # Metric objects are modules one calls inside evaluation loops, never the model trained.
    "torchmetrics", "torcheval", "evaluate",
}
SCHEDULER_MODULES = ("torch.optim.lr_scheduler.", "timm.scheduler.", "transformers.get_", "transformers.optimization.")
# torch functions inside forward that join tensors from two paths (skip connections, dense blocks).
MERGING_FUNCTIONS = frozenset({"torch.cat", "torch.add", "torch.concat", "torch.stack"})
GATING_FUNCTIONS = frozenset({"torch.mul", "torch.addcmul", "torch.matmul", "torch.bmm", "torch.einsum", "torch.baddbmm"})
DATA_SPLITS = frozenset({
    "torch.utils.data.random_split", "torch.utils.data.Subset", "torch.utils.data.dataset.random_split",
    "sklearn.model_selection.train_test_split", "sklearn.model_selection.KFold",
    "sklearn.model_selection.StratifiedKFold",
})
TO_TENSOR = frozenset({
    "torchvision.transforms.ToTensor", "torchvision.transforms.v2.ToTensor",
    "torchvision.transforms.v2.ToImage", "torchvision.transforms.functional.to_tensor",
})
# Keyword arguments that pass held-out data to a framework (Keras fit, Lightning fit, HF Trainer).
HELD_OUT_KEYWORDS = frozenset({"eval_dataset", "validation_split", "validation_data", "val_dataloaders", "eval_dataloader"})
# The learning rate each adaptive optimizer uses by default (torch.optim).
ADAPTIVE_DEFAULT_LR = {
    "Adam": 1e-3, "AdamW": 1e-3, "RMSprop": 1e-2, "Adagrad": 1e-2, "NAdam": 2e-3, "RAdam": 1e-3,
    "Adamax": 2e-3, "Adadelta": 1.0, "SparseAdam": 1e-3, "Adafactor": 1e-2,
}
NON_ADAPTIVE_OPTIMIZERS = frozenset({"SGD", "ASGD"})
# Optimizers that scale each layer's step by its own trust ratio: the configured lr is not the step size.
LAYERWISE_SCALED_OPTIMIZERS = frozenset({"LARS", "LARC"})
_OPTIMIZER_NAMES = {
    name.lower(): name
    for name in (*ADAPTIVE_DEFAULT_LR, *NON_ADAPTIVE_OPTIMIZERS, *LAYERWISE_SCALED_OPTIMIZERS, "LBFGS", "Rprop")
}
# Schedules under which the configured lr is a multiplier (peak = lr / sqrt(d_model · warmup)), not a rate.
INVERSE_SQRT_SCHEDULE = re.compile(r"noam|inverse_?sqrt|inversesquareroot|rsqrt", re.IGNORECASE)


def optimizer_named(text: str) -> str | None:
    """`torch.optim.AdamW`, `adamw`, `adamw_torch_fused`, `Adam` -> the torch.optim class name."""
    name = text.rpartition(".")[2].lower()
    if name in _OPTIMIZER_NAMES:
        return _OPTIMIZER_NAMES[name]
    for prefix in ("adamw", "adafactor", "adam", "sgd", "rmsprop", "adagrad"):
        if name.startswith(prefix + "_"):
            return _OPTIMIZER_NAMES[prefix]
    return None


# Early stopping callbacks: (patience keyword, its position, its default).
EARLY_STOPPING = {
    "lightning.pytorch.callbacks.EarlyStopping": ("patience", 2, 3),
    "lightning.pytorch.callbacks.early_stopping.EarlyStopping": ("patience", 2, 3),
    "lightning.pytorch.EarlyStopping": ("patience", 2, 3),
    "pytorch_lightning.callbacks.EarlyStopping": ("patience", 2, 3),
    "keras.callbacks.EarlyStopping": ("patience", 2, 0),
    "tensorflow.keras.callbacks.EarlyStopping": ("patience", 2, 0),
    "transformers.EarlyStoppingCallback": ("early_stopping_patience", 0, 1),
    "transformers.trainer_callback.EarlyStoppingCallback": ("early_stopping_patience", 0, 1),
}
CHECKPOINTS = frozenset({
    "lightning.pytorch.callbacks.ModelCheckpoint", "pytorch_lightning.callbacks.ModelCheckpoint",
    "keras.callbacks.ModelCheckpoint", "tensorflow.keras.callbacks.ModelCheckpoint",
})
SCHEDULE_CONFIG_KEYS = frozenset({
    "lr_scheduler", "scheduler", "lr_scheduler_type", "steps", "lr_policy", "schedule", "sched",
    "param_scheduler", "lr_schedule", "milestones", "warmup_steps", "warmup_ratio", "warmup_epochs",
})
DECAYING_SCHEDULERS = frozenset({
    "torch.optim.lr_scheduler.StepLR", "torch.optim.lr_scheduler.MultiStepLR", "torch.optim.lr_scheduler.ExponentialLR",
})
# Words in an `if` test that show a loop tracking the best epoch or stopping early by hand.
STOPPING_WORDS = ("best", "patience", "early_stop", "no_improve", "bad_epochs")
# Layer families, by torch.nn class name.
LINEAR_LAYERS = frozenset({"Linear", "LazyLinear", "Bilinear"})
CONV_LAYERS = frozenset({"Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d", "LazyConv2d"})
IMAGE_CONVS = frozenset({"torch.nn.Conv2d", "torch.nn.Conv3d"})
RECURRENT_LAYERS = frozenset({"RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"})
RECURRENT_APIS = frozenset({"torch.nn.RNN", "torch.nn.LSTM", "torch.nn.GRU"})
NORM_LAYERS = frozenset({
    "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "SyncBatchNorm", "GroupNorm", "LayerNorm", "InstanceNorm1d",
    "InstanceNorm2d", "InstanceNorm3d", "LocalResponseNorm", "RMSNorm", "LazyBatchNorm2d",
})
NORM_FUNCTIONS = frozenset({"batch_norm", "layer_norm", "group_norm", "instance_norm", "normalize", "rms_norm"})
ATTENTION_LAYERS = frozenset({
    "MultiheadAttention", "Transformer", "TransformerEncoder", "TransformerDecoder", "TransformerEncoderLayer",
    "TransformerDecoderLayer",
})
# Operations that may end a network whose output is logits or a regression value, but should not.
HIDDEN_OUTPUT_OPS = frozenset({
    "relu", "ReLU", "relu6", "ReLU6", "leaky_relu", "LeakyReLU", "elu", "ELU", "selu", "SELU", "gelu", "GELU",
    "silu", "SiLU", "mish", "Mish", "prelu", "PReLU", "dropout", "Dropout", "BatchNorm1d", "BatchNorm2d",
    "LayerNorm", "batch_norm", "layer_norm", "GroupNorm",
})
SATURATING = frozenset({"sigmoid", "Sigmoid", "tanh", "Tanh"})
# Losses that take logits or regression values (what HP202 protects).
LOGIT_OR_VALUE_LOSSES = frozenset({
    "torch.nn.CrossEntropyLoss", "torch.nn.functional.cross_entropy", "torch.nn.BCEWithLogitsLoss",
    "torch.nn.functional.binary_cross_entropy_with_logits", "torch.nn.MSELoss", "torch.nn.functional.mse_loss",
    "torch.nn.L1Loss", "torch.nn.functional.l1_loss", "torch.nn.SmoothL1Loss", "torch.nn.HuberLoss",
})
DROPOUT_LAYERS = frozenset({
    "torch.nn.Dropout", "torch.nn.Dropout1d", "torch.nn.Dropout2d", "torch.nn.Dropout3d", "torch.nn.AlphaDropout",
    "torch.nn.FeatureAlphaDropout", "torch.nn.functional.dropout", "torch.nn.functional.dropout1d",
    "torch.nn.functional.dropout2d", "torch.nn.functional.dropout3d", "torch.nn.functional.alpha_dropout",
})
CONSTANT_INITS = frozenset({
    "torch.nn.init.zeros_", "torch.nn.init.ones_", "torch.nn.init.constant_", "torch.nn.init.zeros",
    "torch.nn.init.constant",
})
WEIGHTED_LAYERS = LINEAR_LAYERS | CONV_LAYERS | RECURRENT_LAYERS

_EVAL_WORDS = frozenset({
    "val", "valid", "validation", "validate", "eval", "evaluate", "evaluation", "test", "testing",
    "predict", "prediction", "infer", "inference", "dev", "holdout",
})
_EVAL_PREFIXES = ("val", "valid", "eval", "test", "dev")
_DATA_SUFFIXES = ("loader", "loaders", "set", "sets", "data", "dataset", "ds", "dl", "iter", "batches", "split")
_EVAL_NAMES = _EVAL_WORDS | {prefix + suffix for prefix in _EVAL_PREFIXES for suffix in _DATA_SUFFIXES}
_WORD = re.compile(r"[a-z]+|[A-Z][a-z]*")


def name_words(name: str) -> list[str]:
    """`val_loader` -> val, loader; `testLoader` -> test, Loader."""
    return _WORD.findall(name)


@functools.lru_cache(maxsize=1 << 16)
def names_evaluation(name: str | None) -> bool:
    """`val_loader`, `testloader`, `LitModel.val_dataloader`, `eval`: evaluation, not training.

    Whole words only: `values`, `devices` and `interval` are not evaluation.
    """
    if not name:
        return False
    return any(word.lower() in _EVAL_NAMES for word in _WORD.findall(name.rpartition(".")[2] or name))


@functools.lru_cache(maxsize=1 << 16)
def names_data(name: str) -> bool:
    """`loader`, `val_dl`, `test_dataset`, `batches`: something that yields batches (`offsets` does not)."""
    words = [word.lower() for word in _WORD.findall(name)]
    return any(word in _DATA_WORDS or word.endswith(("loader", "dataset")) for word in words)


_DATA_WORDS = frozenset({"loader", "loaders", "dataloader", "dl", "ds", "dataset", "data", "batch", "batches", "iter"})
