from datasets import load_dataset
from transformers import (
    AutoModelForTokenClassification,
    AutoTokenizer,
    DataCollatorForTokenClassification,
    Trainer,
    TrainingArguments,
)

checkpoint = "bert-base-cased"
conll = load_dataset("conll2003")
label_names = conll["train"].features["ner_tags"].feature.names
tokenizer = AutoTokenizer.from_pretrained(checkpoint)


def align_labels(examples):
    enc = tokenizer(examples["tokens"], truncation=True, is_split_into_words=True)
    all_labels = []
    for i, tags in enumerate(examples["ner_tags"]):
        word_ids = enc.word_ids(batch_index=i)
        all_labels.append([-100 if w is None else tags[w] for w in word_ids])
    enc["labels"] = all_labels
    return enc


tokenized = conll.map(align_labels, batched=True, remove_columns=conll["train"].column_names)
model = AutoModelForTokenClassification.from_pretrained(checkpoint, num_labels=len(label_names))

training_args = TrainingArguments(
    output_dir="bert-ner",
    eval_strategy="no",
    save_strategy="epoch",
    learning_rate=3e-5,
    per_device_train_batch_size=8,
    num_train_epochs=3,
    weight_decay=0.01,
)

trainer = Trainer(
    model=model,
    args=training_args,
    train_dataset=tokenized["train"],
    eval_dataset=tokenized["validation"],
    data_collator=DataCollatorForTokenClassification(tokenizer),
    tokenizer=tokenizer,
)
trainer.train()
trainer.save_model("bert-ner/final")
