"""Experiment constants shared by train.py and eval.py."""

DATA_DIR = "data/gtsrb"
NUM_CLASSES = 43
IMAGE_SIZE = 48

BATCH_SIZE = 64
EVAL_BATCH_SIZE = 4 * BATCH_SIZE
LR = 1e-2
MOMENTUM = 0.9
EPOCHS = 35
