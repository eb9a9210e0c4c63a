"""A fast reader and writer of the safetensors file format for many small tensors.

The writer packs all tensors of one dtype with a single copy; the reader checks every header
entry (dtype, shape, offsets inside the file) before it makes any tensor, and never unpickles.
"""
from __future__ import annotations

import json
import struct

import torch

DTYPES = {
    "F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
    "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8,
    "U8": torch.uint8, "BOOL": torch.bool,
}
CODES = {dt: code for code, dt in DTYPES.items()}
ITEMSIZE = {dt: torch.empty(0, dtype=dt).element_size() for dt in CODES}
MAX_HEADER = 16 << 20
_LEN = struct.Struct("<Q")


class TensorFileError(ValueError):
    """The bytes are not a safetensors file this reader accepts."""


def dumps(tensors: dict[str, torch.Tensor], metadata: dict[str, str] | None = None) -> bytes:
    """The safetensors encoding of tensors (CPU tensors of the dtypes in DTYPES)."""
    groups: dict[torch.dtype, list[tuple[str, torch.Tensor]]] = {}
    for name, t in tensors.items():
        if t.dtype not in CODES:
            raise TypeError(f"{name}: cannot store dtype {t.dtype}")
        groups.setdefault(t.dtype, []).append((name, t))
    header: dict = {"__metadata__": dict(metadata)} if metadata else {}
    chunks, offset = [], 0
    # widest dtypes first, so every tensor starts at a multiple of its element size
    for dtype in sorted(groups, key=lambda d: -ITEMSIZE[d]):
        items = groups[dtype]
        flat = torch.cat([t.detach().reshape(-1) for _, t in items])
        size = flat.element_size()
        for name, t in items:
            n = t.numel() * size
            header[name] = {"dtype": CODES[dtype], "shape": list(t.shape),
                            "data_offsets": [offset, offset + n]}
            offset += n
        chunks.append(flat.contiguous().view(torch.uint8).numpy().tobytes() if flat.numel() else b"")
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)
    return b"".join([_LEN.pack(len(head)), head, *chunks])


def loads(data: bytes | bytearray) -> dict[str, torch.Tensor]:
    """Tensors from safetensors bytes (possibly written by untrusted code): checked, then viewed."""
    if len(data) < 8:
        raise TensorFileError("shorter than a header")
    (n,) = _LEN.unpack_from(data)
    if n > MAX_HEADER or 8 + n > len(data):
        raise TensorFileError("header length out of range")
    try:
        header = json.loads(bytes(data[8:8 + n]))
    except (UnicodeDecodeError, ValueError):
        raise TensorFileError("header is not JSON") from None
    if not isinstance(header, dict):
        raise TensorFileError("header is not an object")
    buf = data if isinstance(data, bytearray) else bytearray(data)
    start, size = 8 + n, len(data) - 8 - n
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        try:
            dtype, shape, (b, e) = DTYPES[entry["dtype"]], entry["shape"], entry["data_offsets"]
            count = 1
            for d in shape:
                if type(d) is not int or d < 0:
                    raise ValueError
                count *= d
            ok = (type(b) is int and type(e) is int and 0 <= b <= e <= size and type(shape) is list
                  and len(shape) <= 16 and e - b == count * ITEMSIZE[dtype])
        except (KeyError, TypeError, ValueError):
            ok = False
        if not ok:
            raise TensorFileError(f"{name!r}: bad entry {str(entry)[:200]}")
        if count == 0:
            out[name] = torch.empty(shape, dtype=dtype)
        else:
            out[name] = torch.frombuffer(buf, dtype=dtype, count=count, offset=start + b).view(shape)
    return out
