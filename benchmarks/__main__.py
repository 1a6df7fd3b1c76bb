"""One gradient-descent step of seed 000's two-layer sigmoid network.

chainrule's engine against the same step written by hand in NumPy and against
PyTorch eager (if installed), at (n, k, m) = (3, 2, 4), (10, 32, 1000) and
(100, 256, 10000); and the 200×200 loss surface of univariate regression over
a million examples (case D); and the time to derive each worked network's
equations (case F). Implementations are interleaved in shuffled rounds in one
process, at one thread pinned to one core, after a warm-up; each step's result
is checked against the NumPy step before it is timed. Prints a Markdown table
of medians and interquartile ranges, and ratios to NumPy.

    python -m benchmarks [--rounds 30] [--threads 1]
"""

from __future__ import annotations

import argparse
import os
import sys


def _limit_threads(threads: int) -> None:
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    if hasattr(os, "sched_setaffinity"):
        cores = sorted(os.sched_getaffinity(0))[:threads]
        os.sched_setaffinity(0, cores)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--threads", type=int, default=1, choices=(1, 2))
    args = parser.parse_args()
    _limit_threads(args.threads)  # before NumPy loads its BLAS

    from benchmarks import derivation, surface, two_layer

    two_layer.run(rounds=args.rounds, threads=args.threads)
    surface.run()
    derivation.run()


if __name__ == "__main__":
    sys.exit(main())
