#!/usr/bin/python3
"""A small training loop that reads its minibatches from numkv.

    /usr/bin/python3 examples/train_loop.py [--host H] [--port P] [--epochs N]

Writes a synthetic classification data set into numkv (features "train:x",
float32 rows of --dim; labels "train:y", int64 in 0..--classes-1, from a
hidden random two-layer network), then trains a two-layer MLP (ReLU,
softmax cross-entropy, plain SGD with momentum) in numpy, reading shuffled
minibatches through numkv.Client.batches, which prefetches the next ones
while this one trains. Prints each epoch's mean loss, accuracy and batches
per second; exits 1 if the last epoch's loss is not below the first's.
"""

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "clients", "python"))
import numkv  # noqa: E402


def make_data(rng, n, dim, classes):
    w1 = rng.standard_normal((dim, 32)).astype(np.float32)
    w2 = rng.standard_normal((32, classes)).astype(np.float32)
    x = rng.standard_normal((n, dim)).astype(np.float32)
    y = np.argmax(np.maximum(x @ w1, 0) @ w2, axis=1).astype(np.int64)
    return x, y


class MLP:
    def __init__(self, rng, dim, hidden, classes):
        self.w1 = (rng.standard_normal((dim, hidden)) * np.sqrt(2 / dim)).astype(np.float32)
        self.b1 = np.zeros(hidden, np.float32)
        self.w2 = (rng.standard_normal((hidden, classes)) * np.sqrt(1 / hidden)).astype(np.float32)
        self.b2 = np.zeros(classes, np.float32)
        self.params = [self.w1, self.b1, self.w2, self.b2]
        self.vel = [np.zeros_like(p) for p in self.params]

    def step(self, x, y, lr, momentum=0.9):
        """One SGD step on a batch; returns its mean loss and accuracy."""
        h = np.maximum(x @ self.w1 + self.b1, 0)
        z = h @ self.w2 + self.b2
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        m = len(y)
        loss = -np.log(p[np.arange(m), y] + 1e-12).mean()
        acc = (p.argmax(axis=1) == y).mean()
        dz = p
        dz[np.arange(m), y] -= 1
        dz /= m
        dh = (dz @ self.w2.T) * (h > 0)
        grads = [x.T @ dh, dh.sum(0), h.T @ dz, dz.sum(0)]
        for prm, v, g in zip(self.params, self.vel, grads):
            v *= momentum
            v -= lr * g
            prm += v
        return float(loss), float(acc)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=6379)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--rows", type=int, default=20000)
    ap.add_argument("--dim", type=int, default=32)
    ap.add_argument("--classes", type=int, default=4)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    rng = np.random.default_rng(args.seed)
    db = numkv.Client(host=args.host, port=args.port)
    x, y = make_data(rng, args.rows, args.dim, args.classes)
    db.put("train:x", x)
    db.put("train:y", y)
    print(f"wrote {args.rows} rows: train:x {x.shape} {x.dtype}, train:y {y.shape} {y.dtype}")

    model = MLP(rng, args.dim, 64, args.classes)
    losses = []
    for epoch in range(args.epochs):
        t0 = time.perf_counter()
        total, correct, n, nb = 0.0, 0.0, 0, 0
        for bx, by in db.batches(["train:x", "train:y"], batch_size=args.batch_size,
                                 seed=args.seed * 1000 + epoch):
            loss, acc = model.step(bx, by, args.lr)
            total += loss * len(by)
            correct += acc * len(by)
            n += len(by)
            nb += 1
        dt = time.perf_counter() - t0
        losses.append(total / n)
        print(f"epoch {epoch + 1}: loss {total / n:.4f}  accuracy {correct / n:.3f}  "
              f"{nb / dt:.0f} batches/s ({n / dt:.0f} rows/s)", flush=True)
    db.close()
    if len(losses) < 2 or not losses[-1] < losses[0]:
        print("the loss did not fall", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
