#!/usr/bin/env bash
# Runs behind Table 2 of the report. Usage: bash scripts/train.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# baseline
python train.py --lr 0.3 --batch-size 512

# linear scaling rule (Goyal et al. 2017): 0.1 x 8192 / 256
python train.py --lr=3.2 --batch-size=8192 --workers 16
