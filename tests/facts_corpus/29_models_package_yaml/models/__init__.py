from .cnn import SmallCNN

MODELS = {"small_cnn": SmallCNN}
