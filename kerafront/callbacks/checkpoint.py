"""``ModelCheckpoint``: save the model (or its weights) during training, atomically."""

import os
import warnings

import numpy as np

from kerafront.callbacks.monitor import MonitorCallback
from kerafront.distribution import distribution_lib


class ModelCheckpoint(MonitorCallback):
    """Save after each epoch (``save_freq="epoch"``) or every ``save_freq`` batches.

    ``filepath`` may hold format fields filled from the epoch and logs, e.g.
    ``"ckpt-{epoch:02d}-{val_loss:.2f}.kerafront"``. With ``save_best_only``, a file is written only
    when ``monitor`` improves. ``save_weights_only`` writes ``model.save_weights`` (a ``.weights.npz``
    file) instead of the whole model. Every write goes to a temporary file that is renamed into
    place, so an interrupted save leaves any earlier checkpoint intact.
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False, save_weights_only=False,
                 mode="auto", save_freq="epoch", initial_value_threshold=None):
        super().__init__(monitor, mode)
        self.filepath = os.fspath(filepath)
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        if save_freq != "epoch" and not (isinstance(save_freq, int) and save_freq > 0):
            raise ValueError(f"ModelCheckpoint: save_freq must be 'epoch' or a positive int, got {save_freq!r}.")
        self.save_freq = save_freq
        self.best = initial_value_threshold
        self._batches_seen = 0
        self._epoch = 0

    def _format_path(self, epoch, logs, batch):
        fields = dict(logs, epoch=epoch + 1)
        if batch is not None:
            fields["batch"] = batch + 1
        try:
            return self.filepath.format(**fields)
        except KeyError as error:
            raise ValueError(f"ModelCheckpoint: filepath {self.filepath!r} names the field {{{error.args[0]}}}, "
                             f"which the logs do not have at this point; available: {sorted(fields)} (a "
                             "'val_' field needs validation data).") from None
        except (ValueError, IndexError) as error:
            raise ValueError(f"ModelCheckpoint: cannot format filepath {self.filepath!r} with {sorted(fields)}: "
                             f"{error}.") from None

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_seen += 1
        if self._batches_seen % self.save_freq == 0:
            self._save(self._epoch, dict(logs or {}), batch)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, dict(logs or {}))

    def _save(self, epoch, logs, batch=None):
        path = self._format_path(epoch, logs, batch)
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                warnings.warn(f"ModelCheckpoint: {self.monitor!r} is not in the logs ({sorted(logs)}); "
                              "skipping the save.", stacklevel=2)
                return
            if np.isnan(current):
                return
            best = "None" if self.best is None else f"{self.best:.5f}"
            if not self._is_improvement(current, self.best):
                if self.verbose:
                    print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}")
                return
            if self.verbose:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to {current:.5f}, "
                      f"saving model to {path}")
            self.best = current
        elif self.verbose:
            print(f"\nEpoch {epoch + 1}: saving model to {path}")
        if not distribution_lib.is_chief():
            return   # under a distribution, process 0 writes; the others track `best` alike
        directory = os.path.dirname(path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)
