"""``MaskRules``: the part of ``Layer`` that follows Keras's mask rules (kerafront/_masking.py holds the
masks themselves)."""

import warnings

from kerafront import _masking


class MaskRules:
    """Mixin of ``Layer``: ``supports_masking``, ``compute_mask`` and how ``__call__`` fills mask arguments."""

    _warns_on_dropped_mask = True   # models pass their inner layers' masks on themselves

    @property
    def supports_masking(self):
        """Whether the layer passes or computes masks: by default, whether its class defines its own
        ``compute_mask`` (Keras's rule); layers that pass masks through set it to True."""
        value = self.__dict__.get("_supports_masking")
        return self._get_call_flags()[3] if value is None else value

    @supports_masking.setter
    def supports_masking(self, value):
        object.__setattr__(self, "_supports_masking", bool(value))

    def compute_mask(self, inputs, previous_mask=None):
        """The mask of the outputs: the input's mask, unchanged (a layer that changes the time axis
        or makes its own mask overrides this)."""
        return previous_mask

    def _populate_masks(self, args, kwargs, mask, flags):
        """Keras's mask arguments: an explicit ``mask`` parameter of ``call`` gets the mask attached
        to the first input; ``<name>_mask`` parameters get the masks of the ``<name>`` arguments.
        Returns the arguments, the mask for ``call`` and the mask ``compute_mask`` sees."""
        first = args[0]
        input_masks = _masking.get_masks(first)
        converted = self._convert_inputs(first)
        if input_masks is not None and converted is not first:
            _masking.set_masks(converted, input_masks)
        args = (converted,) + args[1:]
        if mask is None and flags[2]:
            mask = input_masks
        for position, name, mask_name in flags[4]:
            if kwargs.get(mask_name) is None:
                value = args[position] if position < len(args) else kwargs.get(name)
                value_masks = _masking.get_masks(value) if value is not None else None
                if value_masks is not None:
                    kwargs[mask_name] = value_masks
        return args, kwargs, mask, mask if mask is not None else input_masks

    def _set_output_masks(self, inputs, outputs, previous_mask):
        if self.supports_masking:
            _masking.set_masks(outputs, self.compute_mask(inputs, previous_mask))
        elif previous_mask is not None and self._warns_on_dropped_mask and not self.__dict__.get("_mask_warned"):
            object.__setattr__(self, "_mask_warned", True)
            warnings.warn(f'Layer "{self.name}" ({type(self).__name__}) was called on an input with a mask '
                          "attached, but it does not support masking: layers after it will not see the mask.",
                          stacklevel=3)
