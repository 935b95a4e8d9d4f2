"""Pytrees: nested dicts, lists and tuples whose leaves are tensors (or anything else).

``None`` is an empty subtree. Dict keys are visited in sorted order so that flattening is
deterministic. Backends use these to implement ``value_and_grad`` over pytrees.
"""


def flatten(tree):
    """Return ``(leaves, treedef)``; ``unflatten(treedef, leaves)`` rebuilds the tree."""
    leaves = []
    treedef = _flatten(tree, leaves)
    return leaves, treedef


def _flatten(tree, leaves):
    if tree is None:
        return ("none",)
    if isinstance(tree, dict):
        keys = sorted(tree)
        return ("dict", type(tree), tuple(keys), tuple(_flatten(tree[k], leaves) for k in keys))
    if isinstance(tree, (list, tuple)):
        return (type(tree).__name__ if type(tree) in (list, tuple) else "seq", type(tree),
                tuple(_flatten(x, leaves) for x in tree))
    leaves.append(tree)
    return ("leaf",)


def unflatten(treedef, leaves):
    iterator = iter(leaves)
    tree = _unflatten(treedef, iterator)
    return tree


def _unflatten(treedef, iterator):
    kind = treedef[0]
    if kind == "none":
        return None
    if kind == "leaf":
        return next(iterator)
    if kind == "dict":
        _, cls, keys, children = treedef
        return cls((k, _unflatten(c, iterator)) for k, c in zip(keys, children))
    _, cls, children = treedef
    items = [_unflatten(c, iterator) for c in children]
    if kind == "list":
        return items
    if kind == "tuple":
        return tuple(items)
    return cls(*items) if hasattr(cls, "_fields") else cls(items)


def map_structure(fn, *trees):
    """Apply ``fn`` leafwise to trees of the same structure."""
    leaves0, treedef = flatten(trees[0])
    others = [flatten(t)[0] for t in trees[1:]]
    for i, other in enumerate(others):
        if len(other) != len(leaves0):
            raise ValueError(f"map_structure: tree {i + 1} has {len(other)} leaves, tree 0 has {len(leaves0)}.")
    return unflatten(treedef, [fn(*xs) for xs in zip(leaves0, *others)])


def leaves(tree):
    return flatten(tree)[0]
