"""The script ``test_tensorflow.py`` runs with 2 logical CPU devices (``KERAFRONT_TF_LOGICAL_CPUS=2``):
``python _tf_worker.py OUT_DIR``. The same model and data as the JAX worker, trained single-device and
under ``DataParallel`` (``tf.distribute.MirroredStrategy``), ``_loss_scale``'s dynamic loss-scaling case and
an interrupted fit resumed with ``BackupAndRestore``; every result goes to ``OUT_DIR/results.npz``.
"""

import os
import sys

import numpy as np

import _loss_scale
from _jax_worker import BATCH, EPOCHS, build_model, data, train


def backup_and_restore(keras, out):
    """A fit interrupted at the end of epoch 0, resumed by a model with other weights through
    ``BackupAndRestore``: the weights it ends with, the epochs it ran, whether the backup existed."""
    backup_dir = os.path.join(out, "backup")
    x, y = data()
    epochs = []

    class Interrupt(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            raise KeyboardInterrupt

    class Epochs(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            epochs.append(epoch)

    try:
        build_model(keras).fit(x, y, batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0,
                               callbacks=[keras.callbacks.BackupAndRestore(backup_dir), Interrupt()])
    except KeyboardInterrupt:
        pass
    backed_up = os.path.exists(os.path.join(backup_dir, "latest.weights.npz"))
    model = build_model(keras)
    model.set_weights([np.zeros_like(w) for w in model.get_weights()])   # the backup must replace them
    model.fit(x, y, batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0,
              callbacks=[keras.callbacks.BackupAndRestore(backup_dir), Epochs()])
    return {"epochs": np.array(epochs), "backed_up": backed_up, "removed": not os.path.exists(backup_dir),
            **{f"w{i}": w for i, w in enumerate(model.get_weights())}}


def main(out):
    import kerafront as keras
    from kerafront import distribution

    devices = distribution.list_devices()
    results = {"devices": np.array(devices)}

    def record(prefix, values):
        results.update({f"{prefix}/{k}": v for k, v in values.items()})

    record("single", train(keras, build_model(keras)))
    record("single_bn", train(keras, build_model(keras, bn=True)))
    record("single_custom", train(keras, build_model(keras, custom_step=True)))
    record("single_lso", _loss_scale.train(keras))
    record("reference_lso", _loss_scale.train(keras, loss_scaled=False))
    with distribution.DataParallel(devices=devices).scope():
        record("dp2", train(keras, build_model(keras)))
        record("dp2_spe", train(keras, build_model(keras), steps_per_execution=2))
        record("dp2_bn", train(keras, build_model(keras, bn=True)))
        record("dp2_custom", train(keras, build_model(keras, custom_step=True)))
        record("dp2_lso", _loss_scale.train(keras))
        record("dp2_backup", backup_and_restore(keras, out))
        x, y = data()
        model = build_model(keras)
        train(keras, model)
        model.save(os.path.join(out, "distributed.keras"))
        results["dp2_saved/predict"] = model.predict(x, batch_size=BATCH, verbose=0)
        results["dp2_uneven/predict"] = model.predict(x, batch_size=7, verbose=0)   # shards of 4 and 3 rows
        plain = keras.saving.load_model(os.path.join(out, "plain.keras"))
        results["dp2_loaded/predict"] = plain.predict(x, batch_size=BATCH, verbose=0)
        layer = keras.layers.BatchNormalization(momentum=0.9)
        model = keras.Sequential([keras.Input((x.shape[1],)), layer])
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
        model.fit(x[:8], x[:8], batch_size=8, epochs=1, shuffle=False, verbose=0)
        results["dp2_bn_layer/moving_mean"] = layer.moving_mean.numpy()
        results["dp2_bn_layer/moving_variance"] = layer.moving_variance.numpy()
    assert distribution.distribution() is None
    np.savez(os.path.join(out, "results.npz"), **results)


if __name__ == "__main__":
    main(sys.argv[1])
