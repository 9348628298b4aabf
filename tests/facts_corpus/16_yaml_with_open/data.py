import torch
from datasets import load_dataset
from tokenizers import Tokenizer


def load_imdb(vocab_size: int):
    raw = load_dataset("imdb")
    tok = Tokenizer.from_file(f"tokenizers/imdb-{vocab_size}.json")

    def encode(split):
        return [
            (torch.tensor(tok.encode(ex["text"]).ids[:512]), ex["label"])
            for ex in raw[split]
        ]

    return encode("train"), encode("test")
