"""The dynamic loss-scaling case the torch and TensorFlow workers share.

A linear model (kernel of ones, bias zeros) trained with ``LossScaleOptimizer(SGD(0.1))`` on 20
rows in batches of 7, 7, 6 for 2 epochs. Row 5 holds ``1e18``: its loss (about ``1e35``) is finite in
float32, but the gradient of the scaled loss (about ``1e40``) overflows, so the first batch of each
epoch is skipped and halves the scale. On 2 replicas row 5 is in replica 1's shard (rows 4-6) only:
replica 0's gradients are finite, and it must skip that step too.

Independent reference: plain ``SGD(0.1)`` on rows 7-19 only (the batches that are applied; a
power-of-two scale divides back exactly). Scale: 2**15 -> 2**14 -> 2**13 over the two skips; the
step counter counts the 2 finite steps since the last skip.
"""

import numpy as np

SAMPLES, FEATURES, BATCH, EPOCHS, BAD_ROW = 20, 3, 7, 2, 5


def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(SAMPLES, FEATURES)).astype("float32")
    y = np.stack([x[:, 0] - x[:, 1], 2 * x[:, 2]], axis=1).astype("float32")
    x[BAD_ROW, 0] = 1e18
    return x, y


def build_model(keras, loss_scaled=True):
    model = keras.Sequential([keras.Input((FEATURES,)), keras.layers.Dense(2, kernel_initializer="ones")])
    optimizer = keras.optimizers.SGD(0.1)
    if loss_scaled:
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    model.compile(optimizer=optimizer, loss="mse")
    return model


def train(keras, loss_scaled=True, batch=BATCH):
    """Weights, per-batch losses and the loss scale state after fit; ``loss_scaled=False``: the
    reference (plain SGD on the rows after the first batch). JAX's 4 devices take ``batch=8``
    (batches of 8, 8, 4; row 5 in device 2's shard)."""
    x, y = data()
    if not loss_scaled:
        x, y = x[batch:], y[batch:]
    model = build_model(keras, loss_scaled)
    losses = []

    class Record(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            losses.append(float(logs["loss"]))

    model.fit(x, y, batch_size=batch, epochs=EPOCHS, shuffle=False, verbose=0, callbacks=[Record()])
    result = {f"w{i}": w for i, w in enumerate(model.get_weights())}
    result["losses"] = np.array(losses)
    if loss_scaled:
        optimizer = model.optimizer
        result.update(scale=float(optimizer.dynamic_scale.numpy()), counter=int(optimizer.step_counter.numpy()),
                      iterations=int(optimizer.iterations.numpy()))
    return result
