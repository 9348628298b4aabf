"""Bank-marketing subscription model (Keras 3 on the PyTorch backend)."""
import os

os.environ["KERAS_BACKEND"] = "torch"

import keras
import pandas as pd
from keras import layers

frame = pd.read_csv("data/bank_marketing_prepared.csv")
x = frame.drop(columns=["subscribed"]).to_numpy("float32")
y = frame["subscribed"].to_numpy("float32")

model = keras.Sequential([
    keras.Input(shape=(x.shape[1],)),
    layers.Dense(64, activation="relu"),
    layers.Dropout(0.3),
    layers.Dense(1, activation="sigmoid"),
])
model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="binary_crossentropy", metrics=["AUC"])

early_stopping = keras.callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
model.fit(x, y, batch_size=32, epochs=100, validation_split=0.2, callbacks=[early_stopping])
model.save("bank_model.keras")
