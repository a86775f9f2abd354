"""How many samples of a FLAC stream are there, from the last frame header in the file's tail.

STREAMINFO declares the stream's total samples up front, so a copy cut off still claims its full length (mutagen
reports that length). Every FLAC frame header carries the number of its first sample (or its frame number, for a
fixed block size), so the last frame header in the file says how far the audio reaches: the file's last few hundred
KB are read (never the whole file, which hashing reads anyway), searched backwards for a frame sync code, and the
first header that parses and passes its CRC-8 gives the answer. A false sync inside compressed data would also have
to match the stream's channel count and sample size and its CRC, which is rare enough to ignore.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

__all__ = ["flac_samples_present"]

_MIN_TAIL = 64 * 1024
_UNKNOWN_FRAME_TAIL = 512 * 1024  # when STREAMINFO does not give the largest frame size
_MAX_TAIL = 4 * 1024 * 1024


def flac_samples_present(stream: BinaryIO, size: int) -> int | None:
    """Samples from the start of the stream to the end of the last frame in the file; None when it cannot tell."""
    layout = _layout(stream)
    if layout is None:
        return None
    audio_start, max_frame_size, max_block, channels, bits = layout
    tail_size = min(_MAX_TAIL, max(_MIN_TAIL, 2 * max_frame_size) if max_frame_size else _UNKNOWN_FRAME_TAIL)
    tail_start = max(audio_start, size - tail_size)
    stream.seek(tail_start)
    tail = stream.read(size - tail_start)
    position = len(tail)
    while position > 0:
        position = max(tail.rfind(b"\xff\xf8", 0, position), tail.rfind(b"\xff\xf9", 0, position))
        if position < 0:
            return None
        frame = _frame_header(tail[position : position + 16], max_block, channels, bits)
        if frame is not None:
            first, block = frame
            return first + block
    return None


def _layout(stream: BinaryIO) -> tuple[int, int, int, int, int] | None:
    """Where the frames start, and STREAMINFO's max frame size, max block size, channels, bits per sample."""
    stream.seek(0)
    head = stream.read(10)
    start = 0
    if head[:3] == b"ID3" and len(head) == 10:  # an ID3v2 tag some tools put in front
        start = 10 + ((head[6] << 21) | (head[7] << 14) | (head[8] << 7) | head[9])
    stream.seek(start)
    if stream.read(4) != b"fLaC":
        return None
    position, info = start + 4, b""
    for _ in range(1000):
        header = stream.read(4)
        if len(header) < 4:
            return None
        kind, length = header[0] & 0x7F, int.from_bytes(header[1:4], "big")
        if kind == 0:
            info = stream.read(length)
        position += 4 + length
        stream.seek(position)
        if header[0] & 0x80:
            break
    if len(info) < 18:
        return None
    (max_block,) = struct.unpack(">H", info[2:4])
    max_frame_size = int.from_bytes(info[7:10], "big")
    packed = int.from_bytes(info[10:18], "big")  # 20 bits rate, 3 bits channels - 1, 5 bits bits - 1, 36 samples
    channels, bits = ((packed >> 41) & 0x7) + 1, ((packed >> 36) & 0x1F) + 1
    return position, max_frame_size, max_block, channels, bits


_SAMPLE_SIZE_CODES = {1: 8, 2: 12, 4: 16, 5: 20, 6: 24, 7: 32}


def _frame_header(data: bytes, max_block: int, channels: int, bits: int) -> tuple[int, int] | None:
    """``(first sample, block size)`` of the frame header at the start of ``data``, or None if it is not one."""
    decoded = _utf8_number(data, 4) if _plausible(data, channels, bits) else None
    if decoded is None:
        return None
    variable, block_code, rate_code = data[1] & 0x01, data[2] >> 4, data[2] & 0x0F
    number, position = decoded
    block: int
    if block_code == 1:
        block = 192
    elif block_code <= 5:
        block = 576 << (block_code - 2)
    elif block_code == 6:
        block, position = data[position] + 1, position + 1
    elif block_code == 7:
        block, position = int.from_bytes(data[position : position + 2], "big") + 1, position + 2
    else:
        block = 256 << (block_code - 8)
    position += {12: 1, 13: 2, 14: 2}.get(rate_code, 0)
    if position >= len(data) or _crc8(data[:position]) != data[position]:
        return None
    return (number if variable else number * max_block), block


def _plausible(data: bytes, channels: int, bits: int) -> bool:
    """Whether the fixed fields of a frame header are valid and match the stream's channels and sample size."""
    if len(data) < 6:
        return False
    block_code, rate_code = data[2] >> 4, data[2] & 0x0F
    assignment, size_code, reserved = data[3] >> 4, (data[3] >> 1) & 0x07, data[3] & 0x01
    if block_code == 0 or rate_code == 15 or assignment > 10 or reserved or size_code == 3:
        return False
    if (assignment + 1 if assignment < 8 else 2) != channels:
        return False
    return not size_code or _SAMPLE_SIZE_CODES[size_code] == bits


def _utf8_number(data: bytes, position: int) -> tuple[int, int] | None:
    """FLAC's "UTF-8" coded frame or sample number at ``position`` (up to 36 bits), and where it ends."""
    first = data[position]
    if first < 0x80:
        return first, position + 1
    extra = next((count for count in range(1, 7) if not first & (0x80 >> (count + 1))), None)
    if extra is None or first & 0x40 == 0 or position + 1 + extra > len(data):
        return None
    value = first & (0x3F >> extra)
    for byte in data[position + 1 : position + 1 + extra]:
        if byte & 0xC0 != 0x80:
            return None
        value = (value << 6) | (byte & 0x3F)
    return value, position + 1 + extra


def _crc8(data: bytes) -> int:
    """CRC-8 with polynomial x^8 + x^2 + x + 1, as FLAC frame headers carry it."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc
