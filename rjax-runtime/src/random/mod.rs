//! Explicit PRNG keys, bit-for-bit equal to JAX's threefry2x32 defaults.
