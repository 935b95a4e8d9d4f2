"""Pytrees: nested dicts, lists and tuples whose leaves are tensors (or anything else).

Two conventions live here. ``flatten``/``unflatten``/``map_structure``/``leaves`` are kerafront's
internal ones: ``None`` is an empty subtree and ``flatten`` returns ``(leaves, treedef)``; backends
use them to implement ``value_and_grad`` over pytrees. The functions below them carry Keras's
``keras.tree`` names and semantics: ``None`` is a leaf; nodes are lists, tuples, namedtuples,
dicts (keys visited in sorted order), ``OrderedDict`` (insertion order), ``defaultdict`` and
``deque``; everything else is a leaf; a path is a tuple of sequence indices and mapping keys.
"""

import collections
import warnings


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


# --------------------------------------------------------------------------------------------------
# keras.tree's names (None is a leaf)


class MAP_TO_NONE:
    """Returned by ``traverse``'s ``func`` to replace a subtree with ``None``."""


def _node(x):
    """``(keys, children)`` of a node in visiting order, or ``None`` for a leaf."""
    if isinstance(x, collections.OrderedDict):
        return list(x), list(x.values())
    if isinstance(x, dict):
        keys = sorted(x)
        return keys, [x[k] for k in keys]
    if isinstance(x, (list, tuple, collections.deque)):
        return list(range(len(x))), list(x)
    return None


def _rebuild(x, children):
    """A node like ``x`` holding ``children`` (in ``_node``'s visiting order)."""
    if isinstance(x, collections.OrderedDict):
        return type(x)(zip(x, children))
    if isinstance(x, dict):
        by_key = dict(zip(sorted(x), children))
        items = [(k, by_key[k]) for k in x]  # the original insertion order, as optree rebuilds
        if isinstance(x, collections.defaultdict):
            return type(x)(x.default_factory, items)
        return type(x)(items)
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return type(x)(*children)
    if isinstance(x, collections.deque):
        return collections.deque(children, maxlen=x.maxlen)
    return type(x)(children)


def is_nested(structure):
    """True for a list, tuple, namedtuple, dict or deque (even empty); False for a leaf, ``None`` included."""
    return _node(structure) is not None


def flatten_with_path(structure):
    """``[(path, leaf), ...]`` in flattening order; a path is a tuple of indices and keys."""
    pairs = []

    def visit(x, path):
        node = _node(x)
        if node is None:
            pairs.append((path, x))
            return
        for key, child in zip(*node):
            visit(child, path + (key,))

    visit(structure, ())
    return pairs


def pack_sequence_as(structure, flat_sequence):
    """The leaves of ``flat_sequence`` (in flattening order) in the nesting of ``structure``."""
    flat = list(flat_sequence)
    expected = len(flatten_with_path(structure))
    if len(flat) != expected:
        raise ValueError(f"pack_sequence_as: the structure has {expected} leaves, flat_sequence has {len(flat)} "
                         "items.")
    iterator = iter(flat)

    def build(x):
        node = _node(x)
        return next(iterator) if node is None else _rebuild(x, [build(c) for c in node[1]])

    return build(structure)


def _same_kind(a, b):
    if isinstance(a, dict) and isinstance(b, dict):
        return set(a) == set(b)  # dict, OrderedDict and defaultdict match when their keys do
    return type(a) is type(b) and len(a) == len(b)


def _children_like(a, b):
    """``b``'s children in the visiting order of ``a`` (matched by key for mappings)."""
    keys, _ = _node(a)
    return [b[k] for k in keys] if isinstance(b, dict) else list(b)


def _zip_up_to(shallow, structures, func, path=()):
    if _node(shallow) is None:
        return func(*structures)
    for other in structures:
        if _node(other) is None or not _same_kind(shallow, other):
            raise ValueError(f"Structures don't have the same nested structure: at path {path}, "
                             f"{type(shallow).__name__} of {len(shallow)} against {_describe(other)}.")
    keys, children = _node(shallow)
    others = [_children_like(shallow, other) for other in structures]
    return _rebuild(shallow, [_zip_up_to(child, [o[i] for o in others], func, path + (key,))
                              for i, (key, child) in enumerate(zip(keys, children))])


def _describe(x):
    return f"{type(x).__name__} of {len(x)}" if _node(x) is not None else f"the leaf {x!r}"


def assert_same_structure(a, b, check_types=None):
    """Raise ``ValueError`` unless ``a`` and ``b`` nest the same way (same node types and lengths; any
    two dict kinds match when their keys do). ``check_types`` is deprecated and ignored, as in Keras."""
    if check_types is not None:
        warnings.warn("The `check_types` argument is deprecated and no longer has any effect"
                      + (", please remove." if check_types else ". For a looser check, use "
                         "`keras.tree.assert_same_paths()`."), DeprecationWarning, stacklevel=2)

    def leaf_pair(x, y):
        if _node(y) is not None:
            raise ValueError(f"Structures don't have the same nested structure: a leaf {x!r} in `a` against "
                             f"{_describe(y)} in `b`.")

    _zip_up_to(a, [a, b], leaf_pair)


def assert_same_paths(a, b):
    """Raise ``ValueError`` unless ``a`` and ``b`` have the same set of leaf paths (node types ignored)."""
    a_paths = {path for path, _ in flatten_with_path(a)}
    b_paths = {path for path, _ in flatten_with_path(b)}
    if a_paths != b_paths:
        message = "`a` and `b` don't have the same paths."
        if a_paths - b_paths:
            message += f"\nPaths in `a` missing in `b`:\n{a_paths - b_paths}"
        if b_paths - a_paths:
            message += f"\nPaths in `b` missing in `a`:\n{b_paths - a_paths}"
        raise ValueError(message)


def map_structure_up_to(shallow_structure, func, *structures):
    """``func`` over ``structures`` down to the leaves of ``shallow_structure`` (deeper parts are passed
    whole); the result nests as ``shallow_structure``."""
    if not structures:
        raise ValueError("map_structure_up_to: provide at least one structure.")
    return _zip_up_to(shallow_structure, list(structures), func)


def traverse(func, structure, top_down=True):
    """Depth-first ``func`` over every subtree. Top-down: a non-``None`` result replaces the subtree
    and stops the descent. Bottom-up: ``func`` sees the subtree with its children already traversed;
    a non-``None`` result replaces it. ``MAP_TO_NONE`` as a result means ``None``."""

    def traverse_children():
        node = _node(structure)
        if node is None:
            return structure
        return _rebuild(structure, [traverse(func, child, top_down) for child in node[1]])

    if top_down:
        result = func(structure)
        if result is None:
            return traverse_children()
    else:
        traversed = traverse_children()
        result = func(traversed)
        if result is None:
            return traversed
    return None if result is MAP_TO_NONE else result


def lists_to_tuples(structure):
    """``structure`` with every list (at any depth) turned into a tuple."""
    return traverse(lambda x: tuple(x) if isinstance(x, list) else None, structure, top_down=False)


def _is_shape(x):
    return isinstance(x, (list, tuple)) and all(isinstance(e, (int, type(None))) for e in x)


def map_shape_structure(func, structure):
    """``func`` on every shape (a list or tuple of ints and ``None``s) and every other leaf of ``structure``."""
    if _is_shape(structure) or _node(structure) is None:
        return func(structure)
    return _rebuild(structure, [map_shape_structure(func, child) for child in _node(structure)[1]])
