"""``DTypePolicyMap``: layer paths (exact, or regular expressions) -> ``DTypePolicy``, with a default."""

import re
from collections.abc import MutableMapping

from kerafront.dtype_policies.dtype_policy import DTypePolicy


class DTypePolicyMap(DTypePolicy, MutableMapping):
    """A dict-like policy: ``map[path]`` is the policy of the layer at ``path``.

    A lookup tries the exact key, then every key as a regular expression (``re.fullmatch``); a path
    matching two patterns raises ``ValueError``; no match gives ``default_policy``. As a policy
    itself (a layer's ``dtype=``), it has the default policy's dtypes, except for a layer whose
    ``path`` is a key.

    Args:
        default_policy: a ``DTypePolicy`` or its name; ``None``: the global policy at each lookup.
        policy_map: a dict of path -> policy (or policy name).
    """

    def __init__(self, default_policy=None, policy_map=None):
        from kerafront.dtype_policies import get
        if isinstance(default_policy, DTypePolicyMap):
            raise ValueError("`default_policy` cannot be a `DTypePolicyMap`.")
        if policy_map is not None and not isinstance(policy_map, dict):
            raise TypeError(f"If specified, `policy_map` must be a dict. Received: policy_map={policy_map} of type "
                            f"{type(policy_map)}")
        self._default_policy_arg = default_policy
        self._default_policy = None if default_policy is None else get(default_policy)
        self._policy_map = {key: get(value) for key, value in (policy_map or {}).items()}
        self._quantization_mode = None

    @property
    def name(self):
        return f"map_{self.default_policy.name}"

    @property
    def default_policy(self):
        """The policy of paths that match no key (the global policy when none was given)."""
        from kerafront.dtype_policies.dtype_policy import dtype_policy
        return self._default_policy if self._default_policy is not None else dtype_policy()

    @property
    def variable_dtype(self):
        return self.default_policy.variable_dtype

    @property
    def compute_dtype(self):
        return self.default_policy.compute_dtype

    def __getitem__(self, key):
        if key in self._policy_map:
            return self._policy_map[key]
        matches = [pattern for pattern in self._policy_map if re.fullmatch(pattern, key)]
        if len(matches) > 1:
            raise ValueError(f"Path '{key}' matches multiple dtype policy specification keys: {matches}. Please make "
                             "sure each path only matches at most one dtype policy specification key in the "
                             "DTypePolicyMap.")
        return self._policy_map[matches[0]] if matches else self.default_policy

    def __setitem__(self, key, policy):
        from kerafront.dtype_policies import get
        if key in self._policy_map:
            raise ValueError(f"{key} already exist in the DTypePolicyMap with value {self._policy_map[key]}. Please "
                             "make sure to not use duplicated keys.")
        try:
            policy = get(policy)
        except (TypeError, ValueError):
            raise ValueError("Cannot interpret the assigned value by `keras.dtype_policies.get`. "
                             f"Received: {policy} of type {type(policy)}") from None
        self._policy_map[key] = policy

    def __delitem__(self, key):
        return self._policy_map.pop(key)

    def __contains__(self, key):
        return key in self._policy_map

    def __len__(self):
        return len(self._policy_map)

    def __iter__(self):
        return iter(self._policy_map)

    def __eq__(self, other):
        return type(other) is DTypePolicyMap and self._default_policy_arg == other._default_policy_arg \
            and self._policy_map == other._policy_map

    __hash__ = object.__hash__

    def get_config(self):
        """Keras's config: with no default policy, the entries are saved without their names (they
        follow the global policy when loaded, as in Keras)."""
        from kerafront.dtype_policies import serialize
        policies = {}
        for key, policy in self._policy_map.items():
            entry = serialize(policy)
            if self._default_policy_arg is None:
                entry["config"] = dict(entry["config"], name=None)
            policies[key] = entry
        default = self._default_policy_arg
        return {"default_policy": serialize(default) if isinstance(default, DTypePolicy) else default,
                "policy_map": policies}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from kerafront.dtype_policies import deserialize
        config = dict(config)
        config["policy_map"] = {key: deserialize(value, custom_objects)
                                for key, value in (config.get("policy_map") or {}).items()}
        return cls(**config)

    def __repr__(self):
        default = self._default_policy.name if self._default_policy is not None else None
        mapping = [(key, policy.name) for key, policy in self._policy_map.items()]
        return f"<DTypePolicyMap at {hex(id(self))} default_policy={default}, mapping={mapping}>"
