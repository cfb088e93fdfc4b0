"""Adjusted p-values equal statsmodels' multipletests; None entries pass through."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gate.engine.multiple_testing import adjust

multitest = pytest.importorskip(
    "statsmodels.stats.multitest", reason="statsmodels (installed with evidently) is the oracle"
)
ORACLE = {"bh": "fdr_bh", "bonferroni": "bonferroni"}


@settings(max_examples=60, deadline=None)
@given(
    p=st.lists(
        st.one_of(st.none(), st.floats(0, 1), st.sampled_from([0.0, 1.0, 0.01, 0.05])),
        max_size=30,
    ),
    method=st.sampled_from(["bh", "bonferroni"]),
)
def test_adjusted_p_values_equal_statsmodels_and_none_stays_none(p, method):
    got = adjust(p, method)
    assert [g is None for g in got] == [q is None for q in p]
    present = [q for q in p if q is not None]
    if not present:
        return
    want = multitest.multipletests(present, method=ORACLE[method])[1]
    np.testing.assert_allclose([g for g in got if g is not None], want, rtol=1e-12, atol=1e-15)


def test_bh_is_monotone_in_p_and_capped_and_none_changes_nothing():
    p = [0.04, None, 0.001, 0.03, 0.9, 0.049]
    got = adjust(p, "bh")
    pairs = sorted((q, g) for q, g in zip(p, got, strict=True) if q is not None)
    assert all(a[1] <= b[1] for a, b in itertools.pairwise(pairs))
    assert max(g for g in got if g is not None) <= 1.0
    assert got[2] == pytest.approx(0.005)  # 0.001 * 5 tests / rank 1
    assert adjust(p, "none") == p
    assert adjust([], "bh") == []
    assert adjust([0.2, 0.5], "bonferroni") == [0.4, 1.0]


def test_unknown_methods_and_bad_p_values_are_refused_by_name():
    with pytest.raises(ValueError, match="unknown correction 'holm'"):
        adjust([0.1], "holm")
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        adjust([1.5], "bh")
