"""W1 and W2 written directly in PyTorch (Adam with Keras's epsilon=1e-7)."""

import time

import numpy as np
import torch
import torch.nn.functional as F

from benchmarks.data import initial_weights, iris_w1, mnist_like_w2


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
