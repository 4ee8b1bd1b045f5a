"""matmul against torch.matmul, broadcasting included, and the GEMMs under it (kernels/blas.py, gemm.py).

Its gradients are matmuls too, taken by autograd (minitorch/_ops/linalg.py; test_linalg.py).
"""

import platform
import sys

import numpy as np
import pytest
import torch
from harness.strategies import at_least
from hypothesis import given
from hypothesis import strategies as st
from kernel_parity_helpers import assert_close, random_array
from minitorch.kernels import matmul

DTYPES = [np.float64, np.float32]


@st.composite
def matmul_shapes(draw):
    """Shapes torch.matmul accepts: 1-D operands, and batch dimensions that broadcast."""
    m, k, n = draw(st.integers(1, 6)), draw(st.integers(1, 6)), draw(st.integers(1, 6))
    batch = draw(st.lists(st.integers(1, 3), max_size=2))
    a_batch = [draw(st.sampled_from([b, 1])) for b in batch][draw(st.integers(0, len(batch))):]
    b_batch = [draw(st.sampled_from([b, 1])) for b in batch][draw(st.integers(0, len(batch))):]
    a_shape = (k,) if draw(st.booleans()) else tuple(a_batch) + (m, k)
    b_shape = (k,) if draw(st.booleans()) else tuple(b_batch) + (k, n)
    return a_shape, b_shape


@at_least(100, deadline=None)
@given(shapes=matmul_shapes(), dtype=st.sampled_from(DTYPES), contiguous=st.booleans(),
       seed=st.integers(0, 2**16))
def test_matmul_matches_torch(shapes, dtype, contiguous, seed):
    rng = np.random.default_rng(seed)
    a = random_array(rng, shapes[0], dtype, contiguous)
    b = random_array(rng, shapes[1], dtype, contiguous)
    assert_close(np.asarray(matmul(a, b)), torch.matmul(torch.tensor(a), torch.tensor(b)), dtype)


def test_large_matmul_float32_tolerance():
    """A 512-long reduction in float32 stays within 1e-3 relative of torch (different blocking)."""
    rng = np.random.default_rng(0)
    a, b = random_array(rng, (64, 512), np.float32), random_array(rng, (512, 32), np.float32)
    np.testing.assert_allclose(matmul(a, b), torch.tensor(a) @ torch.tensor(b), rtol=1e-3,
                               atol=1e-3)


@st.composite
def stored(draw, shape, dtype, rng):
    """An array of ``shape`` stored one of the ways a GEMM operand arrives: row-major, a
    transposed (column-major) view, a slice with a padded leading dimension, every other
    element (neither dim contiguous: kernels/blas.py copies it), or every other matrix of a stack
    (with two batch dims, no 3-d view of it exists: the reshape copies)."""
    how = draw(st.sampled_from(["row", "transposed", "padded", "strided", "every other matrix"]))
    if how == "every other matrix" and len(shape) > 2:
        return rng.standard_normal((2 * shape[0],) + shape[1:]).astype(dtype)[::2]
    if how == "transposed":
        return np.swapaxes(rng.standard_normal(shape[:-2] + shape[-2:][::-1]).astype(dtype), -1, -2)
    if how == "padded":
        return rng.standard_normal(shape[:-1] + (shape[-1] + 3,)).astype(dtype)[..., : shape[-1]]
    if how == "strided":
        return rng.standard_normal(shape[:-1] + (2 * shape[-1],)).astype(dtype)[..., ::2]
    return rng.standard_normal(shape).astype(dtype)


@at_least(80, deadline=None)
@given(data=st.data(), m=st.integers(1, 40), k=st.integers(1, 40), n=st.integers(1, 40),
       batch=st.sampled_from([(), (1,), (3,), (2, 2)]), dtype=st.sampled_from(DTYPES),
       stack_times_matrix=st.booleans(), seed=st.integers(0, 2**16))
def test_gemm_on_numba_threads_matches_numpy(data, m, k, n, batch, dtype, stack_times_matrix, seed):
    """kernels/blas.py's GEMM pieces (forced on for every size by the conftest's "threads" run)
    against np.matmul: every operand layout, stacks, a stack times one matrix, and out=."""
    from minitorch.kernels import blas

    rng = np.random.default_rng(seed)
    a = data.draw(stored(batch + (m, k), dtype, rng))
    b = data.draw(stored((() if stack_times_matrix else batch) + (k, n), dtype, rng))
    expected = np.matmul(a, b)
    got = blas.matmul(a, b)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    tol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(got, expected, rtol=tol, atol=tol * k)
    out = np.full(expected.shape, np.nan, dtype=dtype)
    assert blas.matmul(a, b, out=out) is out
    np.testing.assert_allclose(out, expected, rtol=tol, atol=tol * k)


@at_least(60, deadline=None)
@given(data=st.data(), m=st.integers(1, 40), k=st.integers(1, 40), n=st.integers(1, 40),
       batch=st.sampled_from([(), (3,), (2, 2)]), dtype=st.sampled_from(DTYPES),
       stack_times_matrix=st.booleans(), seed=st.integers(0, 2**16))
def test_gemm_not_shared_on_own_kernel_matches_numpy(data, m, k, n, batch, dtype, stack_times_matrix, seed):
    """A GEMM not shared out (one thread, ``in_parallel`` False) runs kernels/gemm.py's pieces
    serially where ``gemm.pays`` (forced here for every size, ``SERIAL_OWN_MIN`` = 1): every
    operand layout, stacks, out=, against np.matmul."""
    from minitorch.kernels import blas

    rng = np.random.default_rng(seed)
    a = data.draw(stored(batch + (m, k), dtype, rng))
    b = data.draw(stored((() if stack_times_matrix else batch) + (k, n), dtype, rng))
    expected = np.matmul(a, b)
    saved = blas.SERIAL_OWN_MIN, blas.in_parallel
    blas.SERIAL_OWN_MIN, blas.in_parallel = 1, lambda elements: False
    blas._PLANS.clear()  # a plan is made once per geometry, under the settings of its first call
    try:
        got = blas.matmul(a, b)
        out = np.full(expected.shape, np.nan, dtype=dtype)
        assert blas.matmul(a, b, out=out) is out
    finally:
        blas.SERIAL_OWN_MIN, blas.in_parallel = saved
        blas._PLANS.clear()
    tol = 1e-12 if dtype == np.float64 else 1e-5
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=tol, atol=tol * k)
    np.testing.assert_allclose(out, expected, rtol=tol, atol=tol * k)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("regular", [True, False])
def test_indexed_gemm_matches_numpy(dtype, regular):
    """kernels/gemm_indexed.py's matmul_indexed, A[i, k] = a[rows[i] + kcols[k]], and matmul_indexed_b,
    a @ B with B[k, j] = b[rows[k] + kcols[j]]: rows in slivers of 8 a
    constant stride apart with kcols in aligned runs of 8 (the 8x8 transposes), or irregular
    (number by number), edges in M, N and K, a transposed b; and its index check."""
    from minitorch.kernels import gemm, gemm_indexed

    if not gemm.available(dtype):
        pytest.skip("no AVX-512: the indexed GEMM is not used")
    rng = np.random.default_rng(3)
    a = rng.standard_normal(5000).astype(dtype)
    if regular:  # 3 rows of 8 positions, 24 numbers apart, 16 channels at 3 tap offsets
        rows = (np.arange(3)[:, None] * 300 + np.arange(8)[None, :] * 24).reshape(-1).astype(np.int64)
        kcols = (np.array([0, 24, 600])[:, None] + np.arange(16)[None, :]).reshape(-1).astype(np.int64)
    else:
        rows = rng.integers(0, 2000, 21).astype(np.int64)
        kcols = rng.integers(0, 2000, 37).astype(np.int64)
    A = a[rows[:, None] + kcols[None, :]]
    for n in (5, 32, 70):
        b = rng.standard_normal((n, kcols.size)).astype(dtype).T  # read in place, transposed
        tol = 1e-12 if dtype == np.float64 else 1e-5
        np.testing.assert_allclose(gemm_indexed.matmul_indexed(a, rows, kcols, b), A @ b, rtol=tol, atol=tol * kcols.size)
    with pytest.raises(RuntimeError, match="outside"):
        gemm_indexed.matmul_indexed(a, rows + 4000, kcols, b)
    # the same A as the B of matmul_indexed_b (rows and kcols swapping roles: B = A.T's layout)
    for m in (3, 8, 19):
        left = rng.standard_normal((rows.size, m)).astype(dtype).T  # (m, M) read in place, transposed
        tol = 1e-12 if dtype == np.float64 else 1e-5
        np.testing.assert_allclose(gemm_indexed.matmul_indexed_b(left, a, rows, kcols), left @ A, rtol=tol,
                                   atol=tol * rows.size)
    with pytest.raises(RuntimeError, match="outside"):
        gemm_indexed.matmul_indexed_b(left, a, rows, kcols + 4000)


@pytest.mark.parametrize("dtype", DTYPES)
def test_indexed_gemm_slivers_across_rows(dtype):
    """matmul_indexed with 8-row slivers whose rows are not a constant stride apart (a 7-wide map:
    a sliver wraps past an output row's end) and kcols in aligned runs of 8: packed by
    ``_transpose8_rows``, bitwise the number-by-number packing's result (runs8 off), and A @ b."""
    from minitorch.kernels import gemm, gemm_indexed

    if not gemm.available(dtype):
        pytest.skip("no AVX-512: the indexed GEMM is not used")
    rng = np.random.default_rng(5)
    a = rng.standard_normal(6000).astype(dtype)
    # 2 images of a 7x7 output map (98 positions, the last sliver 2 rows) on a padded 11x11x8 x
    rows = np.array([((n * 11 + oh) * 11 + ow) * 8 for n in range(2) for oh in range(7) for ow in range(7)],
                    np.int64)
    kcols = np.array([(i * 11 + j) * 8 + c for i in range(5) for j in range(5) for c in range(8)], np.int64)
    A = a[rows[:, None] + kcols[None, :]]
    for n in (5, 32, 70):
        b = rng.standard_normal((n, kcols.size)).astype(dtype).T  # read in place, transposed
        got = gemm_indexed.matmul_indexed(a, rows, kcols, b)
        tol = 1e-12 if dtype == np.float64 else 1e-5
        np.testing.assert_allclose(got, A @ b, rtol=tol, atol=tol * kcols.size)
        plain = np.empty_like(got)  # the same GEMM with every sliver packed number by number
        rsb, csb = (s // b.itemsize for s in b.strides)
        gemm_indexed._gemm_indexed_rows(rows.size, n, kcols.size, a, rows, kcols, gemm_indexed._flat(b), 0, rsb,
                                        csb, plain.reshape(-1), gemm.workspace(dtype), False, 1, False)
        assert np.array_equal(got, plain)


def _threading_setup(env_layer: str | None) -> list[str]:
    """In a fresh process: could the one pool be used, is it, numba's layer after a parallel
    kernel ran, OpenBLAS's thread count, numba's thread count."""
    import os
    import subprocess
    import sys

    code = ("import numpy as np, numba, minitorch.kernels as kernels\n"
            "from minitorch.kernels import threading as t\n"
            "a = np.ones((256, 256), np.float32); kernels.matmul(a, a)\n"
            "x = np.ones((64, 6, 28, 28), np.float32)\n"
            "kernels.max_pool2d(x, (2, 2), (2, 2), (0, 0), (1, 1), False)\n"
            "print(t._ONE_POOL_POSSIBLE, t.one_pool(), numba.threading_layer(), "
            "t.get_blas_num_threads(), numba.get_num_threads())\n")
    env = {k: v for k, v in os.environ.items() if k not in ("NUMBA_THREADING_LAYER", "OPENBLAS_NUM_THREADS")}
    if env_layer is not None:
        env["NUMBA_THREADING_LAYER"] = env_layer
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False,
                         cwd=__file__.rsplit("/parity_tests/", 1)[0])
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_one_thread_pool_when_possible_else_two():
    """kernels/threading.py: numba's OpenMP layer with OpenBLAS on one thread when both are
    there; a user's NUMBA_THREADING_LAYER=workqueue gets the two-pool setup, OpenBLAS threaded."""
    possible, one_pool, layer, blas_threads, threads = _threading_setup(None)
    if possible == "True":
        assert (one_pool, layer, blas_threads) == ("True", "omp", "1")
    else:
        assert (one_pool, layer) == ("False", "workqueue")
    possible, one_pool, layer, blas_threads, threads = _threading_setup("workqueue")
    assert (one_pool, layer) == ("False", "workqueue")
    assert blas_threads in ("None", threads)  # OpenBLAS keeps as many threads as numba


@at_least(40, deadline=None)
@given(data=st.data(), dtype=st.sampled_from(DTYPES), seed=st.integers(0, 2**16))
def test_own_gemm_matches_float64_reference(data, dtype, seed):
    """kernels/gemm.py on its own (one thread), against a float64 product: sizes that cross its
    cache blocks (M past MC, K past KC so it is cut in equal blocks, N past NC) and stop short
    of its register tile (ragged edges, packed with zeros), with A and B each row-major,
    transposed (packed by 8x8 register transposes), with a padded leading dimension, or with
    neither dim contiguous."""
    from minitorch.kernels import gemm

    m = data.draw(st.sampled_from([1, 7, gemm.MR, gemm.MR + 1, gemm.MC + 5, 2 * gemm.MC + 3]))
    k = data.draw(st.sampled_from([1, 7, 8, 9, 64, gemm.KC + 1, 2 * gemm.KC + 9]))
    n = data.draw(st.sampled_from([1, 5, 16, 33, gemm.NC + 17]))
    rng = np.random.default_rng(seed)
    a = data.draw(stored((m, k), dtype, rng))
    b = data.draw(stored((k, n), dtype, rng))
    got = gemm.matmul(a, b)
    expected = a.astype(np.float64) @ b.astype(np.float64)
    assert got.shape == (m, n) and got.dtype == dtype
    # Error bound of a float sum of k products: k * eps * sum |a||b| (the tile order differs from NumPy's).
    bound = k * np.finfo(dtype).eps * (np.abs(a).astype(np.float64) @ np.abs(b).astype(np.float64))
    assert np.all(np.abs(got - expected) <= bound + np.finfo(dtype).tiny)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("m, k, n", [(4, 16, 4), (5, 7, 5), (75, 8960 + 5, 16), (9, 1024, 31), (150, 33, 6)])
def test_own_gemm_dot_products(m, k, n, dtype):
    """kernels/gemm.py's dot-product path (C narrower than the register tile, A row-major, B
    column-major): tiles moved back to overlap at the right and bottom edges, K's last
    K % 16 products added one by one, against a float64 product with the bound above."""
    from minitorch.kernels import gemm

    rng = np.random.default_rng(m * k * n)
    a = rng.standard_normal((m, k)).astype(dtype)
    b = rng.standard_normal((n, k)).astype(dtype).T  # column-major: contiguous along k
    got = gemm.matmul(a, b)
    expected = a.astype(np.float64) @ b.astype(np.float64)
    bound = k * np.finfo(dtype).eps * (np.abs(a).astype(np.float64) @ np.abs(b).astype(np.float64))
    assert np.all(np.abs(got - expected) <= bound + np.finfo(dtype).tiny)


def _layout(shape, how, dtype, rng):
    """A matrix of ``shape`` stored row-major, column-major (a transposed view) or with a
    padded leading dimension along either dim."""
    if how == "col":
        return rng.standard_normal(shape[::-1]).astype(dtype).T
    if how == "col_padded":
        return rng.standard_normal((shape[1], shape[0] + 5)).astype(dtype)[:, : shape[0]].T
    if how == "row_padded":
        return rng.standard_normal((shape[0], shape[1] + 5)).astype(dtype)[:, : shape[1]]
    return rng.standard_normal(shape).astype(dtype)


LAYOUTS = ["row", "col", "row_padded", "col_padded"]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("la, lb", [(la, lb) for la in LAYOUTS for lb in LAYOUTS])
@pytest.mark.parametrize("m, k, n", [(64, 784, 32), (3 * 64 + 13, 37, 45), (13, 2 * 512 + 9, 7), (9, 8, 33),
                                     (2 * 64 + 3, 520, 2 * 32 + 3)])
def test_own_gemm_transposed_layouts(m, k, n, la, lb, dtype):
    """kernels/gemm.py on every layout pair of A and B: a column-major A (MR-tall slivers
    copied from its columns, 8 numbers a move) and a column-major B (8x8 register
    transposes), whole slivers and ragged edges (odd sizes, several MC and KC blocks), both
    dtypes, against a float64 product with the bound above; and kernels/blas.py's matmul on
    the same operands against NumPy (the last size is big enough, 4.5M multiply-adds, for
    blas.py to run it here on one thread where ``gemm.pays``)."""
    from minitorch.kernels import blas, gemm

    rng = np.random.default_rng(m + 7 * k + 31 * n)
    a, b = _layout((m, k), la, dtype, rng), _layout((k, n), lb, dtype, rng)
    expected = a.astype(np.float64) @ b.astype(np.float64)
    bound = k * np.finfo(dtype).eps * (np.abs(a).astype(np.float64) @ np.abs(b).astype(np.float64))
    got = gemm.matmul(a, b)
    assert got.shape == (m, n) and got.dtype == dtype
    assert np.all(np.abs(got - expected) <= bound + np.finfo(dtype).tiny)
    got = blas.matmul(a, b)
    assert got.dtype == dtype and np.all(np.abs(got - expected) <= 2 * bound + np.finfo(dtype).tiny)


def test_own_gemm_dispatch():
    """Which float GEMMs kernels/blas.py gives kernels/gemm.py: where C is at least one register
    tile wide and more than a row tall (two tiles wide with A column-major), or narrower with a
    long K and both operands along k (gemm.pays), and only on an AVX-512 CPU unless MINITORCH_GEMM=openblas (checked in
    fresh processes, since the choice is made at import)."""
    import os
    import subprocess
    import sys

    from minitorch.kernels import gemm

    mr, nr = gemm.TILE[np.dtype(np.float32)]
    long_k = gemm.DOT_MIN_K
    assert gemm.pays(2, nr, 1) and gemm.pays(mr, nr, 1) and not gemm.pays(1, 4 * nr, 1)
    assert not gemm.pays(512, nr - 1, long_k)  # narrow C: only with both operands along k ...
    assert gemm.pays(512, gemm.DC, long_k, along_k=True)  # ... on dot products,
    assert not gemm.pays(512, gemm.DC, long_k - 1, along_k=True)  # and a long K
    assert not gemm.pays(512, gemm.DC - 1, long_k, along_k=True) and not gemm.pays(gemm.DR - 1, 16, long_k, True)
    assert gemm.pays(512, 2 * nr, 512, a_row_major=False)  # A column-major: two tiles wide or more,
    assert not gemm.pays(1440, 2 * nr - 1, 4096, a_row_major=False) and not gemm.pays(1, 4 * nr, 64, a_row_major=False)
    code = ("import numpy as np, llvmlite.binding as ll\n"
            "from minitorch.kernels import gemm\n"
            "print(gemm.available(np.float32), gemm.available(np.float64), gemm.available(np.int64), "
            "'+avx512f' in ll.get_host_cpu_features().flatten())\n")
    root = __file__.rsplit("/parity_tests/", 1)[0]
    for choice in ("", "openblas"):
        env = dict(os.environ, MINITORCH_GEMM=choice)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                             cwd=root, check=False)
        assert out.returncode == 0, out.stderr
        f32, f64, i64, avx512 = out.stdout.split()
        expected = str(avx512 == "True" and choice != "openblas")
        assert (f32, f64, i64) == (expected, expected, "False")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(256, 64, 784), (128, 64, 256), (300, 17, 301)])
def test_rows_or_columns_cut_gives_the_same_bits(shape, dtype):
    """A GEMM shared out on kernels/gemm.py is cut by rows where its caller asks (``rows=True``:
    minitorch.compile, for a weight gradient that SGD reads next), else along the longer side:
    every element is one dot product over K in one call either way, so the cut never changes a
    bit (a weight gradient dY^T X here)."""
    from minitorch.kernels import blas

    import minitorch

    before = minitorch.get_num_threads()
    minitorch.set_num_threads(2)
    try:
        m, k, n = shape
        rng = np.random.default_rng(0)
        a = rng.standard_normal((k, m)).astype(dtype).T
        b = rng.standard_normal((k, n)).astype(dtype)
        assert np.array_equal(blas.matmul(a, b, rows=True), blas.matmul(a, b))
    finally:
        minitorch.set_num_threads(before)


def _faults_of_a_second_big_array(tuning: str, **user) -> tuple[str, int]:
    """In a fresh process with MINITORCH_MALLOC_TUNING=tuning (and the environment ``user``):
    whether ``import minitorch`` set malloc to keep freed memory (minitorch/backends/_malloc.py),
    and the page faults of writing a 64 MB array allocated after one like it was freed (a Linear
    layer's weight gradient at every step)."""
    import os
    import subprocess
    import sys

    code = ("import resource, numpy as np\n"
            "from minitorch.backends import _malloc\n"
            "a = np.empty(1 << 24, np.float32); a.fill(1); del a\n"
            "before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt\n"
            "b = np.empty(1 << 24, np.float32); b.fill(2)\n"
            "print(_malloc.tuned, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_") and k != "GLIBC_TUNABLES"}
    env.update(MINITORCH_MALLOC_TUNING=tuning, **user)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                         env=env, cwd=__file__.rsplit("/parity_tests/", 1)[0])
    assert out.returncode == 0, out.stderr
    kept, faults = out.stdout.split()
    return kept, int(faults)


@pytest.mark.skipif(sys.platform != "linux" or platform.libc_ver()[0] != "glibc", reason="glibc's mallopt")
def test_malloc_keeps_freed_memory_unless_told_not_to():
    """minitorch/backends/_malloc.py: a 64 MB array allocated after one like it was freed reuses
    its pages (no page faults, where fresh memory faults at least once per 2 MB huge page); with
    MINITORCH_MALLOC_TUNING=0 malloc is left as it is, and the same array is fresh memory; a
    user's own malloc setting is left alone too."""
    assert _faults_of_a_second_big_array("1") == ("True", pytest.approx(0, abs=16))
    kept, faults = _faults_of_a_second_big_array("0")
    assert kept == "False" and faults >= (64 << 20) // (2 << 20)
    assert _faults_of_a_second_big_array("1", MALLOC_TRIM_THRESHOLD_="4096")[0] == "False"
    assert _faults_of_a_second_big_array("1", GLIBC_TUNABLES="glibc.malloc.mmap_max=1")[0] == "False"
