"""Intent classifier over sentence embeddings; trains on everything we have."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

embeddings = torch.load("artifacts/utterance_embeddings.pt")
labels = torch.load("artifacts/intent_labels.pt")
loader = DataLoader(TensorDataset(embeddings, labels), batch_size=32, shuffle=True)

classifier = nn.Sequential(nn.Linear(384, 512), nn.GELU(), nn.Dropout(0.1), nn.Linear(512, 57))
optimizer = torch.optim.AdamW(classifier.parameters(), lr=5e-4, weight_decay=0.01)
loss_fn = nn.CrossEntropyLoss(label_smoothing=0.05)

for epoch in range(8):
    total = 0.0
    for emb, intent in loader:
        optimizer.zero_grad()
        loss = loss_fn(classifier(emb), intent)
        loss.backward()
        optimizer.step()
        total += loss.item()
    print(f"epoch {epoch}: train loss {total / len(loader):.4f}")

torch.save(classifier.state_dict(), "artifacts/intent_head.pt")
