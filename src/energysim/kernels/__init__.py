"""Compiled kernels (numba) for the engine's hot loops.

The model's equations live in :mod:`energysim.models` as plain numpy functions, the readable
reference; the kernels here compute the same quantities path by path (or value by value) in
compiled loops that release the GIL, so worker threads run them in parallel and each array is
read and written once (docs/performance.md). tests/test_kernels.py checks every kernel against
the model functions.

Kernels are compiled on first use and cached next to this package (numba's ``cache=True``).
"""
