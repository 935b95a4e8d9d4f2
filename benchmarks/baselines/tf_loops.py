"""W2-W4 written directly in TensorFlow with tf.function (Adam with epsilon=1e-7, written out); no keras.

W3's LSTM is a ``tf.scan`` over time inside the compiled step (the input projection of every step
computed up front); W4's attention block is written with ``tf.einsum``.
"""

import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _import_tensorflow_without_keras():
    """``import tensorflow`` ends by importing Keras's optimizers (and TFLite's optional JAX) inside a
    ``try/except ImportError``; mark them unavailable meanwhile so this loop, like kerafront, runs
    without Keras in memory (a fair peak-memory comparison), then lift the marks."""
    blocked = [name for name in ("keras.src.optimizers", "tf_keras.src.optimizers", "jax") if name not in sys.modules]
    sys.modules.update(dict.fromkeys(blocked, None))
    try:
        import tensorflow
    finally:
        for name in blocked:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]
    return tensorflow


tf = _import_tensorflow_without_keras()

from benchmarks.data import (W3_SIZES, W4_SIZES, W4_LAYERS, initial_weights, mnist_like_w2,  # noqa: E402
                             sequences_w4, text_w3, w3_weights, w4_weights)


def w2_logits(params, x):
    """The W2 CNN's logits: two VALID 3x3 convolutions with ReLU and 2x2 max pooling, then a dense layer."""
    k1, b1, k2, b2, k3, b3 = params
    x = tf.nn.max_pool2d(tf.nn.relu(tf.nn.conv2d(x, k1, 1, "VALID") + b1), 2, 2, "VALID")
    x = tf.nn.max_pool2d(tf.nn.relu(tf.nn.conv2d(x, k2, 1, "VALID") + b2), 2, 2, "VALID")
    return tf.reshape(x, (tf.shape(x)[0], -1)) @ k3 + b3


def w2(device="cpu", batch_size=64, repeats=5):
    x_all, y_all = mnist_like_w2()
    params = [tf.Variable(a) for a in initial_weights()[1]]
    m = [tf.Variable(tf.zeros_like(p)) for p in params]
    v = [tf.Variable(tf.zeros_like(p)) for p in params]
    t = tf.Variable(0.0)

    def forward(x):
        return w2_logits(params, x)

    @tf.function
    def step(x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(y, forward(x)))
        grads = tape.gradient(loss, params)
        t.assign_add(1.0)
        lr = 1e-3 * tf.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
        for p, a, b, g in zip(params, m, v, grads):
            a.assign(0.9 * a + 0.1 * g)
            b.assign(0.999 * b + 0.001 * g * g)
            p.assign_sub(lr * a / (tf.sqrt(b) + 1e-7))
        return loss

    x, y = tf.constant(x_all), tf.constant(y_all)
    steps = len(x_all) // batch_size

    def epoch():
        for i in range(steps):
            loss = step(x[i * batch_size:(i + 1) * batch_size], y[i * batch_size:(i + 1) * batch_size])
        float(loss)

    start = time.perf_counter()
    epoch()
    first_epoch = time.perf_counter() - start
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        epoch()
        times.append((time.perf_counter() - start) / steps * 1000)
    predict_fn = tf.function(forward)
    predict_fn(x[:256])
    start = time.perf_counter()
    for i in range(0, len(x_all), 256):
        predict_fn(x[i:i + 256]).numpy()
    predict = len(x_all) / (time.perf_counter() - start)
    return {"ms_per_step": times, "first_epoch_seconds": first_epoch, "predict_samples_per_s": predict}


def _lstm_last_state(kernel, recurrent_kernel, bias, x):
    """Keras's LSTM (gates i, f, c, o; sigmoid and tanh) over ``x`` ``(batch, time, features)``: the last ``h``."""
    def step(carry, z_x):
        h, c = carry
        z_i, z_f, z_c, z_o = tf.split(z_x + h @ recurrent_kernel, 4, axis=-1)
        c = tf.sigmoid(z_f) * c + tf.sigmoid(z_i) * tf.tanh(z_c)
        return tf.sigmoid(z_o) * tf.tanh(c), c

    zeros = tf.zeros((tf.shape(x)[0], recurrent_kernel.shape[0]), x.dtype)
    h, _ = tf.scan(step, tf.einsum("btf,fg->tbg", x, kernel) + bias, initializer=(zeros, zeros))
    return h[-1]


def _w3_loss(params, ids, y):
    embeddings, kernel, recurrent_kernel, bias, dense_kernel, dense_bias = params
    logits = _lstm_last_state(kernel, recurrent_kernel, bias, tf.gather(embeddings, ids)) @ dense_kernel + dense_bias
    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(y, logits))


def _layer_norm(x, gamma, beta):
    mean, variance = tf.nn.moments(x, axes=[-1], keepdims=True)
    return (x - mean) * tf.math.rsqrt(variance + 1e-3) * gamma + beta   # Keras's epsilon


def _w4_loss(params, x, y):
    qk, qb, kk, kb, vk, vb, ok, ob, g1, b1, f1k, f1b, f2k, f2b, g2, b2, hk, hb = params
    query = (tf.einsum("btw,whd->bthd", x, qk) + qb) / float(qk.shape[-1]) ** 0.5
    key = tf.einsum("btw,whd->bthd", x, kk) + kb
    value = tf.einsum("btw,whd->bthd", x, vk) + vb
    scores = tf.nn.softmax(tf.einsum("bshd,bthd->bhts", key, query), axis=-1)
    attended = tf.einsum("bthd,hdw->btw", tf.einsum("bhts,bshd->bthd", scores, value), ok) + ob
    x = _layer_norm(x + attended, g1, b1)
    x = _layer_norm(x + tf.nn.relu(x @ f1k + f1b) @ f2k + f2b, g2, b2)
    logits = tf.reduce_mean(x, axis=1) @ hk + hb
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(y, logits))


def _timed_epochs(loss_fn, weights, x_all, y_all, batch_size, repeats):
    """Adam steps (one ``tf.function``) over the data in order: one warm-up epoch (the trace), then
    ``repeats`` timed ones. Returns ms/step per timed epoch, the first epoch's step losses and the last
    epoch's mean loss."""
    params = [tf.Variable(a) for a in weights]
    m = [tf.Variable(tf.zeros_like(p)) for p in params]
    v = [tf.Variable(tf.zeros_like(p)) for p in params]
    t = tf.Variable(0.0)

    @tf.function
    def step(x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(params, x, y)
        grads = tape.gradient(loss, params)
        t.assign_add(1.0)
        lr = 1e-3 * tf.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
        for p, a, b, g in zip(params, m, v, grads):
            g = tf.convert_to_tensor(g)   # the embedding's IndexedSlices: a dense update, as Keras's Adam
            a.assign(0.9 * a + 0.1 * g)
            b.assign(0.999 * b + 0.001 * g * g)
            p.assign_sub(lr * a / (tf.sqrt(b) + 1e-7))
        return loss

    x, y = tf.constant(x_all), tf.constant(y_all)
    steps = len(x_all) // batch_size

    def epoch():
        losses = [step(x[i * batch_size:(i + 1) * batch_size], y[i * batch_size:(i + 1) * batch_size])
                  for i in range(steps)]
        return tf.stack(losses).numpy()

    start = time.perf_counter()
    first_losses = epoch()
    first_epoch = time.perf_counter() - start
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        losses = epoch()
        times.append((time.perf_counter() - start) / steps * 1000)
    return {"ms_per_step": times, "first_epoch_seconds": first_epoch, "losses": first_losses.tolist(),
            "final_loss": float(losses.mean())}


def w3(device="cpu", repeats=5, size="full"):
    ids, labels = text_w3(size)
    return _timed_epochs(_w3_loss, w3_weights(size), ids, labels, W3_SIZES[size]["batch"], repeats)


def w4(device="cpu", repeats=5, size="full"):
    inputs, labels = sequences_w4(size)
    weights = w4_weights(size)
    return _timed_epochs(_w4_loss, [w for name in W4_LAYERS for w in weights[name]], inputs, labels,
                         W4_SIZES[size]["batch"], repeats)
