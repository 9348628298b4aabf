"""Instruction-tune Llama with the Trainer; DeepSpeed ZeRO-3 takes its numbers from TrainingArguments ("auto")."""
from datasets import load_dataset
from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    DataCollatorForLanguageModeling,
    Trainer,
    TrainingArguments,
)

MODEL = "meta-llama/Llama-2-7b-hf"


def main():
    tokenizer = AutoTokenizer.from_pretrained(MODEL)
    tokenizer.pad_token = tokenizer.eos_token
    data = load_dataset("tatsu-lab/alpaca")["train"].train_test_split(test_size=0.02, seed=0)

    def tokenize(example):
        text = example["instruction"] + "\n" + example["input"] + "\n" + example["output"]
        return tokenizer(text, truncation=True, max_length=512)

    data = data.map(tokenize, remove_columns=data["train"].column_names)
    model = AutoModelForCausalLM.from_pretrained(MODEL)

    args = TrainingArguments(
        output_dir="outputs/llama2-alpaca",
        per_device_train_batch_size=8,
        per_device_eval_batch_size=8,
        gradient_accumulation_steps=8,
        learning_rate=2e-5,
        num_train_epochs=3,
        warmup_ratio=0.03,
        lr_scheduler_type="cosine",
        eval_strategy="steps",
        eval_steps=200,
        save_steps=200,
        load_best_model_at_end=True,
        bf16=True,
        deepspeed="configs/ds_zero3_auto.json",
    )
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=data["train"],
        eval_dataset=data["test"],
        data_collator=DataCollatorForLanguageModeling(tokenizer, mlm=False),
    )
    trainer.train()


if __name__ == "__main__":
    main()
