"""The screening's compact lookups (issue 26): the county's residents by keyed digest
(match.ResidentIndex) and the numbers a file has already shown (columns.NumberMemo).
They replaced dicts to bring the nightly job's peak memory down; these tests hold them
to what the dicts answered."""

from __future__ import annotations

import hashlib

import numpy
import pytest

from monitoring.screening import match
from monitoring.screening.stage import columns


def _digest(n: int) -> bytes:
    return hashlib.sha256(str(n).encode()).digest()


def test_the_index_answers_as_the_dict_it_replaced():
    pairs = {_digest(n): n * match.SPAN + n + 1 for n in range(1_000)}
    index = match.ResidentIndex.of(pairs.items())
    assert len(index) == 1_000
    for digest, packed in list(pairs.items())[::37]:
        assert index.get(digest) == packed
        assert index[digest] == packed
        assert digest in index
    stranger = _digest(5_000)
    assert index.get(stranger) is None
    assert index.get(stranger, -7) == -7
    assert stranger not in index
    with pytest.raises(KeyError):
        index[stranger]
    assert index.get(b"short") is None  # not a digest at all
    asked = numpy.frombuffer(b"".join([_digest(3), stranger, _digest(999)]), dtype=match.DIGEST)
    assert index.lookup(asked).tolist() == [pairs[_digest(3)], match.MISSING, pairs[_digest(999)]]
    assert index.largest() == max(pairs.values())


def test_digests_that_share_their_first_eight_bytes_are_told_apart():
    # the same first eight bytes, different after: a binary search on the prefix lands on
    # one of them; the whole digest decides
    same = b"\x00" * 8
    a, b, c = same + b"a" * 24, same + b"b" * 24, same + b"c" * 24
    ending_in_zero = b"\x01" * 31 + b"\x00"  # an S32 element loses trailing zero bytes
    index = match.ResidentIndex.of([(b, 2), (a, 1), (ending_in_zero, 4), (_digest(1), 3)])
    assert [index.get(a), index.get(b), index.get(c)] == [1, 2, None]
    assert index.get(ending_in_zero) == 4
    assert index.get(b"\x01" * 31 + b"\x02") is None
    asked = numpy.frombuffer(a + b + c + ending_in_zero, dtype=match.DIGEST)
    assert index.lookup(asked).tolist() == [1, 2, match.MISSING, 4]


def test_an_empty_index_finds_nobody():
    index = match.ResidentIndex.of([])
    assert len(index) == 0
    assert index.largest() == 0
    assert index.get(_digest(1)) is None
    assert index.lookup(numpy.frombuffer(_digest(1), dtype=match.DIGEST)).tolist() == [-1]


def test_the_memo_keeps_each_numbers_verdict_and_empties_past_its_bound(monkeypatch):
    memo = columns.NumberMemo()
    codes = numpy.array([50, 10, 30], dtype=numpy.int64)
    assert memo.get(codes).tolist() == [columns.UNSEEN] * 3
    memo.add(codes, numpy.array([5, 1, columns.SLOW], dtype=numpy.int64))
    memo.add(numpy.array([20, 60], dtype=numpy.int64), numpy.array([2, 6], dtype=numpy.int64))
    asked = numpy.array([60, 10, 40, 30, 20, 50, 0], dtype=numpy.int64)
    assert memo.get(asked).tolist() == [6, 1, columns.UNSEEN, columns.SLOW, 2, 5, columns.UNSEEN]
    monkeypatch.setattr(columns, "MEMO_MAX", 6)
    memo.add(numpy.array([70], dtype=numpy.int64), numpy.array([7], dtype=numpy.int64))
    assert len(memo) == 6  # at the bound: kept
    memo.add(numpy.array([80], dtype=numpy.int64), numpy.array([8], dtype=numpy.int64))
    assert len(memo) == 1  # past it: emptied, then the new number kept
    assert memo.get(numpy.array([80, 10], dtype=numpy.int64)).tolist() == [8, columns.UNSEEN]
