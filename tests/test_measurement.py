"""The one pass: what the data's and the reference's profiles keep for the checks."""

from __future__ import annotations

from gate.inputs.policy_dict import load_any
from gate.measurement import measure
from gate.options import RunOptions
from tests.helpers import classification_frame

POLICY = {
    "version": 1,
    "data": {"label": "y", "score": "x1", "sensitive": ["g"]},
    "checks": [
        {"id": "proxies", "type": "proxy_features", "features": ["x2", "x3"], "max": 0.5},
        {"id": "drift", "type": "drift"},
    ],
}


def test_the_row_sample_is_kept_of_the_data_and_never_of_the_reference():
    """Checks that read rows read the data's; a reference keeping rows too only costs memory."""
    frame = classification_frame(300)
    frame["g"] = ["a", "b", "c"] * 100
    options = RunOptions(policy=POLICY, data=frame, reference=frame.iloc[:200])
    measured = measure(options, load_any(POLICY))
    sample = measured.profile.sample
    assert sample is not None and len(sample.frame) == 300
    assert set(sample.frame.columns) == {"x2", "x3", "g"}
    assert measured.reference is not None and measured.reference.profile.rows == 200
    assert measured.reference.profile.sample is None
