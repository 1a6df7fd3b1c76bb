"""chainrule's benchmark suite: ``python -m benchmarks``.

Cases (issue 6): A, seed 000's two-layer sigmoid network, one GD step at
three sizes; B, digits 64-128-10 (a full-batch step and an epoch of batches
of 64); C, 784-256-256-10 at batches of 128 and 4096 in float64 and float32;
D, a 200×200 loss surface over a million examples; E, the engine's overhead
on tiny arrays; F, deriving each worked network's equations; G, the
operation families (elementwise, reductions, indexing) against NumPy; H, a
Hessian-vector product against PyTorch's double backward; L, reading a
~200 MB CSV file against np.loadtxt (time and peak memory); S,
chainrule.sklearn's MLPClassifier against scikit-learn's on digits; W, the web
app's recomputes (a race with its surface, the backprop stepper); P, the
playground's training step with the maps it redraws.

Every implementation of a case is checked against the first (hand-written
NumPy) after one step from the same start, then all are timed interleaved in
shuffled rounds after a warm-up (JAX's compile time reported apart); medians
and interquartile ranges in µs. By default one thread, the process pinned to
one core. A peer that is not installed is skipped with a line saying so
(``pip install -e ".[bench]"`` installs them).

    python -m benchmarks [--rounds 20] [--threads 1|2] [--cases ABCDEFGHLPSW] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys


def _limit_threads(threads: int) -> None:
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "XLA_FLAGS"):
        if var == "XLA_FLAGS":
            os.environ[var] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
        else:
            os.environ[var] = str(threads)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:threads])


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1, choices=(1, 2))
    parser.add_argument("--cases", default="ABCDEFGHLPSW", help="which cases to run, e.g. AE")
    parser.add_argument(
        "--json", default="benchmark-results.json", help="where to write the results"
    )
    args = parser.parse_args()
    _limit_threads(args.threads)  # before NumPy loads its BLAS

    from benchmarks import (
        app_playground,
        app_race,
        csv_load,
        derivation,
        harness,
        higher_order,
        mlp_cases,
        operations,
        overhead,
        sklearn_digits,
        surface,
        two_layer,
    )

    try:
        import torch

        torch.set_num_threads(args.threads)
    except ImportError:
        pass
    runners = {
        "A": two_layer.run,
        "B": mlp_cases.run_b,
        "C": mlp_cases.run_c,
        "D": surface.run,
        "E": overhead.run,
        "F": derivation.run,
        "G": operations.run,
        "H": higher_order.run,
        "L": csv_load.run,
        "P": app_playground.run,
        "S": sklearn_digits.run,
        "W": app_race.run,
    }
    rows = []
    for case in args.cases.upper():
        if case not in runners:
            parser.error(f"unknown case {case!r}: use letters of {''.join(runners)}")
        rows += runners[case](args.rounds)
    info = harness.machine()
    print(f"# chainrule benchmarks, {args.threads} thread(s)")
    print()
    print("machine: " + ", ".join(f"{k}={v}" for k, v in info.items()))
    print()
    print(harness.markdown(rows))
    with open(args.json, "w") as f:
        json.dump(
            {"machine": info, "threads": args.threads, "rows": [r.__dict__ for r in rows]},
            f,
            indent=1,
        )
    print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
