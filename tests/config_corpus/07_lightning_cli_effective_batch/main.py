"""Entry point: python main.py fit --config configs/resnet_cifar100.yaml"""
from lightning.pytorch.cli import LightningCLI


def cli_main():
    LightningCLI(save_config_kwargs={"overwrite": True})


if __name__ == "__main__":
    cli_main()
