from torch.utils.data import DataLoader
from torchvision import datasets, transforms


def get_loaders(root="./data", batch_size=32):
    train_transform = transforms.Compose([
        transforms.RandomCrop(32, padding=4),
        transforms.RandomHorizontalFlip(),
        transforms.ToTensor(),
    ])
    test_transform = transforms.Compose([transforms.ToTensor()])
    train = datasets.CIFAR10(root, train=True, download=True, transform=train_transform)
    test = datasets.CIFAR10(root, train=False, download=True, transform=test_transform)
    return (
        DataLoader(train, batch_size=batch_size, shuffle=True, num_workers=4, pin_memory=True),
        DataLoader(test, batch_size=512, num_workers=4),
    )
