"""The script ``test_torch.py`` runs, under ``torchrun`` (one process per replica) or alone (the
single-device reference): ``python _torch_worker.py MODE OUT_DIR``.

* ``distributed`` (under torchrun): first the engine's collectives on rank-dependent tensors
  (``primitives_rank<r>.npz``), then every case trained with ``DataParallel``.
* ``single`` (one plain process, no distribution): the cases whose reference is one device on the
  global batch.
* ``addresses`` (plain processes, no torchrun): joins with Keras's ``KERAS_DISTRIBUTION_JOB_ADDRESSES``,
  ``..._NUM_PROCESSES`` and ``..._PROCESS_ID`` (as on several machines), then the collectives and ``dense``.

Cases: ``dense`` (Dense layers; gradients reduced during backward), ``dense_after`` (the same with
the engine's backward hook off: gradients reduced in ``Optimizer.apply``; distributed only, its
reference is ``dense``), ``custom`` (the same model with a subclass's ``train_step`` written with
kerafront ops), ``syncbn`` (a ``BatchNormalization(synchronized=True)`` between the Dense layers;
the single-device run uses the same layer on the global batch), ``replicabn`` (Keras's default
``synchronized=False``: per-replica statistics; distributed only, its reference is computed by the
test). Each case writes ``OUT_DIR/<case>_<MODE>_rank<r>.npz``: the data, the
initial and final weights, the loss logged after each training batch, ``evaluate``'s results and
``predict``'s outputs; its ``ModelCheckpoint`` is given ``OUT_DIR/<case>_ckpt_rank<r>.keras``
(only the chief's may appear).

Then (``single`` and ``distributed``) ``_loss_scale``'s dynamic loss-scaling case, and
(``distributed``) ``BackupAndRestore``: a fit interrupted after epoch 0 and resumed by a fresh model
(``backup_distributed_rank<r>.npz``; its uninterrupted reference is ``dense``).
"""

import os
import sys

import numpy as np

SAMPLES, FEATURES, BATCH, EPOCHS = 20, 3, 7, 2   # batches of 7, 7, 6: shards of 4/3, 4/3, 3/3 on 2 replicas
CASES = {"single": ("dense", "custom", "syncbn"),
         "distributed": ("dense", "dense_after", "custom", "syncbn", "replicabn"), "addresses": ("dense",)}


def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(SAMPLES, FEATURES)).astype("float32")
    y = np.stack([np.sin(x[:, 0]) + x[:, 1], x[:, 2] * x[:, 0]], axis=1).astype("float32")
    return x, y


def custom_step_class(keras):
    class CustomStep(keras.Sequential):
        """A subclass's train_step written the backend-neutral way (as Keras's guides write it)."""

        def train_step(self, data):
            x, y = data

            def forward(_):
                y_pred = self(x, training=True)
                return self.compute_loss(x, y, y_pred), y_pred

            (loss, y_pred), grads = keras.ops.value_and_grad(forward, has_aux=True)(self.trainable_variables)
            self.optimizer.apply(grads, self.trainable_variables)
            self._loss_tracker.update_state(loss, sample_weight=keras.ops.shape(x)[0])
            return self.compute_metrics(x, y, y_pred)   # read after the step: the replicas' metrics summed

    return CustomStep


def build_model(keras, case):
    layers = [keras.Input((FEATURES,)), keras.layers.Dense(5, activation="tanh")]
    if case.endswith("bn"):
        layers.append(keras.layers.BatchNormalization(momentum=0.9, synchronized=case == "syncbn"))
    layers.append(keras.layers.Dense(2))
    model = (custom_step_class(keras) if case == "custom" else keras.Sequential)(layers)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    return model


def train(keras, mode, case, out):
    rank = keras.distribution.distribution().data_shard_id if mode != "single" else 0
    after_backward = []   # reductions of gradients in Optimizer.apply (not during backward)
    if mode != "single":
        engine = keras.distribution.distribution()._engine()
        for name in ("_watch", "reduce_gradients"):
            engine.__dict__.pop(name, None)   # the previous case's
        if case == "dense_after":
            engine._watch = lambda originals, leaves: None
        reduce_gradients = engine.reduce_gradients

        def counted(grads):
            reduced = reduce_gradients(grads)
            after_backward.append(sum(a is not b for a, b in zip(reduced, grads)))
            return reduced

        engine.reduce_gradients = counted
    keras.utils.set_random_seed(1)
    x, y = data()
    model = build_model(keras, case)
    initial = model.get_weights()
    losses = []

    class RecordLosses(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            losses.append(float(logs["loss"]))

    checkpoint = keras.callbacks.ModelCheckpoint(os.path.join(out, f"{case}_ckpt_rank{rank}.keras"), monitor="loss")
    model.fit(x, y, batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0, callbacks=[RecordLosses(), checkpoint])
    evaluated = model.evaluate(x, y, batch_size=BATCH, verbose=0)
    predicted = model.predict(x, batch_size=BATCH, verbose=0)
    np.savez(os.path.join(out, f"{case}_{mode}_rank{rank}.npz"), x=x, y=y, losses=np.asarray(losses),
             after_backward=np.asarray(after_backward, dtype=np.int64),
             evaluated=np.asarray(evaluated), predicted=predicted,
             **{f"weight{i}": w for i, w in enumerate(model.get_weights())},
             **{f"initial{i}": w for i, w in enumerate(initial)})


def primitives(out):
    """The engine's collectives on rank-dependent tensors; writes what each returned."""
    import torch

    from kerafront_torch import _distribute
    rank, world = _distribute.process_id(), _distribute.num_processes()
    # 300k floats (1.2 MB) crosses DDP's 1 MiB first bucket; small tensors of two dtypes around it
    tensors = [torch.full((3,), float(rank + 1)), torch.arange(300_000, dtype=torch.float32) * (rank + 1),
               torch.full((2, 2), rank + 1, dtype=torch.int32), torch.full((4,), float(10 * rank))]
    reduced = _distribute.reduce_(tensors)
    weighted = _distribute.reduce_([tensors[0], tensors[3]], count=float(rank + 1))
    broadcast = _distribute.broadcast_([t + rank for t in tensors])
    leaf = torch.tensor([1.0, 2.0], requires_grad=True)
    total = _distribute.all_reduce_sum(leaf * (rank + 1))
    (grad,) = torch.autograd.grad((total * total).sum(), [leaf])
    np.savez(os.path.join(out, f"primitives_rank{rank}.npz"), world=world,
             buckets=len(_distribute._buckets(tensors)),
             total=total.detach().numpy(), grad=grad.numpy(), weighted0=weighted[0].numpy(),
             weighted1=weighted[1].numpy(),
             **{f"reduced{i}": t.numpy() for i, t in enumerate(reduced)},
             **{f"broadcast{i}": t.numpy() for i, t in enumerate(broadcast)})


def loss_scaled(keras, mode, out):
    """``_loss_scale``'s case: single-device (with its plain-SGD reference), or distributed with the
    gradients reduced during backward (``lso``) and in ``Optimizer.apply`` (``lso_after``: each
    replica's finite flag is its own gradients' until the engine reduces it)."""
    import _loss_scale
    if mode == "single":
        runs = {"lso": _loss_scale.train(keras), "lso_reference": _loss_scale.train(keras, loss_scaled=False)}
    else:
        engine = keras.distribution.distribution()._engine()
        runs = {}
        for case in ("lso", "lso_after"):
            for name in ("_watch", "reduce_gradients"):
                engine.__dict__.pop(name, None)
            if case == "lso_after":
                engine._watch = lambda originals, leaves: None
            runs[case] = _loss_scale.train(keras)
        engine.__dict__.pop("_watch", None)
    rank = keras.distribution.distribution().data_shard_id if mode != "single" else 0
    for case, result in runs.items():
        np.savez(os.path.join(out, f"{case}_{mode}_rank{rank}.npz"), **result)


def backup_and_restore(keras, out):
    """An interrupted distributed fit (every rank raises at the end of epoch 0) resumed by a fresh
    model with ``BackupAndRestore`` on a directory both ranks share; counts each rank's backup writes."""
    import torch.distributed as dist

    from kerafront.callbacks import backup_and_restore as module
    rank = keras.distribution.distribution().data_shard_id
    backup_dir = os.path.join(out, "backup")
    writes = []

    def counting_open(path, mode="r", *args, **kwargs):
        if "w" in mode:
            writes.append(os.path.basename(path))
        return open(path, mode, *args, **kwargs)

    class Interrupt(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            raise KeyboardInterrupt

    epochs = []

    class Epochs(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            epochs.append(epoch)

    x, y = data()
    module.open = counting_open
    try:
        keras.utils.set_random_seed(1)
        model = build_model(keras, "dense")
        try:
            model.fit(x, y, batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0,
                      callbacks=[keras.callbacks.BackupAndRestore(backup_dir), Interrupt()])
        except KeyboardInterrupt:
            pass
        dist.barrier()   # a relaunch starts after every process stopped
        backed_up = os.path.exists(os.path.join(backup_dir, "latest.weights.npz"))
        keras.utils.set_random_seed(2)   # other initial weights: the backup must replace them
        model = build_model(keras, "dense")
        model.fit(x, y, batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0,
                  callbacks=[keras.callbacks.BackupAndRestore(backup_dir), Epochs()])
        dist.barrier()
    finally:
        del module.open
    np.savez(os.path.join(out, f"backup_distributed_rank{rank}.npz"), writes=np.asarray(writes, dtype=str),
             backed_up=backed_up, epochs=np.asarray(epochs), removed=not os.path.exists(backup_dir),
             **{f"weight{i}": w for i, w in enumerate(model.get_weights())})


def main(mode, out):
    import kerafront as keras
    if mode != "single":
        keras.distribution.initialize()   # torchrun's environment, or Keras's variables
        primitives(out)
        keras.distribution.set_distribution(keras.distribution.DataParallel())
    for case in CASES[mode]:
        train(keras, mode, case, out)
    if mode != "addresses":
        loss_scaled(keras, mode, out)
    if mode == "distributed":
        backup_and_restore(keras, out)


if __name__ == "__main__":
    main(*sys.argv[1:3])
