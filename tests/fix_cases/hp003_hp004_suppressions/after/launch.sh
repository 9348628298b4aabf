#!/bin/sh
python train.py --lr 0.001
