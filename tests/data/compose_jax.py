"""Reference values for tests/compose_*.rs, computed with JAX 0.10.2 (f64).

Run: python3 -m venv /tmp/jaxvenv && /tmp/jaxvenv/bin/pip install jax==0.10.2
     /tmp/jaxvenv/bin/python tests/data/compose_jax.py
Writes tests/data/compose_jax.json next to this script. Each entry is the
JAX composition that the Rust test writes across annotated functions.
"""
import json
import os

import jax
import jax.numpy as jnp

jax.config.update("jax_enable_x64", True)


def f(t):
    return jnp.sin(t[0]) * jnp.cos(t[1]) * t[2]


def sq(x):
    return x * x


def h(x):  # calls another annotated function (other module in Rust)
    return sq(jnp.sin(x))


def g(t):  # |grad f|^2: grad of it is second order
    d = jax.grad(f)(t)
    return jnp.sum(d * d)


def hess_sum(t):  # sum of the Hessian: grad of it is third order
    return jnp.sum(jax.hessian(f)(t))


def dirderiv(t, v):  # directional derivative through jvp
    _, tv = jax.jvp(f, (t,), (v,))
    return tv


def vg_mix(t):  # value_and_grad inside
    v, d = jax.value_and_grad(f)(t)
    return v * jnp.sum(d)


def loss(w, b, x, y):  # argnums=(0, 1)
    pred = jnp.tanh(x @ w + b)
    return jnp.mean((pred - y) ** 2)


def step(w, b, x, y):  # a training step calling loss::grad
    gw, gb = jax.grad(loss, argnums=(0, 1))(w, b, x, y)
    return w - 0.5 * gw, b - 0.5 * gb


def step_loss(w, b, x, y):  # loss after one step: grad through a grad (meta-gradient)
    w2, b2 = step(w, b, x, y)
    return loss(w2, b2, x, y)


def jac_sum(t):  # jacobian of a vector function inside a scalar one
    def vecf(t):
        return jnp.sin(t) * t[0]

    return jnp.sum(jax.jacobian(vecf)(t) ** 2)


@jax.custom_jvp
def log1pexp(x):  # tests/custom_rules.rs: a stable derivative rule
    return jnp.log1p(jnp.exp(x))


@log1pexp.defjvp
def log1pexp_jvp(primals, tangents):
    (x,), (x_dot,) = primals, tangents
    return log1pexp(x), x_dot / (1.0 + jnp.exp(-x))


def softplus_mix(x):  # a caller of the custom_jvp function
    return 2.0 * log1pexp(x) + log1pexp(-x)


def iterate(a):  # 60 steps of x = cos(a x) from x = 1
    return jax.lax.fori_loop(0, 60, lambda i, x: jnp.cos(a * x), 1.0)


@jax.custom_vjp
def fixed_point(a):
    return iterate(a)


def fixed_point_fwd(a):
    x = iterate(a)
    return x, (x, a)


def fixed_point_bwd(res, g):  # implicit function theorem on x - cos(a x) = 0
    x, a = res
    s = jnp.sin(a * x)
    return (-g * x * s / (1.0 + a * s),)


fixed_point.defvjp(fixed_point_fwd, fixed_point_bwd)


@jax.custom_vjp
def clipped_sin(x):
    return jnp.sin(x)


clipped_sin.defvjp(lambda x: (jnp.sin(x), jnp.cos(x)), lambda c, g: (jnp.clip(g * c, -0.1, 0.1),))


def vecf(t):  # tests/compose_vjp.rs
    return jnp.sin(t) * t[0]


def vjp_norm(t, ct):  # a body applying a pullback; its grad is second order
    y, pullback = jax.vjp(vecf, t)
    (g,) = pullback(ct)
    return jnp.sum(g * g) + jnp.sum(y)


def L(a):
    return [float(x) for x in jnp.ravel(a)]


t = jnp.array([0.3, -0.7, 1.1])
v = jnp.array([0.5, -1.0, 2.0])
batch = jnp.array([[0.3, -0.7, 1.1], [1.0, 2.0, 3.0], [-0.4, 0.1, 0.9], [2.0, -1.5, 0.25]])
w = jnp.array([0.2, -0.3, 0.5])
b = jnp.array(0.1)
x = jnp.array([[1.0, 0.5, -0.2], [0.3, -1.0, 0.8], [-0.6, 0.4, 1.2], [0.9, 0.9, -0.5]])
y = jnp.array([0.5, -0.2, 0.3, 0.1])

out = {
    "t": L(t),
    "v": L(v),
    "batch": L(batch),
    "w": L(w),
    "b": float(b),
    "x": L(x),
    "y": L(y),
    "h_grad_04": float(jax.grad(h)(0.4)),
    "h_hessian_04": float(jax.hessian(h)(0.4)),
    "g": float(g(t)),
    "g_grad": L(jax.grad(g)(t)),
    "hess_sum_grad": L(jax.grad(hess_sum)(t)),
    "dirderiv_grad_t": L(jax.grad(dirderiv)(t, v)),
    "vmap_grad_f": L(jax.vmap(jax.grad(f))(batch)),
    "vmap_hessian_f": L(jax.vmap(jax.hessian(f))(batch)),
    "vg_mix_grad": L(jax.grad(vg_mix)(t)),
    "step_w": L(step(w, b, x, y)[0]),
    "step_b": float(step(w, b, x, y)[1]),
    "step_loss_grad_w": L(jax.grad(step_loss, argnums=0)(w, b, x, y)),
    "step_loss_grad_b": float(jax.grad(step_loss, argnums=1)(w, b, x, y)),
    "vmap_step_loss": L(jax.vmap(lambda xi, yi: loss(w, b, xi[None, :], yi[None]))(x, y)),
    "jac_sum_grad": L(jax.grad(jac_sum)(t)),
    "log1pexp_points": [-30.0, -2.0, 0.0, 0.7, 5.0, 100.0, 800.0],
    "log1pexp_grad": [float(jax.grad(log1pexp)(p)) for p in [-30.0, -2.0, 0.0, 0.7, 5.0, 100.0, 800.0]],
    "log1pexp_hessian": [float(jax.hessian(log1pexp)(p)) for p in [-2.0, 0.0, 1.5]],
    "softplus_mix_grad": [float(jax.grad(softplus_mix)(p)) for p in [-3.0, 0.2, 40.0, 700.0]],
    "vmap_grad_log1pexp": L(jax.vmap(jax.grad(log1pexp))(jnp.array([-1.0, 0.0, 2.5, 800.0]))),
    "fixed_point_points": [0.1, 0.5, 0.9],
    "fixed_point": [float(fixed_point(a)) for a in [0.1, 0.5, 0.9]],
    "fixed_point_grad": [float(jax.grad(fixed_point)(a)) for a in [0.1, 0.5, 0.9]],
    "scaled_solution_grad": [float(jax.grad(lambda a: fixed_point(a) * a)(a)) for a in [0.2, 0.7]],
    "three_clipped_grad": [float(jax.grad(lambda x: 3.0 * clipped_sin(x))(p)) for p in [0.2, 1.5, 1.56, 3.0]],
    "vjp_vecf": L(jax.vjp(vecf, t)[1](v)[0]),
    "vjp_norm": float(vjp_norm(t, v)),
    "vjp_norm_grad": L(jax.grad(vjp_norm)(t, v)),
    "jax_version": jax.__version__,
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "compose_jax.json")
with open(path, "w") as fh:
    json.dump(out, fh, indent=1)
print("wrote", path)
