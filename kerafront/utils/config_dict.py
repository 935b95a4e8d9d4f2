"""``Config`` (Keras's ``keras.utils.Config``): a dict of named values read and set as attributes,
that can be frozen and written as JSON."""

import copy
import difflib
import json


class Config:
    """``Config(learning_rate=0.1)``: ``config.learning_rate``, ``config["learning_rate"]``, ``config.seed = 1``.

    ``freeze()`` makes every later change (attribute, item, ``update``, ``pop``, ``del``) raise
    ``ValueError``; ``unfreeze()`` undoes it. Iteration yields the keys sorted, as in Keras.
    """

    _own = frozenset({"_values", "_frozen"})

    def __init__(self, **kwargs):
        object.__setattr__(self, "_values", dict(kwargs))
        object.__setattr__(self, "_frozen", False)

    @property
    def frozen(self):
        return self._frozen

    def freeze(self):
        object.__setattr__(self, "_frozen", True)

    def unfreeze(self):
        object.__setattr__(self, "_frozen", False)

    def _check_mutable(self):
        if self._frozen:
            raise ValueError("Cannot mutate attribute(s) because the config is frozen.")

    def as_dict(self):
        return copy.copy(self._values)

    def to_json(self):
        return json.dumps(self._values)

    def keys(self):
        return self._values.keys()

    def values(self):
        return self._values.values()

    def items(self):
        return self._values.items()

    def get(self, keyname, value=None):
        return self._values.get(keyname, value)

    def pop(self, *args):
        self._check_mutable()
        return self._values.pop(*args)

    def update(self, *args, **kwargs):
        self._check_mutable()
        return self._values.update(*args, **kwargs)

    def __setattr__(self, name, value):
        if name in self._own or hasattr(type(self), name):
            raise AttributeError(f"Config: {name!r} is a method or property of Config; set it as config[{name!r}].")
        self._check_mutable()
        self._values[name] = value

    def __getattr__(self, name):
        values = object.__getattribute__(self, "_values")
        if name in values:
            return values[name]
        message = f"Unknown attribute: '{name}'."
        close = difflib.get_close_matches(name, list(values), n=1, cutoff=0.7)
        if close:
            message += f" Did you mean '{close[0]}'?"
        raise AttributeError(message)

    def __setitem__(self, key, item):
        self._check_mutable()
        self._values[key] = item

    def __getitem__(self, key):
        return self._values[key]

    def __delitem__(self, key):
        self._check_mutable()
        del self._values[key]

    def __contains__(self, item):
        return item in self._values

    def __iter__(self):
        return iter(sorted(self._values))

    def __len__(self):
        return len(self._values)

    def __repr__(self):
        return f"<Config {self._values}>"
