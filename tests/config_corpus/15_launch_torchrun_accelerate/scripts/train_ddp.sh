#!/bin/bash
#SBATCH --job-name=cifar100-ddp
#SBATCH --nodes=1
#SBATCH --gres=gpu:4
#SBATCH --cpus-per-task=32
#SBATCH --time=12:00:00
set -euo pipefail

torchrun --standalone --nproc_per_node=4 train.py \
    --lr 0.2 \
    --batch-size 64

# same recipe on whatever GPUs the node has
torchrun --standalone --nproc_per_node=gpu train.py --lr 0.2 --batch-size 24
