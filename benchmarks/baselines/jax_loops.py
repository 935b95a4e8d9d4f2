"""W1 and W2 written directly in JAX with jax.jit (Adam, Keras's epsilon=1e-7, written out).

W1 here is the floor for any jit-compiled JAX training loop on a cold start: one XLA compile per
batch shape (32 and the last batch's 24), no compilation cache.
"""

import time

import jax
import jax.numpy as jnp
import numpy as np

from benchmarks.data import initial_weights, iris_w1, mnist_like_w2


def _adam(params, m, v, t, grads):
    t = t + 1
    lr = 1e-3 * jnp.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
    m = [0.9 * a + 0.1 * g for a, g in zip(m, grads)]
    v = [0.999 * a + 0.001 * g * g for a, g in zip(v, grads)]
    return [p - lr * a / (jnp.sqrt(b) + 1e-7) for p, a, b in zip(params, m, v)], m, v, t


def _mlp(params, x):
    w0, b0, w1, b1 = params
    return jax.nn.softmax(jax.nn.relu(x @ w0 + b0) @ w1 + b1)


@jax.jit
def _w1_step(params, m, v, t, x, y):
    def loss_fn(p):
        return -jnp.mean(jnp.sum(y * jnp.log(jnp.clip(_mlp(p, x), 1e-7, 1 - 1e-7)), axis=-1))
    loss, grads = jax.value_and_grad(loss_fn)(params)
    return (*_adam(params, m, v, t, grads), loss)


def w1(device="cpu", epochs=100):
    target = jax.devices("gpu")[0] if device == "gpu" else jax.devices("cpu")[0]
    x_train, y_train, x_test, y_test = iris_w1()
    params = [jax.device_put(a, target) for a in initial_weights()[0]]
    state = [params, [jnp.zeros_like(p) for p in params], [jnp.zeros_like(p) for p in params],
             jnp.zeros((), jnp.float32)]
    x, y = jax.device_put(x_train, target), jax.device_put(y_train, target)
    start = time.perf_counter()
    for _ in range(epochs):
        for i in range(0, len(x_train), 32):
            *state, loss = _w1_step(*state, x[i:i + 32], y[i:i + 32])
    loss.block_until_ready()
    seconds = time.perf_counter() - start
    pred = np.asarray(_mlp(state[0], jax.device_put(x_test, target))).argmax(-1)
    return {"seconds": seconds, "accuracy": float((pred == y_test.argmax(-1)).mean())}


def _forward(params, x):
    k1, b1, k2, b2, k3, b3 = params
    dn = ("NHWC", "HWIO", "NHWC")
    x = jax.nn.relu(jax.lax.conv_general_dilated(x, k1, (1, 1), "VALID", dimension_numbers=dn) + b1)
    x = jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
    x = jax.nn.relu(jax.lax.conv_general_dilated(x, k2, (1, 1), "VALID", dimension_numbers=dn) + b2)
    x = jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
    return x.reshape(x.shape[0], -1) @ k3 + b3


def _loss(params, x, y):
    logits = _forward(params, x)
    return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], axis=1))


@jax.jit
def _step(params, m, v, t, x, y):
    loss, grads = jax.value_and_grad(_loss)(params, x, y)
    t = t + 1
    lr = 1e-3 * jnp.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
    m = [0.9 * a + 0.1 * g for a, g in zip(m, grads)]
    v = [0.999 * a + 0.001 * g * g for a, g in zip(v, grads)]
    params = [p - lr * a / (jnp.sqrt(b) + 1e-7) for p, a, b in zip(params, m, v)]
    return params, m, v, t, loss


def w2(device="cpu", batch_size=64, repeats=5):
    target = jax.devices("gpu")[0] if device == "gpu" else jax.devices("cpu")[0]
    x_all, y_all = mnist_like_w2()
    params = [jax.device_put(a, target) for a in initial_weights()[1]]
    m = [jnp.zeros_like(p) for p in params]
    v = [jnp.zeros_like(p) for p in params]
    t = jnp.zeros((), jnp.float32)
    x, y = jax.device_put(x_all, target), jax.device_put(y_all, target)
    steps = len(x_all) // batch_size
    state = [params, m, v, t]

    def epoch(state):
        for i in range(steps):
            sl = slice(i * batch_size, (i + 1) * batch_size)
            *state, loss = _step(*state, x[sl], y[sl])
        loss.block_until_ready()
        return state

    start = time.perf_counter()
    state = epoch(state)
    first_epoch = time.perf_counter() - start
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        state = epoch(state)
        times.append((time.perf_counter() - start) / steps * 1000)
    forward = jax.jit(_forward)
    forward(state[0], x[:256]).block_until_ready()
    start = time.perf_counter()
    for i in range(0, len(x_all), 256):
        np.asarray(forward(state[0], x[i:i + 256]))
    predict = len(x_all) / (time.perf_counter() - start)
    return {"ms_per_step": times, "first_epoch_seconds": first_epoch, "predict_samples_per_s": predict}
