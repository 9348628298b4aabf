#!/usr/bin/env bash
set -euo pipefail

export OMP_NUM_THREADS=8
torchrun --standalone --nproc_per_node=4 train_ddp.py \
    --data /datasets/food101 \
    --batch-size 16 \
    --lr 0.02 \
    --epochs 30
