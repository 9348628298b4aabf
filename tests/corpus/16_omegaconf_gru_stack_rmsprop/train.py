import torch
import torch.nn as nn
from omegaconf import OmegaConf
from torch.utils.data import DataLoader

from speech_data import SpeechManifest, pad_collate


class CTCRecognizer(nn.Module):
    def __init__(self, n_mels, hidden, num_layers, dropout, vocab):
        super().__init__()
        self.rnn = nn.GRU(n_mels, hidden, num_layers=num_layers, dropout=dropout, batch_first=True, bidirectional=True)
        self.classifier = nn.Linear(2 * hidden, vocab)

    def forward(self, feats):
        out, _ = self.rnn(feats)
        return self.classifier(out).log_softmax(-1)


cfg = OmegaConf.load("configs/speech.yaml")
train_loader = DataLoader(SpeechManifest(cfg.data.manifest_train), batch_size=cfg.data.batch_size, shuffle=True, collate_fn=pad_collate)
val_loader = DataLoader(SpeechManifest(cfg.data.manifest_val), batch_size=cfg.data.batch_size, collate_fn=pad_collate)

model = CTCRecognizer(cfg.data.n_mels, cfg.model.hidden, cfg.model.num_layers, cfg.model.dropout, cfg.model.vocab).cuda()
ctc = nn.CTCLoss(blank=0, zero_infinity=True)
optimizer = torch.optim.RMSprop(model.parameters(), lr=cfg.optim.lr, alpha=cfg.optim.alpha)
scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=2)

for epoch in range(cfg.trainer.epochs):
    model.train()
    for feats, feat_lens, targets, target_lens in train_loader:
        optimizer.zero_grad()
        log_probs = model(feats.cuda()).transpose(0, 1)
        loss = ctc(log_probs, targets, feat_lens, target_lens)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), cfg.trainer.clip)
        optimizer.step()

    model.eval()
    total = 0.0
    with torch.no_grad():
        for feats, feat_lens, targets, target_lens in val_loader:
            total += ctc(model(feats.cuda()).transpose(0, 1), targets, feat_lens, target_lens).item()
    scheduler.step(total / len(val_loader))
