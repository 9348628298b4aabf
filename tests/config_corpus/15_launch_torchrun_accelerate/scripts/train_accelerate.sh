#!/usr/bin/env bash
# Two-GPU workstation run.
set -euo pipefail
accelerate launch --multi_gpu --num_processes 2 --mixed_precision bf16 train.py --lr 0.05 --batch-size 16
