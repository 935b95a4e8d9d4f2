"""``Callback``: hooks the trainer calls around training, epochs and batches.

Contract: the trainer sets ``callback.model`` and ``callback.params`` (``epochs``, ``steps``,
``verbose``), then calls ``on_train_begin``/``on_train_end``, ``on_epoch_begin(epoch)``/
``on_epoch_end(epoch, logs)``, ``on_{train,test,predict}_batch_{begin,end}(batch, logs)`` and
``on_{test,predict}_{begin,end}``. ``logs`` holds Python floats (losses and metric results; at
epoch end also ``val_``-prefixed ones). A callback stops training by setting
``self.model.stop_training = True``.
"""

from collections.abc import Mapping

_HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_test_begin", "on_test_end",
          "on_predict_begin", "on_predict_end", "on_train_batch_begin", "on_train_batch_end",
          "on_test_batch_begin", "on_test_batch_end", "on_predict_batch_begin", "on_predict_batch_end")


class Callback:
    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params


def _noop(self, *args, **kwargs):
    return None


for _hook in _HOOKS:
    setattr(Callback, _hook, _noop)


class LazyLogs(Mapping):
    """Batch logs computed on first access, so batches nobody inspects cost no device sync."""

    def __init__(self, compute):
        self._compute = compute
        self._logs = None

    def _get(self):
        if self._logs is None:
            self._logs = self._compute()
        return self._logs

    def __getitem__(self, key):
        return self._get()[key]

    def __iter__(self):
        return iter(self._get())

    def __len__(self):
        return len(self._get())


def _overrides(callback, hook):
    method = getattr(callback, hook)
    return getattr(method, "__func__", method) is not _noop


class CallbackList:
    """Calls each hook on every callback; skips hooks that no callback overrides."""

    def __init__(self, callbacks, model, params):
        self.callbacks = list(callbacks)
        for callback in self.callbacks:
            callback.set_model(model)
            callback.set_params(params)
        self._active = {hook: [getattr(c, hook) for c in self.callbacks if _overrides(c, hook)] for hook in _HOOKS}

    def wants(self, hook):
        return bool(self._active[hook])

    def call(self, hook, *args):
        for method in self._active[hook]:
            method(*args)
