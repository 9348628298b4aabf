import torch
import torch.nn.functional as F
import yaml
from torch.utils.data import DataLoader

from modelnet import ModelNet40
from pointnet import PointNetCls


def main(config_path="configs/train.yaml"):
    with open(config_path) as f:
        cfg = yaml.safe_load(f)
    torch.manual_seed(cfg["seed"])
    data = cfg["data"]
    train_loader = DataLoader(ModelNet40(data["root"], "train", data["num_points"]), batch_size=data["batch_size"], shuffle=True, num_workers=data["num_workers"], drop_last=True)
    test_loader = DataLoader(ModelNet40(data["root"], "test", data["num_points"]), batch_size=64, num_workers=data["num_workers"])

    model = PointNetCls().cuda()
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg["optimizer"]["lr"], weight_decay=cfg["optimizer"]["weight_decay"])
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=cfg["epochs"], eta_min=cfg["scheduler"]["min_lr"])

    for epoch in range(cfg["epochs"]):
        model.train()
        for points, labels in train_loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(points.cuda()), labels.cuda(), label_smoothing=0.2)
            loss.backward()
            optimizer.step()
        scheduler.step()

        model.eval()
        correct = 0
        with torch.no_grad():
            for points, labels in test_loader:
                correct += (model(points.cuda()).argmax(1).cpu() == labels).sum().item()
        print(f"epoch {epoch}: test OA {correct / len(test_loader.dataset):.4f}")


if __name__ == "__main__":
    main()
