"""``MonitorCallback``: the base of callbacks that watch one logged quantity (EarlyStopping,
ReduceLROnPlateau, ModelCheckpoint), as in Keras 3."""

from kerafront.callbacks.callback import Callback


def resolve_mode(mode, monitor):
    """'min' or 'max' for ``mode`` ('auto' guesses from the monitor's name, as Keras does)."""
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}.")
    if mode != "auto":
        return mode
    name = monitor.removeprefix("val_")
    return "max" if any(k in name for k in ("acc", "auc", "precision", "recall", "f1")) else "min"


class MonitorCallback(Callback):
    """Watches ``monitor`` in the epoch logs; ``mode`` ('auto', 'min' or 'max') says which way is better."""

    def __init__(self, monitor="val_loss", mode="auto"):
        super().__init__()
        self.monitor = monitor
        self.mode = resolve_mode(mode, monitor)

    def _is_improvement(self, current, reference, min_delta=0.0):
        """Whether ``current`` beats ``reference`` by more than ``min_delta`` (anything beats ``None``)."""
        if reference is None:
            return True
        if self.mode == "min":
            return current < reference - min_delta
        return current > reference + min_delta
