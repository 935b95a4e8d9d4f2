"""``BackupAndRestore``: resume an interrupted ``fit`` at the epoch -- and step -- where it stopped.

The backup is one file, ``<backup_dir>/latest.weights.npz``, holding the model's variables, the
optimizer's variables and the resume point (epoch and steps done in it), written to a temporary
name and renamed into place, so a process killed mid-write leaves the previous backup whole.
On ``on_train_begin`` the callback restores the variables and sets ``model._initial_epoch`` and
``model._initial_step``, which ``fit`` uses once: it starts at that epoch and skips that many
steps of it. With fixed data and ``shuffle=False`` the resumed run ends with the weights an
uninterrupted run has.
"""

import json
import os
import shutil

import numpy as np

from kerafront.callbacks.callback import Callback
from kerafront.distribution import distribution_lib


class BackupAndRestore(Callback):
    """Back up the training state every epoch (``save_freq="epoch"``) or every ``save_freq`` batches.

    ``double_checkpoint=True`` keeps the previous backup as ``latest.weights.npz.bkp`` and falls
    back to it when the latest cannot be read. ``delete_checkpoint=True`` removes ``backup_dir``
    when training finishes. The model must be built before ``fit`` (as in Keras).
    """

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False, delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("BackupAndRestore: backup_dir is empty; pass the directory to keep the backup in.")
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(save_freq, int)
                                     or save_freq < 1):
            raise ValueError(f"BackupAndRestore: save_freq must be 'epoch' or a positive int, got {save_freq!r}.")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._weights_path = os.path.join(self.backup_dir, "latest.weights.npz")
        self._prev_weights_path = self._weights_path + ".bkp"
        self._current_epoch = 0
        self._steps_done = 0
        self._batches_since_save = 0

    def _state_variables(self):
        optimizer = getattr(self.model, "optimizer", None)
        optimizer_variables = list(optimizer.variables) if optimizer is not None else []
        return list(self.model.variables), optimizer_variables

    def on_train_begin(self, logs=None):
        if not getattr(self.model, "built", False):
            raise ValueError("BackupAndRestore: the model must be built before fit() (call it on a batch or "
                             "give an input shape) so that a backup can be restored into it.")
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and not optimizer.built:
            optimizer.build(self.model.trainable_variables)
        for path in (self._weights_path, self._prev_weights_path):
            if os.path.exists(path):
                try:
                    self._restore(path)
                    return
                except (OSError, ValueError) as error:
                    last_error = error
        if os.path.exists(self._weights_path) or os.path.exists(self._prev_weights_path):
            raise ValueError(f"BackupAndRestore: cannot restore from {self.backup_dir}: {last_error}")

    def _restore(self, path):
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {key: data[key] for key in data.files}
        except Exception as error:  # a truncated or foreign file: np.load raises several kinds
            raise ValueError(f"{path} is not a readable backup ({error})") from None
        metadata = json.loads(str(arrays.pop("__metadata__")))
        for prefix, variables in zip(("model", "optimizer"), self._state_variables()):
            if metadata[f"num_{prefix}_variables"] != len(variables):
                raise ValueError(f"{path} holds {metadata[f'num_{prefix}_variables']} {prefix} variables, the "
                                 f"{prefix} here has {len(variables)}: it was written by a different model.")
            for i, variable in enumerate(variables):
                value = arrays[f"{prefix}_{i}"]
                if tuple(value.shape) != tuple(variable.shape):
                    raise ValueError(f"{path}: {prefix} variable {variable.path!r} has shape {tuple(variable.shape)}"
                                     f", the backup has {tuple(value.shape)}: it was written by a different model.")
        for prefix, variables in zip(("model", "optimizer"), self._state_variables()):
            for i, variable in enumerate(variables):
                variable.assign(arrays[f"{prefix}_{i}"])
        self.model._initial_epoch = metadata["epoch"]
        self.model._initial_step = metadata["step"]

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch, self._steps_done = epoch, 0

    def on_train_batch_end(self, batch, logs=None):
        self._steps_done = batch + 1
        if self.save_freq == "epoch":
            return
        self._batches_since_save += 1
        steps = self.params.get("steps")
        if self._batches_since_save >= self.save_freq and (steps is None or self._steps_done < steps):
            self._save()  # a save at an epoch's last batch waits for on_epoch_end

    def on_epoch_end(self, epoch, logs=None):
        self._current_epoch, self._steps_done = epoch + 1, 0
        self._save()

    def _save(self):
        self._batches_since_save = 0
        if not distribution_lib.is_chief():
            return   # under a distribution, process 0 writes the backup every process restores from
        os.makedirs(self.backup_dir, exist_ok=True)
        model_variables, optimizer_variables = self._state_variables()
        arrays = {f"model_{i}": np.asarray(v.numpy()) for i, v in enumerate(model_variables)}
        arrays.update({f"optimizer_{i}": np.asarray(v.numpy()) for i, v in enumerate(optimizer_variables)})
        arrays["__metadata__"] = np.array(json.dumps({
            "epoch": self._current_epoch, "batch": max(self._steps_done - 1, 0), "step": self._steps_done,
            "num_model_variables": len(model_variables), "num_optimizer_variables": len(optimizer_variables)}))
        temporary = self._weights_path + ".tmp"
        with open(temporary, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        if self.double_checkpoint and os.path.exists(self._weights_path):
            os.replace(self._weights_path, self._prev_weights_path)
        os.replace(temporary, self._weights_path)

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and distribution_lib.is_chief() and os.path.isdir(self.backup_dir):
            shutil.rmtree(self.backup_dir)
