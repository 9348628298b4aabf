import sys

import evaluate
import numpy as np
from datasets import load_dataset
from transformers import (
    AutoFeatureExtractor,
    AutoModelForAudioClassification,
    HfArgumentParser,
    Trainer,
    TrainingArguments,
)

parser = HfArgumentParser(TrainingArguments)
(training_args,) = parser.parse_json_file(json_file=sys.argv[1] if len(sys.argv) > 1 else "configs/train_args.json")

speech_commands = load_dataset("speech_commands", "v0.02")
extractor = AutoFeatureExtractor.from_pretrained("facebook/wav2vec2-base")
labels = speech_commands["train"].features["label"].names


def preprocess(batch):
    audio = [x["array"] for x in batch["audio"]]
    return extractor(audio, sampling_rate=16000, max_length=16000, truncation=True, padding="max_length")


encoded = speech_commands.map(preprocess, batched=True, remove_columns=["audio"])
model = AutoModelForAudioClassification.from_pretrained("facebook/wav2vec2-base", num_labels=len(labels))
accuracy = evaluate.load("accuracy")


def compute_metrics(pred):
    return accuracy.compute(predictions=np.argmax(pred.predictions, axis=1), references=pred.label_ids)


trainer = Trainer(
    model=model,
    args=training_args,
    train_dataset=encoded["train"],
    eval_dataset=encoded["validation"],
    compute_metrics=compute_metrics,
)
trainer.train()
