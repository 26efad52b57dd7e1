"""The PDF finisher writes each stream part exactly as pydyf would, then deflates the stream once."""

from __future__ import annotations

import zlib
from types import SimpleNamespace
from typing import Any

import pydyf
import pytest

from coalition.pdf.streams import compress_streams, stream_bytes

PARTS: list[Any] = [b"BT", "/F1 12 Tf", 3, 1.0, 0.25, -2.5, 100.0, pydyf.Dictionary({"Type": "/XObject"}), b"ET"]


@pytest.mark.parametrize("part", PARTS)
def test_a_part_is_written_as_pydyf_writes_it(part: Any) -> None:
    # pydyf's public Stream.data joins the parts with newlines between "stream" and "endstream"
    assert pydyf.Stream([part]).data.endswith(b"stream\n" + stream_bytes(part) + b"\nendstream")


def test_unfiltered_streams_are_deflated_and_filtered_ones_left_alone() -> None:
    raw = pydyf.Stream(list(PARTS))
    expected = b"\n".join(stream_bytes(part) for part in PARTS)
    already = pydyf.Stream([b"x\x9c"], extra={"Filter": "/DCTDecode"})
    compress_streams(None, SimpleNamespace(objects=[raw, already, pydyf.Dictionary()]))
    assert raw.extra["Filter"] == "/FlateDecode"
    assert zlib.decompress(raw.stream[0]) == expected
    assert already.stream == [b"x\x9c"] and already.extra == {"Filter": "/DCTDecode"}
