"""Hudi's record-key bloom filter, as Hudi 0.15 writes it into a base file's Parquet footer, reimplemented
from Hudi's Java source (org.apache.hudi.common.bloom.*, MurmurHash) so our files can be checked without a JVM.

  hudi_bloom.py --file F.parquet [--file ...]
      For each base file: decodes `org.apache.hudi.bloomfilter` (type from `hoodie_bloom_filter_type_code`),
      checks every _hoodie_record_key in the file is a member, that hoodie_min/max_record_key are the
      smallest/largest key, and whether a filter rebuilt from the file's keys with Hudi's defaults is
      byte-identical. Prints one JSON object per file; exit 1 if a key is missing or min/max are wrong.

Serialization (Java DataOutput, big-endian), base64-encoded (java.util.Base64, with padding):
  InternalFilter header: int32 -1 (version), int32 nbHash, int8 hashType (1 = Murmur), int32 vectorSize
  SIMPLE:      header + bit vector ((vectorSize + 7) / 8 bytes; bit i = byte i/8, mask 1 << (i % 8))
  DYNAMIC_V0:  header + int32 nr (= num entries) + int32 currentNbRecord (keys in the active row)
               + int32 rows + rows x (header + bit vector)
Hash positions of a key (its UTF-8 bytes): seed = 0; repeat nbHash times: seed = murmur2(bytes, seed);
position = abs(seed % vectorSize) (Java int arithmetic).
Sizes: vectorSize = ceil(n * -ln(fpp) / ln(2)^2), nbHash = ceil(ln(2) * vectorSize / n); Hudi's defaults
n = hoodie.index.bloom.num_entries 60000, fpp = hoodie.index.bloom.fpp 1e-9, dynamic max entries
hoodie.bloom.index.filter.dynamic.max.entries 100000 -> vectorSize 2587966, nbHash 30.
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import os
import struct
import sys
from typing import Iterable, List, Optional

MURMUR = 1


def _i32(x: int) -> int:
    x &= 0xFFFFFFFF
    return x - (1 << 32) if x & 0x80000000 else x


def _sbyte(b: int) -> int:
    return b - 256 if b > 127 else b


def murmur2(data: bytes, seed: int) -> int:
    """org.apache.hudi.common.util.hash.MurmurHash.hash(data, 0, len, seed), Java int semantics."""
    m = 0x5BD1E995
    r = 24
    length = len(data)
    h = _i32(seed ^ length)
    len4 = length >> 2
    for i in range(len4):
        i4 = i << 2
        k = data[i4] | (data[i4 + 1] << 8) | (data[i4 + 2] << 16) | (data[i4 + 3] << 24)
        k = _i32(k * m)
        k = _i32(k ^ ((k & 0xFFFFFFFF) >> r))
        k = _i32(k * m)
        h = _i32(h * m)
        h = _i32(h ^ k)
    left = length - (len4 << 2)
    if left:
        if left >= 3:
            h = _i32(h ^ (_sbyte(data[length - 3]) << 16))
        if left >= 2:
            h = _i32(h ^ (_sbyte(data[length - 2]) << 8))
        h = _i32(h ^ _sbyte(data[length - 1]))
        h = _i32(h * m)
    h = _i32(h ^ ((h & 0xFFFFFFFF) >> 13))
    h = _i32(h * m)
    h = _i32(h ^ ((h & 0xFFFFFFFF) >> 15))
    return h


def positions(key: bytes, nb_hash: int, vector_size: int) -> List[int]:
    if not key:
        raise ValueError("key length must be > 0")
    out, seed = [], 0
    for _ in range(nb_hash):
        seed = murmur2(key, seed)
        rem = abs(seed) % vector_size  # Java: Math.abs(seed % max): same magnitude
        out.append(rem)
    return out


class SimpleFilter:
    def __init__(self, vector_size: int, nb_hash: int, hash_type: int = MURMUR, bits: Optional[bytearray] = None):
        if hash_type != MURMUR:
            raise ValueError(f"hash type {hash_type} not supported (Hudi writes 1 = Murmur)")
        self.vector_size, self.nb_hash, self.hash_type = vector_size, nb_hash, hash_type
        self.bits = bits if bits is not None else bytearray((vector_size + 7) // 8)

    def add(self, key: bytes) -> None:
        for p in positions(key, self.nb_hash, self.vector_size):
            self.bits[p >> 3] |= 1 << (p & 7)

    def might_contain(self, key: bytes) -> bool:
        return all(self.bits[p >> 3] & (1 << (p & 7)) for p in positions(key, self.nb_hash, self.vector_size))

    def header(self) -> bytes:
        return struct.pack(">iiBi", -1, self.nb_hash, self.hash_type, self.vector_size)

    def serialize(self) -> bytes:
        return self.header() + bytes(self.bits)


class DynamicFilter:
    """InternalDynamicBloomFilter: rows of SimpleFilter, a new row every `nr` keys up to `max_nr`."""

    def __init__(self, vector_size: int, nb_hash: int, nr: int, max_nr: int, hash_type: int = MURMUR):
        self.vector_size, self.nb_hash, self.hash_type = vector_size, nb_hash, hash_type
        self.nr, self.max_nr = nr, max_nr
        self.current = 0
        self.reached_max = False
        self.cur_index = 0
        self.rows = [SimpleFilter(vector_size, nb_hash, hash_type)]

    def _active(self) -> Optional[SimpleFilter]:
        if self.reached_max:
            row = self.rows[self.cur_index % len(self.rows)]
            self.cur_index += 1
            return row
        if self.current >= self.nr and len(self.rows) * self.nr < self.max_nr:
            return None
        if self.current >= self.nr and len(self.rows) * self.nr >= self.max_nr:
            self.reached_max = True
            return self.rows[0]
        return self.rows[-1]

    def add(self, key: bytes) -> None:
        row = self._active()
        if row is None:
            self.rows.append(SimpleFilter(self.vector_size, self.nb_hash, self.hash_type))
            row = self.rows[-1]
            self.current = 0
        row.add(key)
        self.current += 1

    def might_contain(self, key: bytes) -> bool:
        return any(r.might_contain(key) for r in self.rows)

    def serialize(self) -> bytes:
        head = struct.pack(">iiBi", -1, self.nb_hash, self.hash_type, self.vector_size)
        body = struct.pack(">iii", self.nr, self.current, len(self.rows))
        return head + body + b"".join(r.serialize() for r in self.rows)


def sizes(num_entries: int = 60000, fpp: float = 1e-9):
    bit_size = int(math.ceil(num_entries * (-math.log(fpp) / (math.log(2) ** 2))))
    nb_hash = int(math.ceil(math.log(2) * bit_size / num_entries))
    return bit_size, nb_hash


def build(keys: Iterable[str], type_code: str = "DYNAMIC_V0", num_entries: int = 60000, fpp: float = 1e-9, max_entries: int = 100000) -> str:
    """The footer value Hudi writes for `keys` (in write order), base64."""
    vector_size, nb_hash = sizes(num_entries, fpp)
    f = DynamicFilter(vector_size, nb_hash, num_entries, max_entries) if type_code.startswith("DYNAMIC") else SimpleFilter(vector_size, nb_hash)
    for k in keys:
        f.add(k.encode("utf-8"))
    return base64.b64encode(f.serialize()).decode("ascii")


def parse(b64: str, type_code: str):
    raw = base64.b64decode(b64)
    version, nb_hash, hash_type, vector_size = struct.unpack_from(">iiBi", raw, 0)
    if version != -1:
        raise ValueError(f"unsupported bloom filter version {version}")
    off = 13
    nbytes = (vector_size + 7) // 8
    if type_code == "SIMPLE":
        return SimpleFilter(vector_size, nb_hash, hash_type, bytearray(raw[off : off + nbytes]))
    nr, current, nrows = struct.unpack_from(">iii", raw, off)
    off += 12
    f = DynamicFilter(vector_size, nb_hash, nr, 0, hash_type)
    f.current = current
    f.rows = []
    for _ in range(nrows):
        _v, rh, rt, rv = struct.unpack_from(">iiBi", raw, off)
        off += 13
        rb = (rv + 7) // 8
        f.rows.append(SimpleFilter(rv, rh, rt, bytearray(raw[off : off + rb])))
        off += rb
    if off != len(raw):
        raise ValueError(f"{len(raw) - off} trailing bytes after the bloom filter")
    return f


def check_file(path: str) -> dict:
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    kv = {k.decode(): v.decode("utf-8", "replace") for k, v in (pf.metadata.metadata or {}).items()}
    keys = pf.read(columns=["_hoodie_record_key"]).column(0).to_pylist() if pf.metadata.num_rows else []
    result = {
        "file": path,
        "rows": pf.metadata.num_rows,
        "typeCode": kv.get("hoodie_bloom_filter_type_code"),
        "minKey": kv.get("hoodie_min_record_key"),
        "maxKey": kv.get("hoodie_max_record_key"),
        "problems": [],
    }
    b64 = kv.get("org.apache.hudi.bloomfilter")
    if b64 is None:
        result["problems"].append("no org.apache.hudi.bloomfilter footer key (Spark's BLOOM index would fail on this file)")
    else:
        code = kv.get("hoodie_bloom_filter_type_code") or "SIMPLE"
        f = parse(b64, code)
        missing = [k for k in keys if not f.might_contain(k.encode("utf-8"))]
        if missing:
            result["problems"].append(f"{len(missing)} record key(s) not in the bloom filter, e.g. {missing[:3]}")
        result["identicalToHudiDefault"] = build(keys, code) == b64
    if keys:
        if result["minKey"] != min(keys) or result["maxKey"] != max(keys):
            result["problems"].append(f"min/max keys {result['minKey']}/{result['maxKey']} != actual {min(keys)}/{max(keys)}")
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--file", action="append", required=True)
    args = ap.parse_args()
    bad = 0
    for f in args.file:
        r = check_file(os.path.abspath(f))
        bad += bool(r["problems"])
        print(json.dumps(r))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
