"""W1-W4 written directly in JAX with jax.jit (Adam, Keras's epsilon=1e-7, written out).

W3's LSTM is a ``lax.scan`` over time (the input projection of every step computed up front); W4's
attention block is written with einsums. Each training step is one ``jax.jit`` function.

W1 here is the floor for any jit-compiled JAX training loop on a cold start: one XLA compile per
batch shape (32 and the last batch's 24), no compilation cache.
"""

import time

import jax
import jax.numpy as jnp
import numpy as np

from benchmarks.data import (W3_SIZES, W4_SIZES, W4_LAYERS, initial_weights, iris_w1, mnist_like_w2, sequences_w4,
                             text_w3, w3_weights, w4_weights)


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


def _lstm_last_state(kernel, recurrent_kernel, bias, x):
    """Keras's LSTM (gates i, f, c, o; sigmoid and tanh) over ``x`` ``(batch, time, features)``: the last ``h``."""
    def step(carry, z_x):
        h, c = carry
        z_i, z_f, z_c, z_o = jnp.split(z_x + h @ recurrent_kernel, 4, axis=-1)
        c = jax.nn.sigmoid(z_f) * c + jax.nn.sigmoid(z_i) * jnp.tanh(z_c)
        return (jax.nn.sigmoid(z_o) * jnp.tanh(c), c), None

    zeros = jnp.zeros((x.shape[0], recurrent_kernel.shape[0]), x.dtype)
    (h, _), _ = jax.lax.scan(step, (zeros, zeros), jnp.einsum("btf,fg->tbg", x, kernel) + bias)
    return h


def _text_classifier(params, ids):
    embeddings, kernel, recurrent_kernel, bias, dense_kernel, dense_bias = params
    last_h = _lstm_last_state(kernel, recurrent_kernel, bias, jnp.take(embeddings, ids, axis=0))
    return last_h @ dense_kernel + dense_bias


def _w3_loss(params, ids, y):
    logits = _text_classifier(params, ids)
    return jnp.mean(jax.nn.softplus(logits) - y * logits)   # binary crossentropy of sigmoid(logits)


def _layer_norm(x, gamma, beta):
    mean = x.mean(-1, keepdims=True)
    variance = jnp.square(x - mean).mean(-1, keepdims=True)
    return (x - mean) * jax.lax.rsqrt(variance + 1e-3) * gamma + beta   # Keras's epsilon


def _encoder_block(params, x):
    qk, qb, kk, kb, vk, vb, ok, ob, g1, b1, f1k, f1b, f2k, f2b, g2, b2, hk, hb = params
    query = (jnp.einsum("btw,whd->bthd", x, qk) + qb) / np.sqrt(qk.shape[-1])
    key = jnp.einsum("btw,whd->bthd", x, kk) + kb
    value = jnp.einsum("btw,whd->bthd", x, vk) + vb
    scores = jax.nn.softmax(jnp.einsum("bshd,bthd->bhts", key, query), axis=-1)
    attended = jnp.einsum("bhts,bshd,hdw->btw", scores, value, ok) + ob
    x = _layer_norm(x + attended, g1, b1)
    x = _layer_norm(x + jax.nn.relu(x @ f1k + f1b) @ f2k + f2b, g2, b2)
    return x.mean(1) @ hk + hb


def _w4_loss(params, x, y):
    return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(_encoder_block(params, x)), y[:, None], axis=1))


def _train_step(loss_fn):
    @jax.jit
    def step(params, m, v, t, x, y):
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
        return (*_adam(params, m, v, t, grads), loss)
    return step


def _timed_epochs(step, params, x, y, batch_size, repeats, device):
    """Adam steps over ``x`` in order: one warm-up epoch (the compile), then ``repeats`` timed ones.

    Returns ms/step per timed epoch, the first epoch's step losses and the last epoch's mean loss.
    """
    target = jax.devices("gpu")[0] if device == "gpu" else jax.devices("cpu")[0]
    params = [jax.device_put(a, target) for a in params]
    state = [params, [jnp.zeros_like(p) for p in params], [jnp.zeros_like(p) for p in params],
             jnp.zeros((), jnp.float32)]
    x, y = jax.device_put(x, target), jax.device_put(y, target)
    steps = len(x) // batch_size

    def epoch(state):
        losses = []
        for i in range(steps):
            sl = slice(i * batch_size, (i + 1) * batch_size)
            *state, loss = step(*state, x[sl], y[sl])
            losses.append(loss)
        return state, np.asarray(jnp.stack(losses))

    start = time.perf_counter()
    state, first_losses = epoch(state)
    first_epoch = time.perf_counter() - start
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        state, losses = epoch(state)
        times.append((time.perf_counter() - start) / steps * 1000)
    return {"ms_per_step": times, "first_epoch_seconds": first_epoch, "losses": first_losses.tolist(),
            "final_loss": float(losses.mean())}


_w3_step, _w4_step = _train_step(_w3_loss), _train_step(_w4_loss)


def w3(device="cpu", repeats=5, size="full"):
    ids, labels = text_w3(size)
    return _timed_epochs(_w3_step, w3_weights(size), ids, labels, W3_SIZES[size]["batch"], repeats, device)


def w4(device="cpu", repeats=5, size="full"):
    inputs, labels = sequences_w4(size)
    weights = w4_weights(size)
    params = [w for name in W4_LAYERS for w in weights[name]]
    return _timed_epochs(_w4_step, params, inputs, labels, W4_SIZES[size]["batch"], repeats, device)
