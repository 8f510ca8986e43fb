"""Tests of otlpkb.otlp.tracecontext (W3C traceparent / tracestate).

External check: every request of the W3C Trace Context test suite
(github.com/w3c/trace-context, test/test.py at commit 00a91acf6cc05c274fdcd194e878d04172db3f5f,
class TraceContextTest and AdvancedTest), transcribed as (headers sent, expected outcome):
the Level 1 suite, run with ``level=1``. The current suite (test/test.py at commit
0baeca7a0d48c2aab4eb01f5888dfb9783759745) changed one expectation, duplicated keys (the
header is kept, with the entry kept as-is or one of them dropped), checked with ``level=2``;
the Level 2 key grammar is checked against the ABNF of spec/20-http_request_header_format.md
at commit 02172780feed915014e371d0ae6d4b8d58158518.
The suite checks a service from outside: "continues" means the service keeps the trace id
(our extract returns a context with it), "restarts" means it must generate a new trace id
(our extract returns None). Tracestate expectations are transcribed likewise: the entries
that must (or must not) be propagated.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from otlpkb.otlp import (
    MAX_TRACESTATE_MEMBERS,
    TraceContext,
    extract_trace_context,
    format_traceparent,
    format_tracestate,
    parse_traceparent,
    parse_tracestate,
)

TID = "12345678901234567890123456789012"
TP = "00-12345678901234567890123456789012-1234567890123456-01"
TP0 = "00-12345678901234567890123456789012-1234567890123456-00"

# (test name in test/test.py, headers, trace continues?)
TRACEPARENT_CASES = [
    ("test_both_traceparent_and_tracestate_missing", [], False),
    ("test_traceparent_included_tracestate_missing", [("traceparent", TP)], True),
    (
        "test_traceparent_duplicated",
        [
            ("traceparent", "00-12345678901234567890123456789011-1234567890123456-01"),
            ("traceparent", "00-12345678901234567890123456789012-1234567890123456-01"),
        ],
        False,
    ),
    ("test_traceparent_header_name[trace-parent]", [("trace-parent", TP)], False),
    ("test_traceparent_header_name[trace.parent]", [("trace.parent", TP)], False),
    ("test_traceparent_header_name_valid_casing[TraceParent]", [("TraceParent", TP)], True),
    ("test_traceparent_header_name_valid_casing[TrAcEpArEnT]", [("TrAcEpArEnT", TP)], True),
    ("test_traceparent_header_name_valid_casing[TRACEPARENT]", [("TRACEPARENT", TP)], True),
    ("test_traceparent_version_0x00[trailing .]", [("traceparent", TP + ".")], False),
    (
        "test_traceparent_version_0x00[future fields]",
        [("traceparent", TP + "-what-the-future-will-be-like")],
        False,
    ),
    ("test_traceparent_version_0xcc[plain]", [("traceparent", "cc" + TP[2:])], True),
    (
        "test_traceparent_version_0xcc[future fields]",
        [("traceparent", "cc" + TP[2:] + "-what-the-future-will-be-like")],
        True,
    ),
    (
        "test_traceparent_version_0xcc[dot]",
        [("traceparent", "cc" + TP[2:] + ".what-the-future-will-be-like")],
        False,
    ),
    ("test_traceparent_version_0xff", [("traceparent", "ff" + TP[2:])], False),
    ("test_traceparent_version_illegal_characters[.0]", [("traceparent", ".0" + TP[2:])], False),
    ("test_traceparent_version_illegal_characters[0.]", [("traceparent", "0." + TP[2:])], False),
    ("test_traceparent_version_too_long[000]", [("traceparent", "000" + TP[2:])], False),
    ("test_traceparent_version_too_long[0000]", [("traceparent", "0000" + TP[2:])], False),
    ("test_traceparent_version_too_short", [("traceparent", "0" + TP[2:])], False),
    (
        "test_traceparent_trace_id_all_zero",
        [("traceparent", "00-00000000000000000000000000000000-1234567890123456-01")],
        False,
    ),
    (
        "test_traceparent_trace_id_illegal_characters[lead]",
        [("traceparent", "00-.2345678901234567890123456789012-1234567890123456-01")],
        False,
    ),
    (
        "test_traceparent_trace_id_illegal_characters[tail]",
        [("traceparent", "00-1234567890123456789012345678901.-1234567890123456-01")],
        False,
    ),
    (
        "test_traceparent_trace_id_too_long",
        [("traceparent", "00-123456789012345678901234567890123-1234567890123456-01")],
        False,
    ),
    (
        "test_traceparent_trace_id_too_short",
        [("traceparent", "00-1234567890123456789012345678901-1234567890123456-01")],
        False,
    ),
    (
        "test_traceparent_parent_id_all_zero",
        [("traceparent", "00-12345678901234567890123456789012-0000000000000000-01")],
        False,
    ),
    (
        "test_traceparent_parent_id_illegal_characters[lead]",
        [("traceparent", "00-12345678901234567890123456789012-.234567890123456-01")],
        False,
    ),
    (
        "test_traceparent_parent_id_illegal_characters[tail]",
        [("traceparent", "00-12345678901234567890123456789012-123456789012345.-01")],
        False,
    ),
    (
        "test_traceparent_parent_id_too_long",
        [("traceparent", "00-12345678901234567890123456789012-12345678901234567-01")],
        False,
    ),
    (
        "test_traceparent_parent_id_too_short",
        [("traceparent", "00-12345678901234567890123456789012-123456789012345-01")],
        False,
    ),
    (
        "test_traceparent_trace_flags_illegal_characters[.0]",
        [("traceparent", TP[:-2] + ".0")],
        False,
    ),
    (
        "test_traceparent_trace_flags_illegal_characters[0.]",
        [("traceparent", TP[:-2] + "0.")],
        False,
    ),
    ("test_traceparent_trace_flags_too_long", [("traceparent", TP[:-2] + "001")], False),
    ("test_traceparent_trace_flags_too_short", [("traceparent", TP[:-2] + "1")], False),
    ("test_traceparent_ows_handling[space lead]", [("traceparent", " " + TP)], True),
    ("test_traceparent_ows_handling[tab lead]", [("traceparent", "\t" + TP)], True),
    ("test_traceparent_ows_handling[space tail]", [("traceparent", TP + " ")], True),
    ("test_traceparent_ows_handling[tab tail]", [("traceparent", TP + "\t")], True),
    ("test_traceparent_ows_handling[both]", [("traceparent", "\t " + TP + " \t")], True),
    ("test_tracestate_included_traceparent_missing[1]", [("tracestate", "foo=1")], False),
    ("test_tracestate_included_traceparent_missing[2]", [("tracestate", "foo=1,bar=2")], False),
    (
        "AdvancedTest.test_multiple_requests_with_illegal_traceparent",
        [("traceparent", "00-00000000000000000000000000000000-1234567890123456-01")],
        False,
    ),
]


@pytest.mark.parametrize(
    ("headers", "continues"),
    [pytest.param(h, c, id=name) for name, h, c in TRACEPARENT_CASES],
)
def test_w3c_suite_traceparent(headers, continues):
    ctx = extract_trace_context(headers)
    if continues:
        assert ctx is not None
        assert ctx.trace_id == TID
        assert ctx.parent_id == "1234567890123456"
    else:
        assert ctx is None


KEY_NO_VENDOR = "".join(map(chr, range(0x61, 0x7B))) + "0123456789" + "_-*/"
KEY_VENDOR = KEY_NO_VENDOR + "@a-z0-9_-*/"
ALL_VALUE_CHARS = (
    "".join(map(chr, range(0x20, 0x2C)))
    + "".join(map(chr, range(0x2D, 0x3D)))
    + "".join(map(chr, range(0x3E, 0x7F)))
)
BARS_1_30 = [",".join(f"bar{i:02d}={i:02d}" for i in range(k, k + 10)) for k in (1, 11, 21)]

# (test name, tracestate headers (a bare string is sent as "tracestate"), entries that must be
#  present, keys that must be absent)
TRACESTATE_CASES = [
    (
        "test_tracestate_included_traceparent_included",
        ["foo=1,bar=2"],
        [("foo", "1"), ("bar", "2")],
        [],
    ),
    ("test_tracestate_header_name[trace-state]", [("trace-state", "foo=1")], [], ["foo"]),
    ("test_tracestate_header_name[trace.state]", [("trace.state", "foo=1")], [], ["foo"]),
    ("test_tracestate_header_name_valid_casing[1]", [("TraceState", "foo=1")], [("foo", "1")], []),
    ("test_tracestate_header_name_valid_casing[2]", [("TrAcEsTaTe", "foo=1")], [("foo", "1")], []),
    ("test_tracestate_header_name_valid_casing[3]", [("TRACESTATE", "foo=1")], [("foo", "1")], []),
    ("test_tracestate_empty_header[only empty]", [""], [], ["foo"]),
    ("test_tracestate_empty_header[foo then empty]", ["foo=1", ""], [("foo", "1")], []),
    ("test_tracestate_empty_header[empty then foo]", ["", "foo=1"], [("foo", "1")], []),
    (
        "test_tracestate_multiple_headers_different_keys",
        ["foo=1,bar=2", "rojo=1,congo=2", "baz=3"],
        [("foo", "1"), ("bar", "2"), ("rojo", "1"), ("congo", "2"), ("baz", "3")],
        [],
    ),
    ("test_tracestate_duplicated_keys[same value]", ["foo=1,foo=1"], [], ["foo"]),
    ("test_tracestate_duplicated_keys[other value]", ["foo=1,foo=2"], [], ["foo"]),
    ("test_tracestate_duplicated_keys[two headers]", ["foo=1", "foo=1"], [], ["foo"]),
    ("test_tracestate_duplicated_keys[two headers differ]", ["foo=1", "foo=2"], [], ["foo"]),
    (
        "test_tracestate_all_allowed_characters[no vendor]",
        [KEY_NO_VENDOR + "=" + ALL_VALUE_CHARS],
        [(KEY_NO_VENDOR, ALL_VALUE_CHARS)],
        [],
    ),
    (
        "test_tracestate_all_allowed_characters[vendor]",
        [KEY_VENDOR + "=" + ALL_VALUE_CHARS],
        [(KEY_VENDOR, ALL_VALUE_CHARS)],
        [],
    ),
    (
        "test_tracestate_ows_handling[1]",
        ["foo=1 \t , \t bar=2, \t baz=3"],
        [("foo", "1"), ("bar", "2"), ("baz", "3")],
        [],
    ),
    (
        "test_tracestate_ows_handling[2]",
        ["foo=1\t \t,\t \tbar=2,\t \tbaz=3"],
        [("foo", "1"), ("bar", "2"), ("baz", "3")],
        [],
    ),
    ("test_tracestate_ows_handling[3]", [" foo=1"], [("foo", "1")], []),
    ("test_tracestate_ows_handling[4]", ["\tfoo=1"], [("foo", "1")], []),
    ("test_tracestate_ows_handling[5]", ["foo=1 "], [("foo", "1")], []),
    ("test_tracestate_ows_handling[6]", ["foo=1\t"], [("foo", "1")], []),
    ("test_tracestate_ows_handling[7]", ["\t foo=1 \t"], [("foo", "1")], []),
    ("test_tracestate_key_illegal_characters[space]", ["foo =1"], [], ["foo "]),
    ("test_tracestate_key_illegal_characters[upper]", ["FOO=1"], [], ["FOO"]),
    ("test_tracestate_key_illegal_characters[dot]", ["foo.bar=1"], [], ["foo.bar"]),
    ("test_tracestate_key_illegal_vendor_format[1]", ["foo@=1,bar=2"], [], ["bar"]),
    ("test_tracestate_key_illegal_vendor_format[2]", ["@foo=1,bar=2"], [], ["bar"]),
    ("test_tracestate_key_illegal_vendor_format[3]", ["foo@@bar=1,bar=2"], [], ["bar"]),
    ("test_tracestate_key_illegal_vendor_format[4]", ["foo@bar@baz=1,bar=2"], [], ["bar"]),
    (
        "test_tracestate_member_count_limit[32]",
        [*BARS_1_30, "bar31=31,bar32=32"],
        [("bar01", "01")],
        [],
    ),
    (
        "test_tracestate_member_count_limit[33]",
        [*BARS_1_30, "bar31=31,bar32=32,bar33=33"],
        [],
        ["bar01"],
    ),
    ("test_tracestate_key_length_limit[256]", ["foo=1", "z" * 256 + "=1"], [("foo", "1")], []),
    ("test_tracestate_key_length_limit[257]", ["foo=1", "z" * 257 + "=1"], [], ["foo"]),
    (
        "test_tracestate_key_length_limit[tenant 241 vendor 14]",
        ["foo=1", "t" * 241 + "@" + "v" * 14 + "=1"],
        [("foo", "1")],
        [],
    ),
    ("test_tracestate_key_length_limit[tenant 242]", ["foo=1", "t" * 242 + "@v=1"], [], ["foo"]),
    ("test_tracestate_key_length_limit[vendor 15]", ["foo=1", "t@" + "v" * 15 + "=1"], [], ["foo"]),
    ("test_tracestate_value_illegal_characters[=]", ["foo=bar=baz"], [], ["foo"]),
    ("test_tracestate_value_illegal_characters[empty]", ["foo=,bar=3"], [], ["foo", "bar"]),
]


@pytest.mark.parametrize(
    ("values", "present", "absent"),
    [pytest.param(v, p, a, id=name) for name, v, p, a in TRACESTATE_CASES],
)
def test_w3c_suite_tracestate(values, present, absent):
    headers = [("traceparent", TP0)]
    headers += [v if isinstance(v, tuple) else ("tracestate", v) for v in values]
    ctx = extract_trace_context(headers, level=1)
    assert ctx is not None and ctx.trace_id == TID  # tracestate never breaks traceparent
    state = dict(ctx.tracestate)
    for key, value in present:
        assert state[key] == value
    for key in absent:
        assert key not in state
    # order is kept across combined headers
    if len(present) > 1:
        keys = [k for k, _ in ctx.tracestate]
        assert [k for k, _ in present] == [k for k in keys if k in dict(present)]


def test_member_count_limit_exact():
    ctx = extract_trace_context(
        [
            ("traceparent", TP0),
            *[("tracestate", v) for v in BARS_1_30],
            ("tracestate", "bar31=31,bar32=32"),
        ]
    )
    assert len(ctx.tracestate) == MAX_TRACESTATE_MEMBERS == 32


def test_uppercase_hex_restarts_and_flags_parse():
    lower = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    assert parse_traceparent(lower) is not None
    assert parse_traceparent(lower.upper()) is None
    assert parse_traceparent(lower.replace("4bf92f", "4BF92F")) is None
    assert parse_traceparent(lower.replace("00f067aa", "00F067AA")) is None
    ctx = extract_trace_context([("traceparent", TP0)])
    assert ctx.flags == "00" and not ctx.sampled
    assert extract_trace_context([("traceparent", TP)]).sampled


def test_format_roundtrip_and_errors():
    ctx = TraceContext("00", TID, "1234567890123456", "01", [("foo", "1")])
    assert ctx.traceparent == TP
    assert format_traceparent(TID, "1234567890123456", "03") == TP[:-2] + "03"
    with pytest.raises(ValueError, match="trace_id"):
        format_traceparent("0" * 32, "1234567890123456")
    with pytest.raises(ValueError, match="parent_id"):
        format_traceparent(TID, "ABCDEF0123456789")
    with pytest.raises(ValueError, match="flags"):
        format_traceparent(TID, "1234567890123456", 256)
    with pytest.raises(ValueError, match="version"):
        format_traceparent(TID, "1234567890123456", version="ff")
    with pytest.raises(TypeError, match="flags"):
        format_traceparent(TID, "1234567890123456", True)
    with pytest.raises(ValueError, match="at most 32"):
        format_tracestate([(f"k{i}", "v") for i in range(33)])
    with pytest.raises(ValueError, match="repeats"):
        format_tracestate([("a", "1"), ("a", "2")])
    with pytest.raises(ValueError, match="key 'A'"):
        format_tracestate([("A", "1")])
    with pytest.raises(ValueError, match="value"):
        format_tracestate([("a", "x=y")])
    with pytest.raises(TypeError, match=r"headers\[0\]"):
        extract_trace_context([("traceparent",)])


KEY_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789_-*/"
keys = st.builds(
    lambda head, tail: head + tail,
    st.sampled_from("abcdefghijklmnopqrstuvwxyz"),
    st.text(KEY_CHARS, max_size=20),
)
values = st.text(
    st.characters(codec="ascii", min_codepoint=0x20, max_codepoint=0x7E, blacklist_characters=",="),
    min_size=1,
    max_size=30,
).filter(lambda v: v[-1] != " ")


@given(st.lists(st.tuples(keys, values), max_size=32, unique_by=lambda kv: kv[0]))
def test_tracestate_format_parse_roundtrip(entries):
    text = format_tracestate(entries)
    assert parse_tracestate(text) == entries


@given(
    st.text(st.sampled_from("0123456789abcdef"), min_size=32, max_size=32),
    st.text(st.sampled_from("0123456789abcdef"), min_size=16, max_size=16),
    st.integers(0, 255),
)
def test_traceparent_format_parse_roundtrip(trace_id, parent_id, flags):
    if set(trace_id) == {"0"} or set(parent_id) == {"0"}:
        with pytest.raises(ValueError):
            format_traceparent(trace_id, parent_id, flags)
        return
    header = format_traceparent(trace_id, parent_id, flags)
    assert parse_traceparent(header) == ("00", trace_id, parent_id, f"{flags:02x}")


@given(st.text(max_size=80), st.text(max_size=80))
def test_extract_never_raises_on_arbitrary_strings(tp, ts):
    ctx = extract_trace_context([("traceparent", tp), ("tracestate", ts)])
    assert ctx is None or len(ctx.trace_id) == 32


# The current suite (0baeca7): duplicated keys keep the header; "foo=1" or "foo=2" survives.
DUPLICATED = [
    (["foo=1,foo=1"], {"1"}),
    (["foo=1,foo=2"], {"1", "2"}),
    (["foo=1", "foo=1"], {"1"}),
    (["foo=1", "foo=2"], {"1", "2"}),
]


@pytest.mark.parametrize(("values", "allowed"), DUPLICATED)
def test_current_suite_duplicated_keys_keep_the_header(values, allowed):
    headers = [("traceparent", TP0), *[("tracestate", v) for v in values]]
    ctx = extract_trace_context(headers)
    state = ctx.tracestate
    assert [k for k, _ in state] == ["foo"] and state[0][1] in allowed
    assert extract_trace_context(headers, level=1).tracestate == []  # Level 1: dropped


# Level 2 ABNF: key = ( lcalpha / DIGIT ) 0*255 ( keychar ), keychar includes "@".
LEVEL2_KEYS = [
    ("foo@", True),
    ("foo@@bar", True),
    ("foo@bar@baz", True),
    ("t" * 242 + "@v", True),
    ("t@" + "v" * 15, True),
    ("7up", True),
    ("z" * 256, True),
    ("z" * 257, False),
    ("@foo", False),
    ("_foo", False),
    ("Foo", False),
    ("foo.bar", False),
]


@pytest.mark.parametrize(("key", "valid"), LEVEL2_KEYS)
def test_level2_key_grammar(key, valid):
    parsed = parse_tracestate(f"{key}=1,bar=2")
    assert (parsed == [(key, "1"), ("bar", "2")]) is valid
    assert parsed is None or valid
    if valid:
        assert format_tracestate([(key, "1")]) == f"{key}=1"
    else:
        with pytest.raises(ValueError, match="key grammar"):
            format_tracestate([(key, "1")])


def test_level_is_checked():
    for bad in (0, 3, True, "2"):
        with pytest.raises(ValueError, match="level must be 1 or 2"):
            parse_tracestate("a=1", level=bad)
        with pytest.raises(ValueError, match="level must be 1 or 2"):
            extract_trace_context([("traceparent", TP0)], level=bad)
