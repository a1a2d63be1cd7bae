//! Devices, meshes, sharded arrays and collectives.
