"""JAX (XLA, jit) side of benches/compare.sh: times the issue-5 workloads
and prints one line per workload, `name<TAB>seconds` (best of several runs,
after a warm-up call that compiles; every timing ends in block_until_ready).

Workloads mirror benches/jit.rs exactly (same shapes, dtypes and maths):
  test_fn_256 / test_fn_512  100 x `x = tanh(x @ x.T)`, f32, one jit call
  grad_f_call                jit(grad(f)) of the seed f on f32[3], per call
  mlp_loss / mlp_grad        batch 128, 784-256-10, tanh hidden layer, mean
                             softmax cross-entropy; grad w.r.t. all params
  vmap_grad_f                jit(vmap(grad(f))) over 10^6 rows of 3, f32
  elementwise_chain          tanh(exp(sin(x) * 2 + 1)) over 10^7 f32
  softmax_4096               row softmax of f32[4096, 4096] (max, exp, sum, divide)
  logsumexp_4096             logsumexp over the rows of f32[4096, 4096]
  layer_norm_4096            layer norm of the rows of f32[4096, 4096], eps 1e-5,
                             scale and shift vectors
  attention_256              softmax(q k.T / 8) v, q, k, v f32[256, 64], per call
  stream_scale               2 * x over 10^7 f32 (the bandwidth row)
Run: benches/.venv/bin/python benches/jax_compare.py [name-filter ...]
"""

import sys
import time

import jax
import jax.numpy as jnp
import numpy as np


def best_of(runs, fn):
    """Best wall time of `runs` calls of fn (fn blocks on its result)."""
    best = float("inf")
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def uniform(shape, seed):
    return np.random.default_rng(seed).uniform(-1, 1, shape).astype(np.float32)


def test_fn(n):
    def run(x):
        for _ in range(100):
            x = jnp.tanh(jnp.dot(x, x.T))
        return x

    f = jax.jit(run)
    x = jnp.asarray(uniform((n, n), 1) / np.sqrt(n))
    f(x).block_until_ready()
    # As test_fn_runs in benches/jit.rs: more runs of the short N=256.
    return best_of(10 if n <= 256 else 3, lambda: f(x).block_until_ready())


def seed_f(t):
    return jnp.sin(t[0]) * jnp.cos(t[1]) * t[2]


def grad_f_call():
    g = jax.jit(jax.grad(seed_f))
    t = jnp.asarray(np.array([1.6226422, 2.0252647, -0.43359444], np.float32))
    g(t).block_until_ready()
    calls = 200  # many short batches, best one: robust to preemption

    def many():
        for _ in range(calls):
            g(t).block_until_ready()

    return best_of(30, many) / calls


def mlp_setup():
    params = (
        jnp.asarray(uniform((784, 256), 3) * 0.05),
        jnp.asarray(uniform((256,), 4) * 0.05),
        jnp.asarray(uniform((256, 10), 5) * 0.1),
        jnp.asarray(uniform((10,), 6) * 0.1),
    )
    x = jnp.asarray(uniform((128, 784), 7))
    labels = np.arange(128) % 10
    y = jnp.asarray(np.eye(10, dtype=np.float32)[labels])
    return params, x, y


def mlp_loss_fn(params, x, y):
    w1, b1, w2, b2 = params
    h = jnp.tanh(x @ w1 + b1)
    logits = h @ w2 + b2
    logp = jax.nn.log_softmax(logits, axis=1)
    return -jnp.mean(jnp.sum(y * logp, axis=1))


def mlp(which):
    params, x, y = mlp_setup()
    f = jax.jit(mlp_loss_fn if which == "loss" else jax.grad(mlp_loss_fn))
    jax.block_until_ready(f(params, x, y))
    calls = 50

    def many():
        for _ in range(calls):
            jax.block_until_ready(f(params, x, y))

    return best_of(5, many) / calls


def vmap_grad_f():
    g = jax.jit(jax.vmap(jax.grad(seed_f)))
    xs = jnp.asarray(uniform((1_000_000, 3), 8) * 3)
    g(xs).block_until_ready()
    return best_of(5, lambda: g(xs).block_until_ready())


def elementwise_chain():
    f = jax.jit(lambda x: jnp.tanh(jnp.exp(jnp.sin(x) * 2 + 1)))
    x = jnp.asarray(uniform((10_000_000,), 2))
    f(x).block_until_ready()
    return best_of(5, lambda: f(x).block_until_ready())


def stream_scale():
    f = jax.jit(lambda x: x * 2)
    x = jnp.asarray(uniform((10_000_000,), 3))
    f(x).block_until_ready()
    return best_of(10, lambda: f(x).block_until_ready())


def square(seed, scale):
    return jnp.asarray(uniform((4096, 4096), seed) * scale)


def timed(f, *args, runs=10):
    jax.block_until_ready(f(*args))
    return best_of(runs, lambda: jax.block_until_ready(f(*args)))


def softmax_rows(x):
    z = x - jnp.max(x, axis=1, keepdims=True)
    e = jnp.exp(z)
    return e / jnp.sum(e, axis=1, keepdims=True)


def logsumexp_rows(x):
    m = jnp.max(x, axis=1, keepdims=True)
    return (jnp.log(jnp.sum(jnp.exp(x - m), axis=1, keepdims=True)) + m)[:, 0]


def layer_norm(x, g, b):
    mu = jnp.mean(x, axis=1, keepdims=True)
    d = x - mu
    var = jnp.mean(d * d, axis=1, keepdims=True)
    return d / jnp.sqrt(var + 1e-5) * g + b


def attention(q, k, v):
    s = (q @ k.T) * 0.125
    e = jnp.exp(s - jnp.max(s, axis=1, keepdims=True))
    return (e / jnp.sum(e, axis=1, keepdims=True)) @ v


def attention_256():
    q, k, v = (jnp.asarray(uniform((256, 64), s)) for s in (26, 27, 28))
    f = jax.jit(attention)
    jax.block_until_ready(f(q, k, v))
    calls = 200

    def many():
        for _ in range(calls):
            jax.block_until_ready(f(q, k, v))

    return best_of(10, many) / calls


WORKLOADS = [
    ("test_fn_256", lambda: test_fn(256)),
    ("test_fn_512", lambda: test_fn(512)),
    ("grad_f_call", grad_f_call),
    ("mlp_loss", lambda: mlp("loss")),
    ("mlp_grad", lambda: mlp("grad")),
    ("vmap_grad_f", vmap_grad_f),
    ("elementwise_chain", elementwise_chain),
    ("softmax_4096", lambda: timed(jax.jit(softmax_rows), square(21, 4.0))),
    ("logsumexp_4096", lambda: timed(jax.jit(logsumexp_rows), square(22, 4.0))),
    (
        "layer_norm_4096",
        lambda: timed(
            jax.jit(layer_norm),
            square(23, 2.0),
            jnp.asarray(1.0 + 0.5 * uniform((4096,), 24)),
            jnp.asarray(uniform((4096,), 25)),
        ),
    ),
    ("attention_256", attention_256),
    ("stream_scale", stream_scale),
]


def main():
    filters = sys.argv[1:]
    for name, fn in WORKLOADS:
        if not filters or any(f in name for f in filters):
            print(f"{name}\t{fn():.9f}", flush=True)


if __name__ == "__main__":
    main()
