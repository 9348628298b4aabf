"""Token classification (CoNLL-2003) with a config mostly from the command line."""
import argparse
import os

import torch
from datasets import load_dataset
from torch.utils.data import DataLoader
from transformers import (
    AutoModelForTokenClassification,
    AutoTokenizer,
    DataCollatorForTokenClassification,
    Trainer,
    TrainingArguments,
)


def parse():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="bert-base-cased")
    ap.add_argument("--lr", type=float, default=2e-5)
    ap.add_argument("--train-bs", type=int, default=8)
    ap.add_argument("--epochs", type=float, default=3.0)
    return ap.parse_args()


def main():
    args = parse()
    ds = load_dataset("conll2003")
    labels = ds["train"].features["ner_tags"].feature.names
    tok = AutoTokenizer.from_pretrained(args.model)

    def align(batch):
        enc = tok(batch["tokens"], is_split_into_words=True, truncation=True)
        enc["labels"] = [
            [-100 if w is None else tags[w] for w in enc.word_ids(i)]
            for i, tags in enumerate(batch["ner_tags"])
        ]
        return enc

    tokenized = ds.map(align, batched=True, remove_columns=ds["train"].column_names)
    model = AutoModelForTokenClassification.from_pretrained(args.model, num_labels=len(labels))
    collator = DataCollatorForTokenClassification(tok)

    targs = TrainingArguments(
        output_dir=os.path.join("runs", os.path.basename(args.model)),
        learning_rate=args.lr,
        per_device_train_batch_size=args.train_bs,
        per_device_eval_batch_size=int(os.environ.get("EVAL_BS", 64)),
        gradient_accumulation_steps=2,
        num_train_epochs=args.epochs,
        eval_strategy="epoch",
    )
    trainer = Trainer(
        model=model,
        args=targs,
        train_dataset=tokenized["train"],
        eval_dataset=tokenized["validation"],
        data_collator=collator,
    )
    trainer.train()

    test_loader = DataLoader(tokenized["test"], batch_size=args.train_bs * 4, collate_fn=collator)
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for batch in test_loader:
            batch = {k: v.to(model.device) for k, v in batch.items()}
            pred = model(**batch).logits.argmax(-1)
            mask = batch["labels"] != -100
            correct += (pred[mask] == batch["labels"][mask]).sum().item()
            total += mask.sum().item()
    print(f"test token accuracy: {correct / total:.4f}")


if __name__ == "__main__":
    main()
