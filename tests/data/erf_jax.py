"""Reference values for tests/erf.rs: erf and erfc from JAX 0.10.2
(`jax.scipy.special.erf`, `lax.erfc`, their gradients) and from an
independent high-precision oracle (Taylor series in Python's `decimal` at
200 digits).

Run: /work/jax-venv/bin/python tests/data/erf_jax.py
Writes tests/data/erf_jax.json next to this script.
"""
import json
import os
from decimal import Decimal, getcontext

import jax
import jax.numpy as jnp
from jax import lax

jax.config.update("jax_enable_x64", True)
getcontext().prec = 200


def pi():
    # Machin: pi = 16 atan(1/5) - 4 atan(1/239).
    def atan_inv(n):
        x, n2, k, s, term = Decimal(1) / n, n * n, 0, Decimal(0), Decimal(1) / n
        while term != 0:
            s += term / (2 * k + 1) if k % 2 == 0 else -term / (2 * k + 1)
            term /= n2
            k += 1
        return s

    return 16 * atan_inv(5) - 4 * atan_inv(239)


PI = pi()
TWO_OVER_SQRT_PI = 2 / PI.sqrt()


def erf_exact(x):
    """erf(x) = 2/sqrt(pi) sum (-1)^n x^(2n+1) / (n! (2n+1)); at 200 digits
    the cancellation for |x| <= 10 (e^100 ~ 1e43) leaves 150 digits."""
    x = Decimal(x)
    s, term, n = Decimal(0), x, 0  # term = (-1)^n x^(2n+1) / n!
    while True:
        add = term / (2 * n + 1)
        s += add
        if n > 10 and abs(add) < Decimal(10) ** -190:
            break
        n += 1
        term = -term * x * x / n
    return TWO_OVER_SQRT_PI * s


# Points: dense near 0 and across each range the kernels switch at
# (0.84375, 1.25, 1/0.35, 6), tails where erfc is tiny.
POINTS = sorted(
    set(
        [k / 16 for k in range(-96, 97)]
        + [0.84375, 1.25, 1 / 0.35, 6.0, 1e-10, -1e-10, 3e-5, 0.3, 7.5, 9.0, 10.0, -10.0]
        + [0.01 * k for k in range(1, 20)]
    )
)


def as_f32(x):
    return float(jnp.float32(x))


def main():
    out = {}
    xs64 = jnp.array(POINTS, dtype=jnp.float64)
    xs32 = jnp.array([as_f32(p) for p in POINTS], dtype=jnp.float32)
    out["x"] = POINTS
    out["x_f32"] = [float(v) for v in xs32]
    # The oracle, as decimal strings (exact to ~150 digits).
    out["erf_exact"] = [str(+erf_exact(p)) for p in POINTS]
    out["erfc_exact"] = [str(1 - erf_exact(p)) for p in POINTS]
    out["erf_exact_f32"] = [str(+erf_exact(p)) for p in out["x_f32"]]
    out["erfc_exact_f32"] = [str(1 - erf_exact(p)) for p in out["x_f32"]]
    # JAX (XLA's own erf/erfc).
    out["jax_erf_f64"] = [float(v) for v in jax.scipy.special.erf(xs64)]
    out["jax_erfc_f64"] = [float(v) for v in lax.erfc(xs64)]
    out["jax_erf_f32"] = [float(v) for v in lax.erf(xs32)]
    out["jax_erfc_f32"] = [float(v) for v in lax.erfc(xs32)]

    # The function tests/erf.rs differentiates (`loss` there).
    def loss(x, w):
        return jnp.sum(jax.scipy.special.erf(w * x) * x + lax.erfc(x) ** 2)

    x = jnp.array([-1.5, -0.3, 0.0, 0.4, 1.1, 2.7], dtype=jnp.float64)
    w = jnp.float64(0.8)
    gx, gw = jax.grad(loss, argnums=(0, 1))(x, w)
    out["loss_x"] = [float(v) for v in x]
    out["loss_w"] = float(w)
    out["loss_value"] = float(loss(x, w))
    out["loss_grad_x"] = [float(v) for v in gx]
    out["loss_grad_w"] = float(gw)
    # Second derivative of erf (through the exp in its derivative).
    d2 = jax.vmap(jax.grad(jax.grad(jax.scipy.special.erf)))(x)
    out["erf_second_derivative"] = [float(v) for v in d2]

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "erf_jax.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
