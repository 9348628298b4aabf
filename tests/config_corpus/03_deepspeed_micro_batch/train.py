"""Fine-tune GPT-2 medium on a text corpus with DeepSpeed (launched with the deepspeed launcher)."""
import argparse

import deepspeed
import torch
from torch.utils.data import DataLoader, Dataset
from transformers import AutoModelForCausalLM


class TokenBlocks(Dataset):
    def __init__(self, path, block_size=1024):
        self.data = torch.load(path)
        self.block_size = block_size

    def __len__(self):
        return (len(self.data) - 1) // self.block_size

    def __getitem__(self, i):
        chunk = self.data[i * self.block_size : (i + 1) * self.block_size + 1]
        return chunk[:-1], chunk[1:]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--local_rank", type=int, default=-1)
    parser.add_argument("--train-data", default="data/train_tokens.pt")
    parser.add_argument("--steps", type=int, default=20000)
    args = parser.parse_args()

    model = AutoModelForCausalLM.from_pretrained("gpt2-medium")
    engine, _, loader, _ = deepspeed.initialize(
        model=model,
        model_parameters=model.parameters(),
        training_data=TokenBlocks(args.train_data),
        config="ds_config.json",
    )
    engine.train()
    step = 0
    while step < args.steps:
        for inputs, labels in loader:
            inputs, labels = inputs.to(engine.device), labels.to(engine.device)
            loss = engine(input_ids=inputs, labels=labels).loss
            engine.backward(loss)
            engine.step()
            step += 1
            if step >= args.steps:
                break
    engine.save_checkpoint("checkpoints")


if __name__ == "__main__":
    main()
