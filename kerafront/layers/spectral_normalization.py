"""SpectralNormalization (Keras 3's): divide a layer's kernel by its largest singular value, estimated by power
iteration, on each training call."""

from kerafront import initializers, ops
from kerafront.layers.input_spec import InputSpec
from kerafront.layers.wrappers import Wrapper


def _l2_normalize(x):
    """``x / ||x||`` over all elements, Keras's way: ``x * min(rsqrt(sum(x**2)), 1 / 1e-7)``."""
    return ops.multiply(x, ops.minimum(ops.rsqrt(ops.sum(ops.square(x))), 1e7))


class SpectralNormalization(Wrapper):
    """Wrap a layer with a ``kernel`` (or ``embeddings``) of shape ``(..., units)``.

    ``call(inputs, training=True)``: ``power_iterations`` steps of ``v = normalize(u W^T)``,
    ``u = normalize(v W)`` on ``W`` = the kernel as ``(-1, units)``, then ``sigma = v W u^T``; the kernel
    *variable* is assigned ``kernel / sigma`` and ``u`` is stored (an all-zero kernel is left as it is),
    as in Keras. Inference calls use the kernel as stored. ``vector_u``: ``(1, units)``, non-trainable,
    ``TruncatedNormal(stddev=0.02)`` at first.
    """

    def __init__(self, layer, power_iterations=1, **kwargs):
        super().__init__(layer, **kwargs)
        if not isinstance(power_iterations, int) or power_iterations <= 0:
            raise ValueError(f"SpectralNormalization: power_iterations must be a positive integer, got "
                             f"{power_iterations!r}.")
        self.power_iterations = power_iterations

    def build(self, input_shape):
        super().build(input_shape)
        if not (hasattr(self.layer, "kernel") or hasattr(self.layer, "embeddings")):
            raise ValueError(f"SpectralNormalization: the wrapped {type(self.layer).__name__} has no 'kernel' nor "
                             "'embeddings' weight to normalize.")
        self.input_spec = InputSpec(min_ndim=1, axes={-1: input_shape[-1]})
        # Held here too, as Keras does: the kernel is then this layer's own first weight (Keras's weight order)
        self.kernel = self.layer.kernel if hasattr(self.layer, "kernel") else self.layer.embeddings
        self.vector_u = self.add_weight((1, tuple(self.kernel.shape)[-1]),
                                        initializer=initializers.TruncatedNormal(stddev=0.02), trainable=False,
                                        name="vector_u", dtype=self.kernel.dtype)

    def call(self, inputs, training=False):
        if training:
            kernel, vector_u = self.kernel.value, self.vector_u.value
            new_u, new_kernel = ops.cond(ops.all(ops.equal(kernel, 0)), lambda: (vector_u, kernel),
                                         lambda: self.normalized_weights(kernel, vector_u))
            self.vector_u.assign(new_u)
            self.kernel.assign(new_kernel)
        return ops.cast(self.layer(inputs), ops.dtype(inputs))

    def normalized_weights(self, kernel, vector_u):
        """``(u, kernel / sigma)`` after ``power_iterations`` steps from ``vector_u``."""
        shape = tuple(kernel.shape)
        weights = ops.reshape(kernel, (-1, shape[-1]))
        for _ in range(self.power_iterations):
            vector_v = _l2_normalize(ops.matmul(vector_u, ops.transpose(weights)))
            vector_u = _l2_normalize(ops.matmul(vector_v, weights))
        vector_u, vector_v = ops.stop_gradient(vector_u), ops.stop_gradient(vector_v)
        sigma = ops.matmul(ops.matmul(vector_v, weights), ops.transpose(vector_u))
        return vector_u, ops.reshape(ops.divide(weights, sigma), shape)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config["power_iterations"] = self.power_iterations
        return config
