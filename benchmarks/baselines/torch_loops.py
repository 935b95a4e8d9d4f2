"""W1-W4 written directly in PyTorch (Adam with Keras's epsilon=1e-7).

W3 uses ``nn.LSTM`` (torch's fused LSTM kernel) and W4 ``nn.MultiheadAttention``; both take the shared
Keras-layout weights, transposed once at construction.
"""

import time

import numpy as np
import torch
import torch.nn.functional as F

from benchmarks.data import (W3_SIZES, W4_SIZES, initial_weights, iris_w1, mnist_like_w2, sequences_w4, text_w3,
                             w3_weights, w4_weights)


def _device(name):
    return torch.device("cuda" if name == "gpu" else "cpu")


def w1(device="cpu", epochs=100):
    dev = _device(device)
    x_train, y_train, x_test, y_test = iris_w1()
    w = [torch.tensor(a, device=dev, requires_grad=True) for a in initial_weights()[0]]
    optimizer = torch.optim.Adam(w, lr=1e-3, eps=1e-7)
    x, y = torch.tensor(x_train, device=dev), torch.tensor(y_train, device=dev)
    start = time.perf_counter()
    for _ in range(epochs):
        for i in range(0, len(x), 32):
            xb, yb = x[i:i + 32], y[i:i + 32]
            logits = torch.relu(xb @ w[0] + w[1]) @ w[2] + w[3]
            loss = -(yb * F.log_softmax(logits, -1)).sum(-1).mean()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    seconds = time.perf_counter() - start
    with torch.no_grad():
        xt = torch.tensor(x_test, device=dev)
        pred = (torch.relu(xt @ w[0] + w[1]) @ w[2] + w[3]).argmax(-1).cpu().numpy()
    return {"seconds": seconds, "accuracy": float((pred == y_test.argmax(-1)).mean())}


class _CNN(torch.nn.Module):
    def __init__(self, weights):
        super().__init__()
        k1, b1, k2, b2, k3, b3 = [torch.tensor(a) for a in weights]
        self.k1 = torch.nn.Parameter(k1.permute(3, 2, 0, 1).contiguous())
        self.b1 = torch.nn.Parameter(b1)
        self.k2 = torch.nn.Parameter(k2.permute(3, 2, 0, 1).contiguous())
        self.b2 = torch.nn.Parameter(b2)
        self.k3 = torch.nn.Parameter(k3)
        self.b3 = torch.nn.Parameter(b3)

    def forward(self, x):
        x = x.permute(0, 3, 1, 2)
        x = F.max_pool2d(F.relu(F.conv2d(x, self.k1, self.b1)), 2)
        x = F.max_pool2d(F.relu(F.conv2d(x, self.k2, self.b2)), 2)
        x = x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)
        return x @ self.k3 + self.b3


def w2(device="cpu", batch_size=64, repeats=5):
    dev = _device(device)
    x_all, y_all = mnist_like_w2()
    model = _CNN(initial_weights()[1]).to(dev)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    x, y = torch.tensor(x_all, device=dev), torch.tensor(y_all, device=dev).long()
    steps = len(x) // batch_size

    def epoch():
        for i in range(steps):
            xb, yb = x[i * batch_size:(i + 1) * batch_size], y[i * batch_size:(i + 1) * batch_size]
            loss = F.cross_entropy(model(xb), yb)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        float(loss.detach())

    start = time.perf_counter()
    epoch()
    first_epoch = time.perf_counter() - start
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        epoch()
        times.append((time.perf_counter() - start) / steps * 1000)
    with torch.no_grad():
        start = time.perf_counter()
        for i in range(0, len(x), 256):
            model(x[i:i + 256]).cpu()
        predict = len(x) / (time.perf_counter() - start)
    return {"ms_per_step": times, "first_epoch_seconds": first_epoch, "predict_samples_per_s": predict}


def _parameter(array):
    return torch.nn.Parameter(torch.tensor(array))


def _linear(kernel, bias):
    """``nn.Linear`` holding a Keras Dense layer's ``kernel`` ``(in, out)`` and ``bias``."""
    layer = torch.nn.Linear(*kernel.shape)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(kernel.T))
        layer.bias.copy_(torch.tensor(bias))
    return layer


class _TextClassifier(torch.nn.Module):
    """W3: embedding -> ``nn.LSTM`` (last hidden state) -> one logit."""

    def __init__(self, weights):
        super().__init__()
        embeddings, kernel, recurrent_kernel, bias, dense_kernel, dense_bias = weights
        self.embedding = torch.nn.Embedding.from_pretrained(torch.tensor(embeddings), freeze=False)
        self.lstm = torch.nn.LSTM(kernel.shape[0], recurrent_kernel.shape[0], batch_first=True)
        with torch.no_grad():   # torch's gate order i, f, g, o is Keras's i, f, c, o
            self.lstm.weight_ih_l0.copy_(torch.tensor(kernel.T))
            self.lstm.weight_hh_l0.copy_(torch.tensor(recurrent_kernel.T))
            self.lstm.bias_ih_l0.copy_(torch.tensor(bias))
            self.lstm.bias_hh_l0.zero_()
        self.lstm.bias_hh_l0.requires_grad_(False)   # Keras has one bias; a second trainable one would double its step
        self.dense = _linear(dense_kernel, dense_bias)

    def forward(self, ids):
        _, (h, _) = self.lstm(self.embedding(ids))
        return self.dense(h[-1])


class _EncoderBlock(torch.nn.Module):
    """W4: ``nn.MultiheadAttention`` + residual + LayerNorm, FFN + residual + LayerNorm, mean pool, logits."""

    def __init__(self, weights, s):
        super().__init__()
        width, heads = s["width"], s["heads"]
        qk, qb, kk, kb, vk, vb, ok, ob = weights["attention"]
        self.attention = torch.nn.MultiheadAttention(width, heads, batch_first=True)
        with torch.no_grad():
            projections = [k.reshape(width, -1).T for k in (qk, kk, vk)]
            self.attention.in_proj_weight.copy_(torch.tensor(np.concatenate(projections)))
            self.attention.in_proj_bias.copy_(torch.tensor(np.concatenate([qb.ravel(), kb.ravel(), vb.ravel()])))
            self.attention.out_proj.weight.copy_(torch.tensor(ok.reshape(-1, width).T))
            self.attention.out_proj.bias.copy_(torch.tensor(ob))
        self.norm_1, self.norm_2 = (torch.nn.LayerNorm(width, eps=1e-3) for _ in range(2))   # Keras's epsilon
        self.ffn_1, self.ffn_2, self.head = (_linear(*weights[name]) for name in ("ffn_1", "ffn_2", "head"))

    def forward(self, x):
        attended, _ = self.attention(x, x, x, need_weights=False)
        x = self.norm_1(x + attended)
        x = self.norm_2(x + self.ffn_2(F.relu(self.ffn_1(x))))
        return self.head(x.mean(1))


def _timed_epochs(model, loss_fn, x, y, batch_size, repeats):
    """Adam steps over ``x`` in order: one warm-up epoch, then ``repeats`` timed ones.

    Returns ms/step per timed epoch, the first epoch's step losses and the last epoch's mean loss.
    """
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-3, eps=1e-7)
    steps = len(x) // batch_size

    def epoch():
        losses = []
        for i in range(steps):
            sl = slice(i * batch_size, (i + 1) * batch_size)
            loss = loss_fn(model(x[sl]), y[sl])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            losses.append(loss.detach())
        return torch.stack(losses).cpu().numpy()

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
    dev = _device(device)
    ids, labels = text_w3(size)
    model = _TextClassifier(w3_weights(size)).to(dev)
    x, y = torch.tensor(ids, device=dev).long(), torch.tensor(labels, device=dev)
    return _timed_epochs(model, F.binary_cross_entropy_with_logits, x, y, W3_SIZES[size]["batch"], repeats)


def w4(device="cpu", repeats=5, size="full"):
    dev = _device(device)
    inputs, labels = sequences_w4(size)
    model = _EncoderBlock(w4_weights(size), W4_SIZES[size]).to(dev)
    x, y = torch.tensor(inputs, device=dev), torch.tensor(labels, device=dev).long()
    return _timed_epochs(model, F.cross_entropy, x, y, W4_SIZES[size]["batch"], repeats)
