"""Compiled kernels (numba) for the engine's hot loops.

The model's equations live in :mod:`energysim.models` as plain numpy functions, the readable
reference; the kernels here compute the same quantities path by path (or value by value) in
compiled loops that release the GIL, so worker threads run them in parallel and each array is
read and written once (docs/performance.md). tests/test_kernels.py checks the path model and
its random numbers against the model functions and published test vectors, and the vectorised
``exp`` against numpy's; tests/test_reduce_kernel.py checks the reduction against the
sort-based one it replaced.

Kernels are compiled on first use and cached next to this package (numba's ``cache=True``).
"""
