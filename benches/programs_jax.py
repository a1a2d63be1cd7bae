"""JAX (XLA, jit) twins of benches/programs/defs.rs for benches/compare.sh:
the same programs, shapes and maths, timed as best of several calls after a
warm-up call that compiles; every timing ends in block_until_ready. Prints
`name<TAB>seconds`. Run: benches/.venv/bin/python benches/programs_jax.py [filter ...]
"""

import sys
import time

import jax
import jax.numpy as jnp
import numpy as np


def best_of(runs, fn):
    fn()
    best = float("inf")
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def rand(shape, seed, scale):
    return (np.random.default_rng(seed).uniform(-1, 1, shape) * scale).astype(np.float32)


def one_hot(rows, classes):
    y = np.zeros((rows, classes), np.float32)
    y[np.arange(rows), (np.arange(rows) * 7) % classes] = 1
    return jnp.asarray(y)


def mlp_loss(p, x, y):
    h1 = jax.nn.relu(x @ p["w1"] + p["b1"])
    h2 = jax.nn.relu(h1 @ p["w2"] + p["b2"])
    logits = h2 @ p["w3"] + p["b3"]
    logp = jax.nn.log_softmax(logits, axis=1)
    return -(y * logp).sum(axis=1).mean()


@jax.jit
def mlp_step(p, x, y, lr):
    g = jax.grad(mlp_loss)(p, x, y)
    return jax.tree.map(lambda w, d: w - lr * d, p, g)


def rnn_loss(w, xs):
    def step(h, x):
        return jnp.tanh(h @ w + x), None

    h, _ = jax.lax.scan(step, jnp.zeros_like(xs[0]), xs)
    return (h * h).sum()


rnn_grad = jax.jit(jax.grad(rnn_loss))


def nll(w, x, y):
    return jnp.log1p(jnp.exp(-y * jnp.dot(x, w)))


per_example_grads = jax.jit(jax.vmap(jax.grad(nll), in_axes=(None, 0, 0)))


def rosenbrock(x):
    p = x.reshape(8, 2)
    a, b = p[:, 0], p[:, 1]
    return (100 * (b - a * a) ** 2 + (1 - a) ** 2).sum()


rosenbrock_hessian = jax.jit(jax.hessian(rosenbrock))


@jax.jit
def adam(p, g, m, v, t):
    m = 0.9 * m + 0.1 * g
    v = 0.999 * v + 0.001 * g * g
    mhat = m / (1 - 0.9**t)
    vhat = v / (1 - 0.999**t)
    return p - 0.001 * mhat / (jnp.sqrt(vhat) + 1e-8), m, v


@jax.jit
def kmeans_assign(x, c):
    d = (c * c).sum(axis=1) - 2 * x @ c.T
    return jnp.argmin(d, axis=1)


def accel(xi, xs, ms):
    d = xs - xi
    r2 = (d * d).sum(axis=1, keepdims=True) + 0.01
    return (d * (ms[:, None] / (r2 * jnp.sqrt(r2)))).sum(axis=0)


nbody = jax.jit(lambda xs, ms: jax.vmap(accel, in_axes=(0, None, None))(xs, xs, ms))


def run(name):
    block = jax.block_until_ready
    if name == "mlp_step":
        p = {
            "w1": rand((784, 512), 1, 0.05), "b1": rand((512,), 2, 0.01),
            "w2": rand((512, 512), 3, 0.05), "b2": rand((512,), 4, 0.01),
            "w3": rand((512, 10), 5, 0.05), "b3": rand((10,), 6, 0.01),
        }
        p = jax.tree.map(jnp.asarray, p)
        x, y = jnp.asarray(rand((256, 784), 7, 1.0)), one_hot(256, 10)
        return best_of(20, lambda: block(mlp_step(p, x, y, 0.01)))
    if name == "rnn_grad":
        w, xs = jnp.asarray(rand((128, 128), 11, 0.1)), jnp.asarray(rand((100, 32, 128), 12, 1.0))
        return best_of(20, lambda: block(rnn_grad(w, xs)))
    if name == "per_example_grads":
        w, xs = jnp.asarray(rand((256,), 21, 0.1)), jnp.asarray(rand((8192, 256), 22, 1.0))
        ys = jnp.asarray(np.where(np.arange(8192) % 3 == 0, 1.0, -1.0).astype(np.float32))
        return best_of(20, lambda: block(per_example_grads(w, xs, ys)))
    if name == "rosenbrock_hessian":
        jax.config.update("jax_enable_x64", True)
        f = jax.jit(jax.hessian(rosenbrock))
        x = jnp.asarray(np.arange(16) * 0.1 - 0.7, dtype=jnp.float64)

        def many():
            for _ in range(1000):
                r = f(x)
            block(r)

        t = best_of(10, many) / 1000
        jax.config.update("jax_enable_x64", False)
        return t
    if name == "adam_update":
        n = 1 << 20
        p, g, m = (jnp.asarray(rand((n,), s, sc)) for s, sc in [(31, 1.0), (32, 1.0), (33, 0.1)])
        v = jnp.abs(jnp.asarray(rand((n,), 34, 0.1)))
        return best_of(20, lambda: block(adam(p, g, m, v, 3.0)))
    if name == "kmeans_assign":
        x, c = jnp.asarray(rand((65536, 16), 41, 1.0)), jnp.asarray(rand((64, 16), 42, 1.0))
        return best_of(20, lambda: block(kmeans_assign(x, c)))
    if name == "nbody":
        xs = jnp.asarray(rand((2048, 3), 51, 2.0))
        ms = jnp.abs(jnp.asarray(rand((2048,), 52, 1.0)))
        return best_of(10, lambda: block(nbody(xs, ms)))
    if name == "random_normal":
        f = jax.jit(lambda k: jax.random.normal(k, (10_000_000,), jnp.float32))
        k = jax.random.key(0)
        return best_of(10, lambda: block(f(k)))
    raise ValueError(name)


NAMES = ["mlp_step", "rnn_grad", "per_example_grads", "rosenbrock_hessian",
         "adam_update", "kmeans_assign", "nbody", "random_normal"]


def main():
    filters = sys.argv[1:]
    for name in NAMES:
        if not filters or any(f in name for f in filters):
            print(f"{name}\t{run(name):.9f}", flush=True)


if __name__ == "__main__":
    main()
