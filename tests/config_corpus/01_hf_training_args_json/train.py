"""Fine-tune RoBERTa on MNLI. All arguments come from configs/training_args.json."""
from dataclasses import dataclass, field

import numpy as np
from datasets import load_dataset
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    DataCollatorWithPadding,
    HfArgumentParser,
    Trainer,
    TrainingArguments,
)


@dataclass
class ModelArguments:
    model_name_or_path: str = field(default="roberta-base")


@dataclass
class DataArguments:
    task_name: str = field(default="mnli")
    max_seq_length: int = field(default=128)


def compute_metrics(eval_pred):
    logits, labels = eval_pred
    predictions = np.argmax(logits, axis=-1)
    return {"accuracy": float((predictions == labels).mean())}


def main():
    parser = HfArgumentParser((ModelArguments, DataArguments, TrainingArguments))
    model_args, data_args, training_args = parser.parse_json_file(json_file="configs/training_args.json")

    raw = load_dataset("glue", data_args.task_name)
    tokenizer = AutoTokenizer.from_pretrained(model_args.model_name_or_path)

    def tokenize(batch):
        return tokenizer(
            batch["premise"], batch["hypothesis"], truncation=True, max_length=data_args.max_seq_length
        )

    encoded = raw.map(tokenize, batched=True)
    model = AutoModelForSequenceClassification.from_pretrained(model_args.model_name_or_path, num_labels=3)
    trainer = Trainer(
        model=model,
        args=training_args,
        train_dataset=encoded["train"],
        eval_dataset=encoded["validation_matched"],
        tokenizer=tokenizer,
        data_collator=DataCollatorWithPadding(tokenizer),
        compute_metrics=compute_metrics,
    )
    trainer.train()
    trainer.save_model()


if __name__ == "__main__":
    main()
