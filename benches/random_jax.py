"""Times JAX's jitted jax.random.normal / uniform of 10^7 f32, the
counterpart of benches/random.rs (criterion).

    python3 -m venv /tmp/jaxvenv && /tmp/jaxvenv/bin/pip install jax==0.10.2
    /tmp/jaxvenv/bin/python benches/random_jax.py

Prints the median of repeated timed calls (compiled once beforehand), in ms.
"""

import statistics
import time

import jax
import jax.numpy as jnp
from jax import random

N = 10_000_000
REPEATS = 15


def median_ms(f, key):
    f(key).block_until_ready()  # compile and warm up
    times = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        f(key).block_until_ready()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def main():
    assert jax.config.jax_threefry_partitionable, "JAX >= 0.5 default expected"
    key = random.key(0)
    normal = jax.jit(lambda k: random.normal(k, (N,), jnp.float32))
    uniform = jax.jit(lambda k: random.uniform(k, (N,), jnp.float32, 0.0, 1.0))
    bits = jax.jit(lambda k: random.bits(k, (N,), jnp.uint32))
    print(f"jax {jax.__version__}, devices {jax.devices()}")
    for name, f in [("normal", normal), ("uniform", uniform), ("bits_u32", bits)]:
        print(f"jax random_1e7_f32/{name}: {median_ms(f, key):.2f} ms")


if __name__ == "__main__":
    main()
