#!/bin/sh
python train.py --lr 0.001  # hplint: ignore[HP103, HP104]
