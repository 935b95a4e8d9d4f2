"""``SwapEMAWeights``: evaluate (and optionally checkpoint) with the optimizer's moving averages."""

import numpy as np

from kerafront.callbacks.callback import Callback


class SwapEMAWeights(Callback):
    """Swap the model's trainable weights with the optimizer's EMA weights around evaluation.

    Needs an optimizer built with ``use_ema=True``. ``on_test_begin``/``on_predict_begin`` put the
    moving averages into the model, ``on_test_end``/``on_predict_end`` put the trained weights back
    (Keras 3.15 forgets the swap back after ``predict``; here both ends restore). With
    ``swap_on_epoch=True`` the averages are also in the model between ``on_epoch_end`` and the next
    ``on_epoch_begin`` (so ``ModelCheckpoint`` saves them); after the last epoch they stay, and the
    averages are set to them so that ``fit``'s final ``finalize_variable_values`` keeps them.
    """

    def __init__(self, swap_on_epoch=False):
        super().__init__()
        self.swap_on_epoch = swap_on_epoch
        self._ema_weights_in_model = False

    def _optimizer(self):
        optimizer = self.model.optimizer
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)
        if not getattr(optimizer, "use_ema", False):
            raise ValueError(f"SwapEMAWeights needs an optimizer created with use_ema=True; got "
                             f"{type(optimizer).__name__} with use_ema={getattr(optimizer, 'use_ema', None)}.")
        return optimizer

    def _pairs(self):
        optimizer = self._optimizer()
        if not optimizer.built:
            return []
        return list(zip(optimizer._trainable_variables, optimizer._slots["average"]))

    def _swap_variables(self):
        for variable, average in self._pairs():
            trained = np.array(variable.numpy(), copy=True)
            variable.assign(average.value)
            average.assign(trained)

    def _finalize_ema_values(self):
        for variable, average in self._pairs():
            average.assign(variable.value)

    def _put_ema_in(self):
        if not self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = True

    def _take_ema_out(self):
        if self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = False

    def on_epoch_begin(self, epoch, logs=None):
        if self.swap_on_epoch:
            self._take_ema_out()

    def on_epoch_end(self, epoch, logs=None):
        if self.swap_on_epoch and not self._ema_weights_in_model:
            self._put_ema_in()
            if epoch == self.params["epochs"] - 1:
                self._finalize_ema_values()

    def on_test_begin(self, logs=None):
        self._put_ema_in()

    def on_test_end(self, logs=None):
        self._take_ema_out()

    def on_predict_begin(self, logs=None):
        self._put_ema_in()

    def on_predict_end(self, logs=None):
        self._take_ema_out()
