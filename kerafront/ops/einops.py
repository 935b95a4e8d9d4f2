"""einops' ``rearrange`` (``keras.ops.rearrange``): the pattern parsed here, so einops is not needed.

A pattern names each axis on both sides (``"b (h w) c -> b h w c"``); the op is one reshape that
splits the left side's groups, one transpose and one reshape that merges the right side's.
"""

import builtins
import math as _pymath
import re

from kerafront.ops._dispatch import composite
from kerafront.ops._primitives import convert_to_tensor, reshape, shape as shape_of, transpose

__all__ = ["rearrange"]

_TOKEN = re.compile(r"\(|\)|[A-Za-z_]\w*|\S+")


def _parse_pattern_side(side, pattern):
    """``"b (h w) c"`` -> ``[["b"], ["h", "w"], ["c"]]``; each inner list one axis of the tensor."""
    groups, group = [], None
    for token in _TOKEN.findall(side):
        if token == "(":
            if group is not None:
                raise ValueError(f"rearrange: nested parentheses in pattern {pattern!r}.")
            group = []
        elif token == ")":
            if group is None:
                raise ValueError(f"rearrange: unbalanced ')' in pattern {pattern!r}.")
            groups.append(group)
            group = None
        elif re.fullmatch(r"[A-Za-z_]\w*", token):
            if group is None:
                groups.append([token])
            else:
                group.append(token)
        else:
            raise ValueError(f"rearrange: unsupported token {token!r} in pattern {pattern!r}; use axis names "
                             "and parenthesised groups, e.g. 'b (h w) c -> b h w c'.")
    if group is not None:
        raise ValueError(f"rearrange: unbalanced '(' in pattern {pattern!r}.")
    names = [name for g in groups for name in g]
    if len(set(names)) != len(names):
        raise ValueError(f"rearrange: an axis name appears twice on one side of pattern {pattern!r}.")
    return groups


@composite
def rearrange(tensor, pattern, **axes_lengths):
    """einops' ``rearrange``: reorder, merge and split axes by a pattern such as ``"b (h w) c -> b c h w"``.

    Each side names every axis once; a parenthesised group is one axis of the tensor made of its
    names (merged on the right side, split on the left, where at most one name of a group may be
    left for ``axes_lengths`` to infer). The same names appear on both sides. Done as one reshape,
    one transpose and one reshape.
    """
    if not isinstance(pattern, str) or pattern.count("->") != 1:
        raise ValueError(f"rearrange: pattern must be a string 'inputs -> outputs', received {pattern!r}.")
    left, right = (_parse_pattern_side(side, pattern) for side in pattern.split("->"))
    left_names = [n for g in left for n in g]
    right_names = [n for g in right for n in g]
    if set(left_names) != set(right_names):
        raise ValueError(f"rearrange: both sides of {pattern!r} must name the same axes; only on the left: "
                         f"{sorted(set(left_names) - set(right_names))}, only on the right: "
                         f"{sorted(set(right_names) - set(left_names))}.")
    unknown = sorted(set(axes_lengths) - set(left_names))
    if unknown:
        raise ValueError(f"rearrange: axes_lengths names axes {unknown} that pattern {pattern!r} does not have.")
    tensor = convert_to_tensor(tensor)
    shape = tuple(shape_of(tensor))
    if len(shape) != len(left):
        raise ValueError(f"rearrange: the left side of {pattern!r} has {len(left)} axes but the tensor has shape "
                         f"{shape}.")
    sizes = {}
    for group, dim in zip(left, shape):
        missing = [n for n in group if n not in axes_lengths]
        known = _pymath.prod(axes_lengths[n] for n in group if n in axes_lengths)
        if len(missing) > 1:
            raise ValueError(f"rearrange: cannot infer the sizes of {missing} in {pattern!r}: give all but one "
                             "of a group's sizes as keyword arguments.")
        if dim is not None and (dim % known if missing else dim != known):
            raise ValueError(f"rearrange: axis of size {dim} cannot be split as {group} with "
                             f"{ {n: axes_lengths[n] for n in group if n in axes_lengths} } in {pattern!r}.")
        for n in group:
            sizes[n] = axes_lengths.get(n, None if dim is None else dim // known)
    decomposed = [sizes[n] for n in left_names]
    merged = [_product_or_none([sizes[n] for n in g]) for g in right]
    x = tensor
    if builtins.any(len(g) != 1 for g in left):
        x = reshape(x, _with_one_unknown(decomposed, pattern))
    x = transpose(x, [left_names.index(n) for n in right_names])
    if builtins.any(len(g) != 1 for g in right):
        x = reshape(x, _with_one_unknown(merged, pattern))
    return x


def _product_or_none(values):
    return None if None in values else _pymath.prod(values)


def _with_one_unknown(shape, pattern):
    if shape.count(None) > 1:
        raise ValueError(f"rearrange: {pattern!r} needs a reshape with several unknown sizes {shape}; give the "
                         "sizes as keyword arguments.")
    return tuple(-1 if d is None else d for d in shape)
