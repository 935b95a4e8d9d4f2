"""``StackedRNNCells``: a list of cells that acts as one cell (each cell's output feeds the next)."""

import inspect

from kerafront import ops
from kerafront.layers.layer import Layer
from kerafront.saving.serialization import deserialize, serialize


def output_size_of(cell):
    """A cell's ``output_size``, else its (first) ``state_size``: Keras's rule."""
    size = getattr(cell, "output_size", None)
    if size is not None:
        return size
    state_size = cell.state_size
    return state_size[0] if isinstance(state_size, (list, tuple)) else state_size


def takes_training(cell):
    """Whether ``cell.call`` accepts ``training``."""
    if isinstance(cell, Layer):
        return cell._get_call_flags()[0]
    parameters = inspect.signature(cell.call).parameters
    return "training" in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())


class StackedRNNCells(Layer):
    """Cells called in order at each step: ``states`` holds one entry (a tensor or a list) per cell.

    ``state_size`` is the list of the cells' ``state_size``; ``output_size`` the last cell's.
    Weights: the cells' weights, cell by cell (Keras's order).
    """

    def __init__(self, cells, **kwargs):
        cells = list(cells)
        for cell in cells:
            if not callable(getattr(cell, "call", None)) or getattr(cell, "state_size", None) is None:
                raise ValueError("StackedRNNCells: every cell needs a call(inputs, states) method and a state_size "
                                 f"attribute; received {cell!r}.")
        super().__init__(**kwargs)
        self.cells = cells

    @property
    def state_size(self):
        return [list(c.state_size) if isinstance(c.state_size, (list, tuple)) else c.state_size for c in self.cells]

    @property
    def output_size(self):
        return output_size_of(self.cells[-1])

    def get_initial_state(self, batch_size=None):
        states = []
        for cell in self.cells:
            make = getattr(cell, "get_initial_state", None)
            if make is not None:
                states.append(make(batch_size=batch_size))
            elif isinstance(cell.state_size, int):
                states.append(ops.zeros((batch_size, cell.state_size), dtype=self.compute_dtype))
            else:
                states.append([ops.zeros((batch_size, size), dtype=self.compute_dtype) for size in cell.state_size])
        return states

    def build(self, input_shape):
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell.build(input_shape)
            input_shape = (input_shape[0], output_size_of(cell))

    def call(self, inputs, states, training=False):
        new_states = []
        for cell, cell_states in zip(self.cells, states):
            is_list = isinstance(cell_states, (list, tuple))
            kwargs = {"training": training} if takes_training(cell) else {}
            inputs, cell_states = cell.call(inputs, list(cell_states) if is_list else [cell_states], **kwargs)
            if not isinstance(cell_states, (list, tuple)):
                cell_states = [cell_states]
            new_states.append(list(cell_states) if is_list or len(cell_states) != 1 else cell_states[0])
        return inputs, new_states

    def get_config(self):
        config = super().get_config()
        config["cells"] = [serialize(cell) for cell in self.cells]
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        return cls([deserialize(cell) for cell in config.pop("cells")], **config)
