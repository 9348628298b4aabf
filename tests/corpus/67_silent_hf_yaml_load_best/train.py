import numpy as np
import yaml
from datasets import load_dataset
from scipy.stats import pearsonr
from transformers import AutoModelForSequenceClassification, AutoTokenizer, Trainer, TrainingArguments

with open("configs/train.yaml") as f:
    cfg = yaml.safe_load(f)

tokenizer = AutoTokenizer.from_pretrained(cfg["model_name"])
raw = load_dataset("csv", data_files={"train": "data/train.csv", "validation": "data/valid.csv"})


def encode(batch):
    enc = tokenizer(batch["anchor"], batch["target"], truncation=True, max_length=cfg["max_length"])
    enc["labels"] = [float(s) for s in batch["score"]]
    return enc


data = raw.map(encode, batched=True)
model = AutoModelForSequenceClassification.from_pretrained(cfg["model_name"], num_labels=1)


def compute_metrics(pred):
    return {"pearson": pearsonr(np.squeeze(pred.predictions), pred.label_ids)[0]}


trainer = Trainer(
    model=model,
    args=TrainingArguments(**cfg["training"]),
    train_dataset=data["train"],
    eval_dataset=data["validation"],
    tokenizer=tokenizer,
    compute_metrics=compute_metrics,
)
trainer.train()
