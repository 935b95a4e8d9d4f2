"""Keras-style progress bar: step counter, ETA and running metrics on a terminal; one line per epoch otherwise."""

import logging
import sys
import time

from kerafront import config
from kerafront.callbacks.callback import Callback


def format_logs(logs):
    return " - ".join(f"{k}: {v:.4f}" if isinstance(v, float) else f"{k}: {v}" for k, v in logs.items())


def format_duration(seconds):
    if seconds >= 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds >= 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    if seconds >= 1:
        return f"{seconds:.0f}s"
    return f"{seconds * 1000:.0f}ms"


class ProgbarLogger(Callback):
    """Prints progress for ``fit``/``evaluate``/``predict``.

    ``verbose=1`` on a terminal redraws one line per epoch (at most every ``interval`` seconds);
    when output is not a terminal, or ``verbose=2``, it prints one clean line per epoch.
    """

    def __init__(self, verbose=1, stream=None, interval=0.1):
        super().__init__()
        self.verbose = verbose
        self.stream = stream or sys.stdout
        self.interval = interval
        self.live = verbose == 1 and getattr(self.stream, "isatty", lambda: False)()
        self._last_draw = 0.0
        self._start = 0.0
        self.epochs = 1

    def _write(self, text):
        if not config.is_interactive_logging_enabled():  # Keras's switch: whole lines to a logger
            line = text.replace("\x1b[K", "").strip("\r\n")
            if text.endswith("\n") and line:
                logging.getLogger("kerafront").info(line)
            return
        self.stream.write(text)
        self.stream.flush()

    def on_train_begin(self, logs=None):
        self.epochs = self.params.get("epochs", 1)

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()
        self._epoch = epoch
        if self.live:
            self._write(f"Epoch {epoch + 1}/{self.epochs}\n")

    def on_train_batch_end(self, batch, logs=None):
        if not self.live:
            return
        now = time.perf_counter()
        steps = self.params.get("steps")
        if now - self._last_draw < self.interval and (steps is None or batch + 1 < steps):
            return
        self._last_draw = now
        elapsed = now - self._start
        if steps:
            width = 20
            done = int(width * (batch + 1) / steps)
            bar = "=" * max(done - 1, 0) + (">" if done < width else "=") + "." * (width - done)
            eta = elapsed / (batch + 1) * (steps - batch - 1)
            head = f"{batch + 1}/{steps} [{bar}] - ETA: {format_duration(eta)}"
        else:
            head = f"{batch + 1}/Unknown - {format_duration(elapsed)}"
        self._write(f"\r{head} - {format_logs(dict(logs or {}))}\x1b[K")

    def on_epoch_end(self, epoch, logs=None):
        elapsed = time.perf_counter() - self._start
        steps = self.params.get("steps")
        step_text = f"{steps}/{steps} - " if steps else ""
        line = f"{step_text}{format_duration(elapsed)} - {format_logs(logs or {})}"
        if self.live:
            self._write(f"\r{line}\x1b[K\n")
        else:
            self._write(f"Epoch {epoch + 1}/{self.epochs} - {line}\n")
