"""The backup's framing: chunks sealed with AES-GCM under an scrypt key, refusing every kind of damage."""

from __future__ import annotations

import io
import json

import pytest

from coalition.backup import archive
from coalition.backup.archive import ArchiveRefused, ArchiveWriter, Kdf, open_archive, read_header

FAST = Kdf(n=16)
PASSPHRASE = "river monitoring summit"


def sealed(data: bytes, chunk_size: int = 100, passphrase: str = PASSPHRASE) -> bytes:
    out = io.BytesIO()
    writer = ArchiveWriter(out, passphrase, FAST, chunk_size)
    writer.write(data)
    writer.close()
    return out.getvalue()


def opened(data: bytes, passphrase: str = PASSPHRASE) -> bytes:
    return b"".join(open_archive(io.BytesIO(data), passphrase))


def chunk_offsets(data: bytes) -> list[int]:
    """Where each chunk's length prefix starts."""
    source = io.BytesIO(data)
    read_header(source)
    offsets = []
    while prefix := source.read(4):
        offsets.append(source.tell() - 4)
        source.seek(int.from_bytes(prefix, "big"), io.SEEK_CUR)
    return offsets


@pytest.mark.parametrize("size", [0, 1, 99, 100, 101, 1000])
def test_what_is_written_comes_back_whole_across_chunk_boundaries(size: int) -> None:
    data = bytes(range(256)) * 4
    assert opened(sealed(data[:size])) == data[:size]


def test_the_header_records_the_kdf_and_cipher_and_never_the_key() -> None:
    fields = read_header(io.BytesIO(sealed(b"x")))[1]
    assert fields["kdf"] == {"name": "scrypt", "n": 16, "r": 8, "p": 1, "salt": fields["kdf"]["salt"]}  # type: ignore[index]
    assert fields["aead"] == "AES-256-GCM" and fields["chunk_size"] == 100


def test_the_default_kdf_is_strong() -> None:
    assert Kdf().n >= 2**17 and Kdf().r == 8


def test_the_same_contents_twice_are_two_different_files() -> None:
    assert sealed(b"same") != sealed(b"same")


def test_a_wrong_passphrase_is_named() -> None:
    with pytest.raises(ArchiveRefused, match="wrong passphrase"):
        opened(sealed(b"secret"), "another passphrase")


def test_a_flipped_byte_in_any_chunk_is_damage_naming_the_chunk() -> None:
    data = sealed(b"a" * 450)
    for number, offset in enumerate(chunk_offsets(data), start=1):
        broken = bytearray(data)
        broken[offset + 10] ^= 1
        with pytest.raises(ArchiveRefused, match=f"damaged: chunk {number} "):
            opened(bytes(broken))


def test_a_changed_header_is_refused() -> None:
    data = sealed(b"a" * 450)
    header_end = chunk_offsets(data)[0]
    fields = read_header(io.BytesIO(data))[1]
    fields["chunk_size"] = 200
    raw = json.dumps(fields, sort_keys=True).encode()
    forged = archive.MAGIC + bytes([1]) + len(raw).to_bytes(4, "big") + raw + data[header_end:]
    with pytest.raises(ArchiveRefused, match="damaged: chunk 1"):
        opened(forged)


@pytest.mark.parametrize("cut", ["last chunk", "inside a chunk", "inside the header", "after the header"])
def test_a_truncated_file_is_refused(cut: str) -> None:
    data = sealed(b"a" * 450)
    offsets = chunk_offsets(data)
    ends = {
        "last chunk": offsets[-1],
        "inside a chunk": offsets[2] + 20,
        "inside the header": 20,
        "after the header": offsets[0],
    }
    with pytest.raises(ArchiveRefused, match="truncated"):
        opened(data[: ends[cut]])


def test_chunks_swapped_or_repeated_are_refused() -> None:
    data = sealed(b"a" * 250 + b"b" * 250)
    offsets = chunk_offsets(data)
    first, second = data[offsets[0] : offsets[1]], data[offsets[1] : offsets[2]]
    swapped = data[: offsets[0]] + second + first + data[offsets[2] :]
    repeated = data[: offsets[1]] + first + data[offsets[1] :]
    for forged in (swapped, repeated):
        with pytest.raises(ArchiveRefused, match="damaged: chunk"):
            opened(forged)


def test_bytes_after_the_last_chunk_are_refused() -> None:
    with pytest.raises(ArchiveRefused, match="after its last chunk"):
        opened(sealed(b"x") + b"\0")


def test_a_file_that_is_no_backup_is_named() -> None:
    with pytest.raises(ArchiveRefused, match="not a Coalition backup"):
        opened(b'{"log_format":2}\n')


def test_a_forged_cost_that_would_exhaust_memory_is_refused_before_deriving() -> None:
    data = sealed(b"x")
    header_end = chunk_offsets(data)[0]
    fields = read_header(io.BytesIO(data))[1]
    fields["kdf"]["n"] = 2**30  # type: ignore[index]
    raw = json.dumps(fields).encode()
    forged = archive.MAGIC + bytes([1]) + len(raw).to_bytes(4, "big") + raw + data[header_end:]
    with pytest.raises(ArchiveRefused, match="power of two"):
        opened(forged)


def test_nothing_is_yielded_from_a_damaged_chunk() -> None:
    data = bytearray(sealed(b"a" * 250 + b"b" * 250))
    data[chunk_offsets(bytes(data))[2] + 10] ^= 1
    got = []
    with pytest.raises(ArchiveRefused):
        for chunk in open_archive(io.BytesIO(bytes(data)), PASSPHRASE):
            got.append(chunk)
    assert b"".join(got) == b"a" * 200
