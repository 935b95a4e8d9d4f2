"""``kerafront.distribution``: Keras's distribution API (``keras.distribution``) on each framework's
own engine -- ``jax.sharding`` on JAX, ``torch.distributed`` on torch, ``tf.distribute`` on
TensorFlow. NumPy does not distribute. ``ModelParallel`` with a ``LayoutMap`` (sharded variables) runs on JAX.

    import kerafront as keras
    keras.distribution.set_distribution(keras.distribution.DataParallel())
    model.fit(x, y, batch_size=64)     # each batch of 64 split across the devices

The engine protocol a backend implements is in ``kerafront/distribution/_engine.py``.
"""

from kerafront.distribution._engine import Engine
from kerafront.distribution.distribution_lib import (DataParallel, DeviceMesh, Distribution, LayoutMap,
                                                     ModelParallel, TensorLayout, active_engine, distribute_tensor,
                                                     distribution, get_device_count, initialize, is_chief,
                                                     list_devices, set_distribution)

__all__ = ["DataParallel", "DeviceMesh", "Distribution", "Engine", "LayoutMap", "ModelParallel", "TensorLayout",
           "distribute_tensor", "distribution", "get_device_count", "initialize", "is_chief", "list_devices",
           "set_distribution"]
