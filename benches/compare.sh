#!/usr/bin/env bash
# Side-by-side benchmark of rjax against JAX (XLA jit) on this machine, in
# one run: creates the JAX venv if missing, builds and runs the Rust side
# (benches/jit.rs), runs benches/jax_compare.py, and prints a table
# workload | rjax time (hand-fused kernels, and #[jit] macro output where the
# macros express the workload) | JAX jit time | ratios (rjax / JAX; < 1 is faster),
# then the bandwidth table: the streaming rows (y = 2x over 10^7 f32 on one
# thread and on all, this machine's bandwidth as measured in the same run)
# and the elementwise chain, each in GB/s and as a share of that bandwidth.
# Each workload runs ROUNDS times (default 3), rjax and JAX alternately,
# and each side's best round is kept: on a shared machine one round alone
# spread by half between runs of this script.
# Usage: [ROUNDS=n] benches/compare.sh [workload-filter ...]
set -euo pipefail
cd "$(dirname "$0")/.."

venv=benches/.venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import jax" 2>/dev/null; then
    echo "== creating $venv (jax==0.10.2, numpy)" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q jax==0.10.2 numpy >&2
fi

echo "== building the Rust side (cargo bench --bench jit)" >&2
cargo bench --bench jit --no-run -q >&2 2>/dev/null || cargo bench --bench jit --no-run >&2

rust_out=$(mktemp)
jax_out=$(mktemp)
trap 'rm -f "$rust_out" "$jax_out"' EXIT

# Workloads run alternately (rjax, then JAX, per workload) so that load
# from other processes on this shared machine drifts less between the two.
workloads=(test_fn_256 test_fn_512 grad_f_call mlp_loss mlp_grad vmap_grad_f elementwise_chain softmax_4096 logsumexp_4096 layer_norm_4096 attention_256 stream_scale)
echo "== running rjax and JAX $("$venv/bin/python" -c 'import jax; print(jax.__version__)'), alternating" >&2
bench_bin=$(cargo bench --bench jit --no-run --message-format=json -q 2>/dev/null |
    grep -o '"executable":"[^"]*"' | tail -1 | cut -d'"' -f4)
rounds=${ROUNDS:-3}
for w in "${workloads[@]}"; do
    if [ "$#" -gt 0 ]; then
        keep=0
        for f in "$@"; do [[ "$w" == *"$f"* ]] && keep=1; done
        [ "$keep" = 1 ] || continue
    fi
    for _ in $(seq "$rounds"); do
        "$bench_bin" "$w" | grep -P "^(macro:)?$w(_1t)?\t" >>"$rust_out"
        "$venv/bin/python" benches/jax_compare.py "$w" | grep -P "^$w\t" >>"$jax_out"
        if [ "$w" = stream_scale ]; then
            # The bandwidth rows again with streaming stores.
            "$bench_bin" stream_stores | grep -P "^stream_stores:" >>"$rust_out"
        fi
    done
done

fmt_time() { # seconds -> human units
    awk -v s="$1" 'BEGIN {
        if (s == "") { print "-"; exit }
        if (s >= 1) printf "%.3f s", s;
        else if (s >= 1e-3) printf "%.3f ms", s * 1e3;
        else if (s >= 1e-6) printf "%.3f us", s * 1e6;
        else printf "%.1f ns", s * 1e9 }'
}

# The best (least) time of a row over the rounds.
lookup() { awk -F'\t' -v n="$2" '$1 == n && (b == "" || $2 < b) { b = $2 } END { if (b != "") print b }' "$1"; }
ratio() { awk -v r="$1" -v j="$2" 'BEGIN { if (r > 0 && j > 0) printf "%.3f", r / j; else print "-" }'; }

row='%-18s %-16s %-16s %-14s %-12s %s\n'
printf "$row" "workload" "rjax hand-fused" "rjax #[jit]" "JAX 0.10.2 jit" "ratio hand" "ratio #[jit]"
printf "$row" "--------" "---------------" "-----------" "--------------" "----------" "------------"
for w in "${workloads[@]}"; do
    hand=$(lookup "$rust_out" "$w")
    mac=$(lookup "$rust_out" "macro:$w")
    # Row-wise programs have a #[jit] time only.
    [ -n "$hand" ] || [ -n "$mac" ] || continue
    jax=$(lookup "$jax_out" "$w")
    printf "$row" "$w" "$(fmt_time "$hand")" "$(fmt_time "$mac")" "$(fmt_time "$jax")" \
        "$(ratio "$hand" "$jax")" "$(ratio "$mac" "$jax")"
done

# test_fn's arithmetic rate: 100 products of [N, N] by its transpose,
# 2 N^3 flops each as a gemm (what XLA does); the syrk kernel computes one
# triangle, so its real rate is half its gemm-equivalent one.
gflops() { awk -v s="$1" -v n="$2" 'BEGIN { if (s > 0) printf "%.0f", 100 * 2 * n * n * n / s / 1e9; else print "-" }'; }
for n in 256 512; do
    w=test_fn_$n
    mac=$(lookup "$rust_out" "macro:$w")
    jax=$(lookup "$jax_out" "$w")
    [ -n "$mac" ] && [ -n "$jax" ] || continue
    [ "$n" = 256 ] && echo
    echo "$w GFLOP/s (gemm-equivalent): rjax #[jit] $(gflops "$mac" "$n") (real, one triangle: $(awk -v g="$(gflops "$mac" "$n")" 'BEGIN { printf "%.0f", g / 2 }')), JAX jit $(gflops "$jax" "$n")"
done

# Bytes moved per call of the streaming rows and of the chain: 10^7 f32
# read and 10^7 f32 written.
bytes=80000000
gbs() { awk -v s="$1" -v b="$bytes" 'BEGIN { if (s > 0) printf "%.2f", b / s / 1e9; else print "-" }'; }
share() { awk -v s="$1" -v r="$2" 'BEGIN { if (s > 0 && r > 0) printf "%.0f%%", 100 * r / s; else print "-" }'; }
bw=$(lookup "$rust_out" stream_scale)
bw1=$(lookup "$rust_out" stream_scale_1t)
if [ -n "$bw" ]; then
    echo
    echo "bandwidth: 80 MB moved per call (10^7 f32 read + 10^7 f32 written)"
    brow='%-40s %-12s %-10s %-16s %s\n'
    printf "$brow" "row" "time" "GB/s" "% of 1 thread" "% of all threads"
    printf "$brow" "---" "----" "----" "-------------" "----------------"
    bwrow() { # label seconds
        [ -n "$2" ] || return 0
        printf "$brow" "$1" "$(fmt_time "$2")" "$(gbs "$2")" "$(share "$2" "$bw1")" "$(share "$2" "$bw")"
    }
    bwrow "stream_scale y=2x, 1 thread" "$bw1"
    bwrow "stream_scale y=2x, all threads" "$bw"
    bwrow "stream_scale y=2x, JAX jit" "$(lookup "$jax_out" stream_scale)"
    bwrow "elementwise_chain hand-fused" "$(lookup "$rust_out" elementwise_chain)"
    bwrow "elementwise_chain #[jit]" "$(lookup "$rust_out" macro:elementwise_chain)"
    bwrow "elementwise_chain JAX jit" "$(lookup "$jax_out" elementwise_chain)"
    bwrow "streaming stores: stream_scale, 1 thread" "$(lookup "$rust_out" stream_stores:stream_scale_1t)"
    bwrow "streaming stores: stream_scale, all" "$(lookup "$rust_out" stream_stores:stream_scale)"
fi
cat <<'NOTE'
rjax hand-fused: rjax-runtime `kernels::` functions called by hand (the code #[jit]
  is meant to emit; not macro output). rjax #[jit]: the same program through
  #[jit]/#[grad]/#[vmap] (real macro output, fused emission).
  ratio = rjax / JAX (< 1: rjax faster). Each time is the best of ROUNDS
  rounds (default 3) run alternately, rjax then JAX, per workload.
bandwidth: GB/s = 80 MB / time; "% of" = share of the stream_scale row's
  GB/s (1 thread, all threads) measured in this run. Streaming-store rows:
  y=2x with non-temporal stores (kernels::set_stream_stores; off by default;
  the staged chain does not use them: measured slower). stream_scale has no #[jit] column (it is the measuring stick).
NOTE

# ==== user programs (benches/programs.rs vs benches/programs_jax.py) ====
# Programs written as a user would (issue 16's suite), each timed ROUNDS
# times alternately with its JAX twin; best round of each side kept.
echo
echo "== user programs: building benches/programs.rs" >&2
cargo bench --bench programs --no-run -q >&2 2>/dev/null || cargo bench --bench programs --no-run >&2
prog_bin=$(cargo bench --bench programs --no-run --message-format=json -q 2>/dev/null |
    grep -o '"executable":"[^"]*"' | tail -1 | cut -d'"' -f4)
programs=(mlp_step rnn_grad per_example_grads rosenbrock_hessian adam_update kmeans_assign nbody random_normal)
prog_rust=$(mktemp)
prog_jax=$(mktemp)
for w in "${programs[@]}"; do
    if [ "$#" -gt 0 ]; then
        keep=0
        for f in "$@"; do [[ "$w" == *"$f"* ]] && keep=1; done
        [ "$keep" = 1 ] || continue
    fi
    for _ in $(seq "$rounds"); do
        "$prog_bin" "$w" | grep -P "^macro:$w\t" >>"$prog_rust"
        "$venv/bin/python" benches/programs_jax.py "$w" 2>/dev/null | grep -P "^$w\t" >>"$prog_jax"
    done
done
cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
if grep -qw avx512f /proc/cpuinfo; then width="AVX-512 (512-bit)";
elif grep -qw avx2 /proc/cpuinfo; then width="AVX2 (256-bit)"; else width="portable"; fi
echo "user programs on $cpu, $width, $(nproc) cores"
prow='%-20s %-14s %-16s %s\n'
printf "$prow" "program" "rjax #[jit]" "JAX 0.10.2 jit" "ratio"
printf "$prow" "-------" "-----------" "--------------" "-----"
logsum=0
count=0
for w in "${programs[@]}"; do
    mac=$(lookup "$prog_rust" "macro:$w")
    jax=$(lookup "$prog_jax" "$w")
    [ -n "$mac" ] && [ -n "$jax" ] || continue
    r=$(ratio "$mac" "$jax")
    printf "$prow" "$w" "$(fmt_time "$mac")" "$(fmt_time "$jax")" "$r"
    logsum=$(awk -v s="$logsum" -v r="$r" 'BEGIN { printf "%.12f", s + log(r) }')
    count=$((count + 1))
done
if [ "$count" -gt 0 ]; then
    echo "geometric mean of the $count ratios: $(awk -v s="$logsum" -v n="$count" 'BEGIN { printf "%.3f", exp(s / n) }')"
fi
rm -f "$prog_rust" "$prog_jax"
