"""dtype names and kerafront's one promotion table, shared by every backend.

dtypes are named by strings: "bool", "uint8", "int8", "int16", "int32", "int64",
"float16", "bfloat16", "float32", "float64".

Promotion (``result_type``), the rule every backend follows for binary ops:

* equal dtypes give that dtype;
* bool with anything gives the other dtype;
* two integer dtypes give the wider; an unsigned with a signed integer gives the smallest
  signed integer holding both (uint8 + int8 -> int16);
* an integer (or bool) with a float gives the float, whatever the integer's width
  (int64 + float32 -> float32; NumPy would say float64);
* float16 with bfloat16 gives float32; otherwise two floats give the wider;
* Python scalars are *weak*: a Python int or bool takes the tensor's dtype, a Python float takes
  the tensor's dtype if it is a float dtype, else ``floatx``. Two Python scalars give int32 (ints),
  floatx (floats) or bool.

Index-producing ops (argmax, argmin, argsort, top_k indices) return int32, as Keras does.
True division of integers returns floatx.
"""

FLOAT_DTYPES = ("float16", "bfloat16", "float32", "float64")
INT_DTYPES = ("uint8", "int8", "int16", "int32", "int64")
ALL_DTYPES = ("bool",) + INT_DTYPES + FLOAT_DTYPES

_ALIASES = {"float": "float32", "double": "float64", "half": "float16", "int": "int64", "bool_": "bool"}
_INT_BITS = {"uint8": 8, "int8": 8, "int16": 16, "int32": 32, "int64": 64}
_FLOAT_BITS = {"float16": 16, "bfloat16": 16, "float32": 32, "float64": 64}


def standardize_dtype(dtype):
    """Return kerafront's string name for ``dtype`` (a string, NumPy/torch/JAX/TF dtype or class).

    Raises ``TypeError`` naming the received value when it is not a dtype kerafront supports.
    """
    if dtype is None:
        return None
    if isinstance(dtype, str):
        name = dtype
    elif dtype is bool:
        name = "bool"
    elif dtype is int:
        name = "int64"
    elif dtype is float:
        name = "float32"
    else:
        name = getattr(dtype, "name", None) or getattr(dtype, "__name__", None) or str(dtype)
    name = str(name).replace("torch.", "").replace("tf.", "")
    name = _ALIASES.get(name, name)
    if name not in ALL_DTYPES:
        raise TypeError(f"Unsupported dtype {dtype!r}; expected one of {', '.join(ALL_DTYPES)}.")
    return name


def is_float(dtype):
    return standardize_dtype(dtype) in FLOAT_DTYPES


def is_int(dtype):
    return standardize_dtype(dtype) in INT_DTYPES


def _promote_pair(a, b):
    if a == b:
        return a
    if a == "bool":
        return b
    if b == "bool":
        return a
    a_float, b_float = a in _FLOAT_BITS, b in _FLOAT_BITS
    if a_float and b_float:
        if {a, b} == {"float16", "bfloat16"}:
            return "float32"
        return a if _FLOAT_BITS[a] > _FLOAT_BITS[b] else b
    if a_float:
        return a
    if b_float:
        return b
    a_unsigned, b_unsigned = a.startswith("u"), b.startswith("u")
    if a_unsigned == b_unsigned:
        return a if _INT_BITS[a] > _INT_BITS[b] else b
    unsigned, signed = (a, b) if a_unsigned else (b, a)
    if _INT_BITS[signed] > _INT_BITS[unsigned]:
        return signed
    return {8: "int16", 16: "int32", 32: "int64", 64: "int64"}[_INT_BITS[unsigned]]


def result_type(*dtypes, weak=(), floatx="float32"):
    """Promote tensor dtypes (strings) and weak Python scalar types per the table above.

    ``weak`` holds Python types (``bool``, ``int``, ``float``) of scalar operands.
    """
    strong = [standardize_dtype(d) for d in dtypes if d is not None]
    result = None
    for d in strong:
        result = d if result is None else _promote_pair(result, d)
    has_float_scalar = float in weak
    if result is None:
        if has_float_scalar:
            return floatx
        if int in weak:
            return "int32"
        return "bool"
    if has_float_scalar and result not in _FLOAT_BITS:
        return floatx
    if result == "bool" and int in weak:
        return "int32"
    return result
