"""The trace store's own safetensors codec: same files as the safetensors library, and hostile
headers (from student code) rejected with TensorFileError before any tensor is made."""
import json
import struct

import pytest
import torch
from safetensors.torch import load as lib_load
from safetensors.torch import save as lib_save

from graders.trace import tensorfile


def sample() -> dict[str, torch.Tensor]:
    return {
        "loss@0": torch.tensor(0.25), "grad/w@3": torch.randn(3, 2),
        "steps": torch.arange(5), "wide": torch.randn(4, dtype=torch.float64),
        "half": torch.randn(3).half(), "brain": torch.randn(3).bfloat16(),
        "mask": torch.tensor([True, False, True]), "empty": torch.zeros(0, 4),
        "transposed": torch.randn(2, 3).t(), "bytes": torch.arange(7, dtype=torch.uint8),
    }


def same(a: dict, b: dict) -> bool:
    return set(a) == set(b) and all(a[k].dtype == b[k].dtype and torch.equal(a[k], b[k]) for k in a)


def test_round_trip_keeps_values_dtypes_and_shapes():
    ts = sample()
    assert same(tensorfile.loads(tensorfile.dumps(ts)), ts)


def test_files_agree_with_the_safetensors_library_both_ways():
    ts = sample()
    assert same(lib_load(tensorfile.dumps(ts)), ts)
    assert same(tensorfile.loads(lib_save({k: v.contiguous() for k, v in ts.items()})), ts)


def test_no_tensors_is_a_valid_file():
    assert tensorfile.loads(tensorfile.dumps({})) == {}


def forged(header: dict, data: bytes = b"\0" * 16) -> bytes:
    head = json.dumps(header).encode()
    return struct.pack("<Q", len(head)) + head + data


@pytest.mark.parametrize("blob", [
    b"", b"\x01\x02", struct.pack("<Q", 1 << 40) + b"{}",
    struct.pack("<Q", 4) + b"nope", forged([1, 2]),
    forged({"x": {"dtype": "F32", "shape": [4], "data_offsets": [0, 64]}}),       # past the end
    forged({"x": {"dtype": "F32", "shape": [2], "data_offsets": [0, 16]}}),       # size mismatch
    forged({"x": {"dtype": "F32", "shape": [-4], "data_offsets": [0, 16]}}),
    forged({"x": {"dtype": "OBJ", "shape": [4], "data_offsets": [0, 16]}}),
    forged({"x": {"dtype": "F32", "shape": [1 << 40, 1 << 40], "data_offsets": [0, 16]}}),
    forged({"x": {"dtype": "F32", "shape": "4", "data_offsets": [0, 16]}}),
    forged({"x": {"dtype": "F32", "shape": [4], "data_offsets": [-16, 0]}}),
    forged({"x": [1, 2, 3]}),
])
def test_malformed_files_are_rejected(blob):
    with pytest.raises(tensorfile.TensorFileError):
        tensorfile.loads(blob)
