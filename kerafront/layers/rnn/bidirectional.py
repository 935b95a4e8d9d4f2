"""``Bidirectional``: a recurrent layer run forwards and a copy of it run backwards, outputs merged."""

from kerafront import ops
from kerafront.layers.layer import Layer
from kerafront.saving.serialization import deserialize, serialize

MERGE_MODES = ("concat", "sum", "mul", "ave", None)


def _renamed_copy(layer, prefix, **changes):
    """A fresh layer from ``layer``'s config (new weights), named ``prefix + name`` (Keras's rule)."""
    config = serialize(layer)
    name = layer.name[len(prefix):] if layer.name.startswith(prefix) else layer.name
    config["config"].update(name=prefix + name, **changes)
    return deserialize(config)


class Bidirectional(Layer):
    """Wrap a recurrent layer: ``forward_layer`` is a copy of ``layer``; ``backward_layer`` a copy
    with ``go_backwards=True`` (or the given ``backward_layer``). Both take the same inputs and mask.

    ``merge_mode``: ``"concat"`` (default; last axis ``2 * units``), ``"sum"``, ``"mul"``,
    ``"ave"``, or ``None`` (a pair of outputs). With ``return_sequences`` the backward outputs are
    flipped back to input order, and both layers use zeros for masked steps (Keras forces
    ``zero_output_for_mask = return_sequences``). With ``return_state`` the forward states then the
    backward ones follow the output; ``initial_state`` is split the same way (first half forward).
    Weights: the forward layer's, then the backward layer's (Keras's order).
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Bidirectional: layer must be a kerafront layer instance, received {layer!r}.")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(f"Bidirectional: backward_layer must be a kerafront layer instance, "
                             f"received {backward_layer!r}.")
        if merge_mode not in MERGE_MODES:
            raise ValueError(f'Bidirectional: unknown merge_mode {merge_mode!r}; expected one of "concat", "sum", '
                             '"mul", "ave" or None.')
        super().__init__(**kwargs)
        self.forward_layer = _renamed_copy(layer, "forward_")
        self.backward_layer = (_renamed_copy(layer, "backward_", go_backwards=not layer.go_backwards)
                               if backward_layer is None else backward_layer)
        if self.forward_layer.go_backwards == self.backward_layer.go_backwards:
            raise ValueError("Bidirectional: the forward and backward layers must have different go_backwards "
                             f"values; both have go_backwards={self.forward_layer.go_backwards}.")
        for attribute in ("stateful", "return_sequences", "return_state"):
            forward, backward = getattr(self.forward_layer, attribute), getattr(self.backward_layer, attribute)
            if forward != backward:
                raise ValueError(f"Bidirectional: the forward and backward layers must have the same {attribute}; "
                                 f"got {forward} (forward) and {backward} (backward).")
        for inner in (self.forward_layer, self.backward_layer):
            if getattr(inner, "zero_output_for_mask", None) is not None:
                inner.zero_output_for_mask = inner.return_sequences
        self.merge_mode = merge_mode
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self.input_spec = layer.input_spec
        if weights:
            half = len(weights) // 2
            object.__setattr__(self, "_initial_weights", (weights[:half], weights[half:]))  # set at build

    def build(self, sequences_shape, initial_state_shape=None):
        for inner in (self.forward_layer, self.backward_layer):
            if not inner.built:
                inner.build(sequences_shape)
        initial = self.__dict__.pop("_initial_weights", None)
        if initial is not None:
            self.forward_layer.set_weights(initial[0])
            self.backward_layer.set_weights(initial[1])

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        output_shape = self.forward_layer.compute_output_shape(sequences_shape)
        state_shapes = ()
        if self.return_state:
            output_shape, state_shapes = output_shape[0], tuple(output_shape[1:])
        if self.merge_mode == "concat":
            output_shape = tuple(output_shape[:-1]) + (output_shape[-1] * 2,)
        elif self.merge_mode is None:
            output_shape = (tuple(output_shape), tuple(output_shape))
        if not self.return_state:
            return output_shape
        outputs = output_shape if self.merge_mode is None else (output_shape,)
        return outputs + state_shapes + state_shapes

    def call(self, sequences, initial_state=None, mask=None, training=None):
        forward_state = backward_state = None
        if initial_state is not None:
            states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
            if len(states) % 2:
                raise ValueError(f'Bidirectional layer "{self.name}": initial_state must hold the forward states then '
                                 f"the backward states (an even number of tensors), received {len(states)}.")
            forward_state, backward_state = states[:len(states) // 2], states[len(states) // 2:]
        y = self.forward_layer(sequences, initial_state=forward_state, mask=mask, training=training)
        y_rev = self.backward_layer(sequences, initial_state=backward_state, mask=mask, training=training)
        states = ()
        if self.return_state:
            states = tuple(y[1:]) + tuple(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        y, y_rev = ops.cast(y, self.compute_dtype), ops.cast(y_rev, self.compute_dtype)
        if self.return_sequences:
            y_rev = ops.flip(y_rev, axis=1)
        output = _merge(self.merge_mode, y, y_rev)
        if self.return_state:
            return (output if self.merge_mode is None else (output,)) + states
        return output

    def compute_mask(self, inputs, previous_mask=None):
        mask = previous_mask[0] if isinstance(previous_mask, (list, tuple)) else previous_mask
        if self.return_sequences:
            output_mask = [mask, mask] if self.merge_mode is None else mask
        else:
            output_mask = [None, None] if self.merge_mode is None else None
        if self.return_state:
            state_masks = [None] * (2 * len(self.forward_layer.state_size))
            return (output_mask if self.merge_mode is None else [output_mask]) + state_masks
        return output_mask

    @property
    def states(self):
        forward, backward = self.forward_layer.states, self.backward_layer.states
        return tuple(forward) + tuple(backward) if forward and backward else None

    def reset_state(self):
        if not self.stateful:
            raise AttributeError(f'Bidirectional layer "{self.name}" is not stateful: it keeps no states to reset.')
        self.forward_layer.reset_state()
        self.backward_layer.reset_state()

    reset_states = reset_state

    def get_config(self):
        config = super().get_config()
        config.update({"merge_mode": self.merge_mode, "layer": serialize(self.forward_layer),
                       "backward_layer": serialize(self.backward_layer)})
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        layer = deserialize(config.pop("layer"))
        backward = config.pop("backward_layer", None)
        return cls(layer, backward_layer=None if backward is None else deserialize(backward), **config)


def _merge(mode, y, y_rev):
    if mode == "concat":
        return ops.concatenate([y, y_rev], axis=-1)
    if mode == "sum":
        return ops.add(y, y_rev)
    if mode == "ave":
        return ops.divide(ops.add(y, y_rev), 2)
    if mode == "mul":
        return ops.multiply(y, y_rev)
    return (y, y_rev)
