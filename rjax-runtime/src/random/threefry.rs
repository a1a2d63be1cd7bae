//! The threefry2x32 block function (20 rounds, Salmon et al. 2011) and its
//! use on lanes of counters, as JAX evaluates it.
//!
//! Counters follow JAX's partitionable layout (`jax_threefry_partitionable`,
//! the default since 0.5): element `i` of a draw of any shape hashes the
//! 64-bit counter `i` split into `(hi, lo) = (i >> 32, i as u32)`, and the
//! hash gives two words `(b1, b2)` per element.
//!
//! This module is pure integer arithmetic. The lane loops work on fixed-size
//! arrays so that LLVM keeps a group of counters in vector registers for all
//! 20 rounds; callers compile them under several target features (see
//! `kernel.rs`).

/// Rotation amounts of the even and odd groups of four rounds.
const ROTATIONS: [[u32; 4]; 2] = [[13, 15, 26, 6], [17, 29, 16, 24]];

/// Threefry's key-schedule parity constant.
const PARITY: u32 = 0x1BD1_1BDA;

/// Lanes hashed together; 16 u32 fill one AVX-512 register (two AVX2 ones).
pub(crate) const LANES: usize = 16;

/// The extended key schedule `[k0, k1, k0 ^ k1 ^ PARITY]`.
#[inline(always)]
fn schedule(key: [u32; 2]) -> [u32; 3] {
    [key[0], key[1], key[0] ^ key[1] ^ PARITY]
}

/// Hashes one counter pair with `key`: the scalar reference form.
pub(crate) fn hash(key: [u32; 2], x: [u32; 2]) -> [u32; 2] {
    let ks = schedule(key);
    let mut x0 = x[0].wrapping_add(ks[0]);
    let mut x1 = x[1].wrapping_add(ks[1]);
    for group in 0..5 {
        for &r in &ROTATIONS[group % 2] {
            x0 = x0.wrapping_add(x1);
            x1 = x1.rotate_left(r);
            x1 ^= x0;
        }
        // Key injection after each group of four rounds.
        let g = group + 1;
        x0 = x0.wrapping_add(ks[g % 3]);
        x1 = x1.wrapping_add(ks[(g + 1) % 3]).wrapping_add(g as u32);
    }
    [x0, x1]
}

/// Hashes `LANES` counter pairs at once (same maths as [`hash`], written over
/// arrays so that each step is one vector instruction).
#[inline(always)]
pub(crate) fn hash_lanes(key: [u32; 2], x0: &mut [u32; LANES], x1: &mut [u32; LANES]) {
    let ks = schedule(key);
    for j in 0..LANES {
        x0[j] = x0[j].wrapping_add(ks[0]);
        x1[j] = x1[j].wrapping_add(ks[1]);
    }
    for group in 0..5 {
        for &r in &ROTATIONS[group % 2] {
            for j in 0..LANES {
                x0[j] = x0[j].wrapping_add(x1[j]);
                x1[j] = x1[j].rotate_left(r);
                x1[j] ^= x0[j];
            }
        }
        let g = group + 1;
        let a = ks[g % 3];
        let b = ks[(g + 1) % 3].wrapping_add(g as u32);
        for j in 0..LANES {
            x0[j] = x0[j].wrapping_add(a);
            x1[j] = x1[j].wrapping_add(b);
        }
    }
}

/// Hashes the `LANES` consecutive counters `start, start + 1, ...` (JAX's
/// partitionable layout) and returns the two output words per lane.
#[inline(always)]
pub(crate) fn hash_counters(key: [u32; 2], start: u64) -> ([u32; LANES], [u32; LANES]) {
    let lo0 = start as u32;
    let hi0 = (start >> 32) as u32;
    let mut x0 = [0u32; LANES];
    let mut x1 = [0u32; LANES];
    for j in 0..LANES {
        let lo = lo0.wrapping_add(j as u32);
        // The high word carries when the low word wraps inside this group.
        x0[j] = hi0.wrapping_add(u32::from(lo < lo0));
        x1[j] = lo;
    }
    hash_lanes(key, &mut x0, &mut x1);
    (x0, x1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The known-answer vectors of the Random123 distribution for
    /// threefry2x32 with 20 rounds (the same ones JAX's tests use).
    #[test]
    fn random123_known_answers() {
        assert_eq!(hash([0, 0], [0, 0]), [0x6b20_0159, 0x99ba_4efe]);
        assert_eq!(
            hash([u32::MAX, u32::MAX], [u32::MAX, u32::MAX]),
            [0x1cb9_96fc, 0xbb00_2be7]
        );
        assert_eq!(
            hash([0x1319_8a2e, 0x0370_7344], [0x243f_6a88, 0x85a3_08d3]),
            [0xc492_3a9c, 0x483d_f7a0]
        );
    }

    #[test]
    fn lanes_equal_scalar_across_a_carry() {
        let key = [7, 11];
        let start = (1u64 << 32) - 5;
        let (a, b) = hash_counters(key, start);
        for j in 0..LANES {
            let c = start + j as u64;
            assert_eq!([a[j], b[j]], hash(key, [(c >> 32) as u32, c as u32]));
        }
    }
}
