"""W2 written directly in TensorFlow with tf.function (Adam with epsilon=1e-7, written out)."""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf  # noqa: E402

from benchmarks.data import initial_weights, mnist_like_w2  # noqa: E402


def w2(device="cpu", batch_size=64, repeats=5):
    x_all, y_all = mnist_like_w2()
    params = [tf.Variable(a) for a in initial_weights()[1]]
    m = [tf.Variable(tf.zeros_like(p)) for p in params]
    v = [tf.Variable(tf.zeros_like(p)) for p in params]
    t = tf.Variable(0.0)

    def forward(x):
        k1, b1, k2, b2, k3, b3 = params
        x = tf.nn.relu(tf.nn.conv2d(x, k1, 1, "VALID") + b1)
        x = tf.nn.max_pool2d(x, 2, 2, "VALID")
        x = tf.nn.relu(tf.nn.conv2d(x, k2, 1, "VALID") + b2)
        x = tf.nn.max_pool2d(x, 2, 2, "VALID")
        return tf.reshape(x, (tf.shape(x)[0], -1)) @ k3 + b3

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
