import math

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

from lm import TransformerLM
from tokens import TokenBlocks

MICRO_BATCH = 16
ACCUM = 2
EPOCHS = 4
WARMUP_STEPS = 2000

train_loader = DataLoader(TokenBlocks("data/train.bin", block=1024), batch_size=MICRO_BATCH, shuffle=True, num_workers=4)
val_loader = DataLoader(TokenBlocks("data/val.bin", block=1024), batch_size=MICRO_BATCH)
total_steps = EPOCHS * len(train_loader) // ACCUM

model = TransformerLM().cuda()
optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4, betas=(0.9, 0.95), weight_decay=0.1)


def lr_lambda(step):
    if step < WARMUP_STEPS:
        return step / WARMUP_STEPS
    progress = (step - WARMUP_STEPS) / max(1, total_steps - WARMUP_STEPS)
    return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress))


scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda)

for epoch in range(EPOCHS):
    model.train()
    for i, (x, y) in enumerate(train_loader):
        with torch.autocast("cuda", dtype=torch.bfloat16):
            logits = model(x.cuda())
            loss = F.cross_entropy(logits.flatten(0, 1), y.cuda().flatten()) / ACCUM
        loss.backward()
        if (i + 1) % ACCUM == 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)

    model.eval()
    losses = []
    with torch.no_grad():
        for x, y in val_loader:
            losses.append(F.cross_entropy(model(x.cuda()).flatten(0, 1), y.cuda().flatten()).item())
    print(f"epoch {epoch}: val ppl {math.exp(sum(losses) / len(losses)):.2f}")
