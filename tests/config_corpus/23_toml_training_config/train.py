"""GPT-2 pre-training loop; settings from a TOML file (python train.py configs/gpt2_owt.toml)."""
import math
import sys
import tomllib

import numpy as np
import torch

from model import GPT, GPTConfig

with open(sys.argv[1] if len(sys.argv) > 1 else "configs/gpt2_owt.toml", "rb") as f:
    cfg = tomllib.load(f)

train_cfg, opt_cfg, sched_cfg = cfg["training"], cfg["optimizer"], cfg["schedule"]
block_size = cfg["model"]["block_size"]
data = np.memmap("data/openwebtext/train.bin", dtype=np.uint16, mode="r")


def get_batch():
    ix = torch.randint(len(data) - block_size, (train_cfg["batch_size"],))
    x = torch.stack([torch.from_numpy(data[i : i + block_size].astype(np.int64)) for i in ix])
    y = torch.stack([torch.from_numpy(data[i + 1 : i + 1 + block_size].astype(np.int64)) for i in ix])
    return x.cuda(), y.cuda()


def lr_at(it):
    if it < sched_cfg["warmup_iters"]:
        return opt_cfg["learning_rate"] * it / sched_cfg["warmup_iters"]
    ratio = (it - sched_cfg["warmup_iters"]) / (sched_cfg["lr_decay_iters"] - sched_cfg["warmup_iters"])
    coeff = 0.5 * (1.0 + math.cos(math.pi * min(ratio, 1.0)))
    return sched_cfg["min_lr"] + coeff * (opt_cfg["learning_rate"] - sched_cfg["min_lr"])


model = GPT(GPTConfig(**cfg["model"])).cuda()
optimizer = torch.optim.AdamW(
    model.parameters(),
    lr=opt_cfg["learning_rate"],
    betas=(opt_cfg["beta1"], opt_cfg["beta2"]),
    weight_decay=opt_cfg["weight_decay"],
)
for it in range(sched_cfg["max_iters"]):
    for group in optimizer.param_groups:
        group["lr"] = lr_at(it)
    for micro_step in range(train_cfg["gradient_accumulation_steps"]):
        x, y = get_batch()
        _, loss = model(x, y)
        (loss / train_cfg["gradient_accumulation_steps"]).backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), opt_cfg["grad_clip"])
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
