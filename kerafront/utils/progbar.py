"""``Progbar``: Keras's text progress bar (``keras.utils.Progbar``) for custom loops.

Values passed to ``update``/``add`` are averaged over the steps seen, weighted by how many steps
each update covers, except the names in ``stateful_metrics`` (shown as given). With interactive
logging off (``kerafront.config.disable_interactive_logging()``) finished lines go to the
``kerafront`` logger instead of stdout.
"""

import logging
import math
import sys
import time

import numpy as np

from kerafront import config


def _format_duration_per_unit(seconds, unit_name):
    if seconds >= 1 or seconds == 0:
        return f" {seconds:.0f}s/{unit_name}"
    if seconds >= 1e-3:
        return f" {seconds * 1e3:.0f}ms/{unit_name}"
    return f" {seconds * 1e6:.0f}us/{unit_name}"


def _format_eta(seconds):
    if seconds > 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds > 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{int(seconds)}s"


def _format_value(value):
    return f"{value:.4f}" if abs(value) > 1e-3 else f"{value:.4e}"


class Progbar:
    """A progress bar for ``target`` steps (``None``: unknown).

    Args:
        target: total number of steps, or ``None``.
        width: characters of the bar.
        verbose: 0 silent, 1 a bar redrawn in place, 2 one line when finished.
        interval: the least seconds between two redraws (``verbose=1``).
        stateful_metrics: names whose values are shown as given, not averaged.
        stateless_metrics: the opposite list (every other name is shown as given); not with the first.
        unit_name: the unit of the speed shown (``"step"``, ``"sample"``).
    """

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None, stateless_metrics=None,
                 unit_name="step"):
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError("Progbar: pass stateful_metrics or stateless_metrics, not both (each is the list of "
                             "exceptions to the other's default).")
        if target is not None and (isinstance(target, bool) or not isinstance(target, (int, float)) or target < 0):
            raise ValueError(f"Progbar: target must be a non-negative number of steps or None, got {target!r}.")
        self.target = target
        self.width = int(width)
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = None if stateless_metrics is not None else set(stateful_metrics or ())
        self.stateless_metrics = None if stateless_metrics is None else set(stateless_metrics)
        self._dynamic_display = getattr(sys.stdout, "isatty", lambda: False)() or "ipykernel" in sys.modules
        self._seen_so_far = 0
        self._values = {}
        self._start = time.time()
        self._last_update = 0.0
        self._time_after_first_step = None
        self._prev_total_width = 0

    def _averaged(self, name):
        if self.stateful_metrics is not None:
            return name not in self.stateful_metrics
        return name in self.stateless_metrics

    def update(self, current, values=None, finalize=None):
        """Show step ``current``; ``values``: ``[(name, value_for_the_last_steps), ...]``.

        ``finalize`` defaults to ``current >= target``: the last update prints a line end.
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for name, value in values or []:
            if self._averaged(name) and not finalize:
                steps = max(current - self._seen_so_far, 1)
                total, count = self._values.get(name, (0.0, 0))
                self._values[name] = (total + value * steps, count + steps)
            else:
                self._values[name] = (value, 1)
        self._seen_so_far = current
        now = time.time()
        per_unit = self._step_duration(current, now)
        if self.verbose == 1:
            if now - self._last_update < self.interval and not finalize:
                return
            self._draw(current, now, per_unit, finalize)
        elif self.verbose == 2 and finalize and self.target:
            digits = int(math.log10(self.target)) + 1
            line = f"{current:{digits}d}/{self.target} - {now - self._start:.0f}s -"
            line += _format_duration_per_unit(per_unit, self.unit_name) + self._metrics_text()
            self._emit(line + "\n")
        self._last_update = now

    def add(self, n, values=None):
        """``update(steps seen so far + n, values)``."""
        self.update(self._seen_so_far + n, values)

    def _metrics_text(self):
        """`` - name: value`` for each name, averages as ``total / steps``."""
        return "".join(f" - {name}: {_format_value(float(np.mean(total)) / max(1, count))}"
                       for name, (total, count) in self._values.items())

    def _draw(self, current, now, per_unit, finalize):
        if self.target:
            digits = int(math.log10(self.target)) + 1
            done = int(self.width * min(current / self.target, 1.0))
            bar = f"{current:{digits}d}/{self.target} [" + "=" * done + "." * (self.width - done) + "]"
        else:
            bar = f"{current:7d}/Unknown"
        if self.target and not finalize:
            info = f" - ETA: {_format_eta(per_unit * (self.target - current))}"
        else:
            info = f" - {now - self._start:.0f}s"
        info += _format_duration_per_unit(per_unit, self.unit_name) + self._metrics_text()
        width = len(bar) + len(info)
        text = bar + info + " " * max(self._prev_total_width - width, 0)
        self._prev_total_width = width
        if self._dynamic_display:
            self._emit("\r" + text + ("\n" if finalize else ""))
        else:
            self._emit(text + "\n")

    def _emit(self, text):
        if not config.is_interactive_logging_enabled():
            line = text.strip("\r\n")
            if line:
                logging.getLogger("kerafront").info(line.strip())
            return
        sys.stdout.write(text)
        sys.stdout.flush()

    def _step_duration(self, current, now):
        """Seconds per step, leaving out the first step (compilation) once there are others."""
        if not current:
            return 0.0
        if self._time_after_first_step is not None and current > 1:
            duration = (now - self._time_after_first_step) / (current - 1)
        else:
            duration = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return duration
