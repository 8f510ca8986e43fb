"""Properties of algorithms from sections 1-3, stated once and checked by hypothesis.

Chapter 4.2 lists them; each property is the theorem its chapter relies on, checked on
inputs hypothesis draws (and shrinks when one fails):

* chapter 1.2, `LogHistogram`: every quantile is within the relative accuracy alpha of
  the exact lower order statistic (Masson, Rim and Lee, VLDB 2019, theorem 2);
* chapter 2.2, `phi`: the suspicion level never decreases as the silence grows;
* chapter 2.3, `WriteAheadLog`: a log cut at any byte recovers a prefix of what was
  appended, and nothing else (the torn-tail rule);
* chapter 3.4, `check_linearizability`: a sequential history that obeys the register's
  specification is linearizable, in its own order.
"""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from kbtest import SCALE
from otlpkb.consistency import History, Operation, check_linearizability
from otlpkb.fault_tolerance.detectors import phi
from otlpkb.performance.latency import LogHistogram, exact_quantile
from otlpkb.recovery.wal import WriteAheadLog

latencies = st.lists(st.floats(1e-6, 1e3, allow_nan=False), min_size=1, max_size=200)


# --8<-- [start:histogram]
@settings(max_examples=60 * SCALE)
@given(latencies, st.sampled_from([0.005, 0.01, 0.05]), st.floats(0.0, 1.0))
def test_histogram_quantiles_are_within_alpha(values, alpha, q):
    h = LogHistogram(alpha)
    h.add(values)
    exact = exact_quantile(values, q)
    assert abs(h.quantile(q) - exact) <= alpha * exact * (1 + 1e-9)


# --8<-- [end:histogram]


# --8<-- [start:phi]
@settings(max_examples=60 * SCALE)
@given(
    st.floats(0.0, 50.0),
    st.floats(0.0, 50.0),
    st.floats(0.01, 10.0),
    st.floats(0.01, 5.0),
    st.sampled_from(["logistic", "normal", "exponential"]),
)
def test_phi_never_decreases_with_silence(t1, t2, mean, std, model):
    early, late = sorted((t1, t2))
    assert phi(early, mean, std, model=model) <= phi(late, mean, std, model=model)


# --8<-- [end:phi]


# --8<-- [start:wal]
@settings(max_examples=25 * SCALE)
@given(st.lists(st.binary(min_size=0, max_size=40), min_size=1, max_size=12), st.data())
def test_a_torn_log_recovers_a_prefix(tmp_path_factory, records, data):
    path = tmp_path_factory.mktemp("wal")
    log = WriteAheadLog.open(path, fsync="never", segment_size=1 << 20)
    for r in records:
        log.append(r)
    log.close()
    (segment,) = sorted(Path(path).glob("*.seg"))
    cut = data.draw(st.integers(0, segment.stat().st_size), label="cut at byte")
    os.truncate(segment, cut)
    log = WriteAheadLog.open(path, fsync="never", segment_size=1 << 20)
    recovered = [payload for _, payload in log.replay()]
    log.close()
    assert recovered == records[: len(recovered)]


# --8<-- [end:wal]


# --8<-- [start:linearizable]
@settings(max_examples=60 * SCALE)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 3)), max_size=12))
def test_a_legal_sequential_history_is_linearizable(ops):
    value, history = None, []
    for i, (is_write, v) in enumerate(ops):
        if is_write:
            value = v
        kind = "write" if is_write else "read"
        history.append(Operation(i % 3, kind, 2 * i, 2 * i + 1, value))
    result = check_linearizability(History(history), "register")
    assert result.linearizable
    assert list(result.order) == list(range(len(ops)))


# --8<-- [end:linearizable]


def test_the_properties_can_fail():
    # Each property rejects a broken input of its kind: a histogram judged at a finer
    # accuracy than it keeps, and a history whose read returns a value never written.
    h = LogHistogram(0.5)
    h.add([1.0, 1.9])
    assert abs(h.quantile(1.0) - 1.9) > 0.01 * 1.9
    bad = History([Operation(0, "write", 0, 1, 1), Operation(1, "read", 2, 3, 2)])
    assert not check_linearizability(bad, "register").linearizable
