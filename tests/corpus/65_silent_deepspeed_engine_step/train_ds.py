import argparse

import deepspeed
import torch
from torch.utils.data import DataLoader
from transformers import AutoModelForCausalLM

from code_corpus import PackedCodeDataset

parser = argparse.ArgumentParser()
parser.add_argument("--local_rank", type=int, default=-1)
parser.add_argument("--epochs", type=int, default=2)
parser = deepspeed.add_config_arguments(parser)
args = parser.parse_args()

model = AutoModelForCausalLM.from_pretrained("bigcode/tiny_starcoder_py")
train_set = PackedCodeDataset("data/train", seq_len=2048)
val_set = PackedCodeDataset("data/val", seq_len=2048)

engine, _, train_loader, _ = deepspeed.initialize(args=args, model=model, model_parameters=model.parameters(), training_data=train_set, config="ds_config.json")
val_loader = DataLoader(val_set, batch_size=8)

for epoch in range(args.epochs):
    engine.train()
    for batch in train_loader:
        input_ids = batch["input_ids"].to(engine.device)
        loss = engine(input_ids=input_ids, labels=input_ids).loss
        engine.backward(loss)
        engine.step()

    engine.eval()
    total = 0.0
    with torch.no_grad():
        for batch in val_loader:
            input_ids = batch["input_ids"].to(engine.device)
            total += engine(input_ids=input_ids, labels=input_ids).loss.item()
    if engine.global_rank == 0:
        print(f"epoch {epoch}: val loss {total / len(val_loader):.4f}")
