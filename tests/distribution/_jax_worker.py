"""The script ``test_jax.py`` runs with 4 virtual CPU devices (``XLA_FLAGS`` set by the test):
``python _jax_worker.py OUT_DIR``. It trains the same small model single-device and under
``DataParallel`` on 4 and on 2 devices and writes every result to ``OUT_DIR/results.npz``; it also
saves a model trained under the distribution (``OUT_DIR/distributed.keras``) and loads
``OUT_DIR/plain.keras`` (saved by the test on NumPy) under the distribution.
"""

import os
import sys

import numpy as np

SAMPLES, FEATURES, BATCH, EPOCHS = 22, 3, 8, 2   # batches of 8, 8, 6: the 6 is not divisible by 4 replicas


def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(SAMPLES, FEATURES)).astype("float32")
    y = np.stack([np.sin(x[:, 0]) + x[:, 1], x[:, 2] * x[:, 0]], axis=1).astype("float32")
    return x, y


def build_model(keras, bn=None, custom_step=False, units=5):
    keras.utils.set_random_seed(1)
    inputs = keras.Input((FEATURES,))
    hidden = keras.layers.Dense(units, activation="tanh")(inputs)
    if bn is not None:
        hidden = keras.layers.BatchNormalization(momentum=0.9, synchronized=bn)(hidden)
    outputs = keras.layers.Dense(2)(hidden)
    model = (_custom_step_class(keras) if custom_step else keras.Model)(inputs, outputs)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    return model


def _custom_step_class(keras):
    class CustomStep(keras.Model):
        """A train_step written with kerafront ops (value_and_grad + optimizer.apply), as a user writes one."""

        def train_step(self, data):
            x, y = data
            variables = self.trainable_variables

            def loss_of(_values):
                return keras.ops.mean(keras.ops.square(keras.ops.subtract(self(x, training=True), y)))

            loss, grads = keras.ops.value_and_grad(loss_of)(variables)
            self.optimizer.apply(grads, variables)
            self._loss_tracker.update_state(loss, sample_weight=keras.ops.shape(x)[0])
            return {"loss": self._loss_tracker.result()}
    return CustomStep


def train(keras, model, steps_per_execution=1):
    x, y = data()
    losses = []

    class Record(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            losses.append(float(logs["loss"]))

    if steps_per_execution != 1:
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"],
                      steps_per_execution=steps_per_execution)
    history = model.fit(x, y, batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0, callbacks=[Record()])
    evaluated = model.evaluate(x, y, batch_size=BATCH, verbose=0)
    predicted = model.predict(x, batch_size=BATCH, verbose=0)
    result = {"losses": np.array(losses), "epoch_loss": np.array(history.history["loss"]),
              "evaluate": np.array(evaluated, dtype="float64").ravel(), "predict": predicted}
    for i, weight in enumerate(model.get_weights()):
        result[f"w{i}"] = weight
    return result


def main(out):
    import _loss_scale
    import kerafront as keras
    from kerafront import distribution

    devices = distribution.list_devices()
    results = {"devices": np.array(devices)}

    def record(prefix, values):
        results.update({f"{prefix}/{k}": v for k, v in values.items()})

    record("single", train(keras, build_model(keras)))
    record("single_bn", train(keras, build_model(keras, bn=True)))
    record("single_custom", train(keras, build_model(keras, custom_step=True)))
    record("reference_lso", _loss_scale.train(keras, loss_scaled=False, batch=8))
    dp4 = distribution.DataParallel()
    with dp4.scope():
        record("dp4", train(keras, build_model(keras)))
        record("dp4_spe", train(keras, build_model(keras), steps_per_execution=2))
        record("dp4_bn", train(keras, build_model(keras, bn=True)))
        record("dp4_custom", train(keras, build_model(keras, custom_step=True)))
        record("dp4_lso", _loss_scale.train(keras, batch=8))
        engine = distribution.active_engine()
        x, y = data()
        placed, _, _ = engine.distribute_batch(x[:8], None, None)
        results["dp4_batch_spec"] = np.array([str(axis) for axis in placed.sharding.spec])
        results["dp4_batch_shard_rows"] = np.array([shard.data.shape[0] for shard in placed.addressable_shards])
        layout = distribution.TensorLayout([None, "batch"], dp4.device_mesh)
        columns = np.arange(24, dtype="float32").reshape(3, 8)
        laid_out = distribution.distribute_tensor(columns, layout)
        results["distribute_tensor/shard_shape"] = np.array(laid_out.addressable_shards[0].data.shape)
        doubled = keras.ops.compile(lambda t: distribution.distribute_tensor(keras.ops.multiply(t, 2.0), layout))
        results["distribute_tensor/compiled"] = np.asarray(doubled(columns))
        model = build_model(keras)
        train(keras, model)
        model.save(os.path.join(out, "distributed.keras"))
        results["dp4_saved/predict"] = model.predict(x, batch_size=BATCH, verbose=0)
        plain = keras.saving.load_model(os.path.join(out, "plain.keras"))
        results["dp4_loaded/predict"] = plain.predict(x, batch_size=BATCH, verbose=0)
    with distribution.DataParallel(devices=devices[:2]).scope():
        record("dp2", train(keras, build_model(keras)))
        layer = keras.layers.BatchNormalization(momentum=0.9)
        outputs = layer(x[:8], training=True)
        results["dp2_bn_layer/outputs"] = keras.ops.convert_to_numpy(outputs)
        results["dp2_bn_layer/moving_mean"] = layer.moving_mean.numpy()
        results["dp2_bn_layer/moving_variance"] = layer.moving_variance.numpy()
    record("single_units4", train(keras, build_model(keras, units=4)))
    layout_map = distribution.LayoutMap(distribution.DeviceMesh((2, 2), ["batch", "model"], devices))
    layout_map[".*dense.*kernel"] = (None, "model")
    layout_map[".*dense.*bias"] = ("model",)
    with distribution.ModelParallel(layout_map=layout_map, batch_dim_name="batch").scope():
        model = build_model(keras, units=4)
        record("mp", train(keras, model))
        kernel = model.layers[1].kernel.value
        results["mp_kernel_spec"] = np.array([str(axis) for axis in kernel.sharding.spec])
        results["mp_kernel_shard_shape"] = np.array(kernel.addressable_shards[0].data.shape)
    assert distribution.distribution() is None
    np.savez(os.path.join(out, "results.npz"), **results)


if __name__ == "__main__":
    main(sys.argv[1])
