import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, random_split

from models import Student, Teacher


def check(student, loader):
    with torch.no_grad():
        for x, y in loader:
            print(F.cross_entropy(student(x), y).item())


if __name__ == "__main__":
    train_set, val_set = random_split(torch.load("features.pt"), [0.9, 0.1])
    teacher = Teacher()
    teacher.load_state_dict(torch.load("teacher.pt"))
    teacher.eval()
    student = Student()
    optimizer = torch.optim.Adam(student.parameters(), lr=1e-3)
    for x, y in DataLoader(train_set, batch_size=32, shuffle=True):
        optimizer.zero_grad()
        with torch.no_grad():
            soft = F.softmax(teacher(x) / 2.0, dim=1)
        F.kl_div(F.log_softmax(student(x) / 2.0, dim=1), soft, reduction="batchmean").backward()
        optimizer.step()
    check(student, DataLoader(val_set, batch_size=256))
