#!/usr/bin/env python3
"""Regenerates the parser regression corpus from ../tdx_quote_v4.bin.
Each entry: <name>.bin and a line "<name> <expected field or OK>" in expected.txt.
Offsets (v4): header 0..48, body 48..632, sig len 632, sig data 636 (sig 64, key 64),
cert type 764, cert size 766, QE report 770, QE sig 1154, auth size 1218, auth 1220, inner type 1252, inner size 1254, PEM 1258."""
import struct, pathlib
here = pathlib.Path(__file__).parent
q = (here.parent / "tdx_quote_v4.bin").read_bytes()
entries = []
def put(name, data, expect):
    (here / f"{name}.bin").write_bytes(bytes(data)); entries.append(f"{name} {expect}")
def patch(off, fmt, val, base=q):
    b = bytearray(base); struct.pack_into(fmt, b, off, val); return b
put("empty", b"", "header.version")
put("header_only", q[:48], "body.teeTcbSvn")
put("no_sig_len", q[:632], "signatureData.length")
put("sig_len_partial", q[:634], "signatureData.length")
put("sig_len_max", patch(632, "<I", 0xFFFFFFFF), "signatureData.length")
put("sig_len_short", patch(632, "<I", 127), "signatureData.attestationKey")
put("sig_len_plus_one", patch(632, "<I", 4301), "signatureData.length")
put("cert_size_max", patch(766, "<I", 0xFFFFFFFF), "signatureData.certificationData.size")
put("cert_size_short", patch(766, "<I", 100), "signatureData.certificationData.qeReport.reserved2")
put("cert_type_unknown", patch(764, "<H", 9), "signatureData.certificationData.type")
put("cert_type_raw_3", patch(764, "<H", 3), "OK")
put("auth_size_max", patch(1218, "<H", 0xFFFF), "signatureData.certificationData.qeAuthData")
put("auth_size_zero", patch(1218, "<H", 0), "signatureData.certificationData.inner.size")
put("inner_type_nested6", patch(1252, "<H", 6), "signatureData.certificationData.inner.qeAuthData")
put("inner_size_max", patch(1254, "<I", 0x7FFFFFFF), "signatureData.certificationData.inner.size")
put("inner_size_short", patch(1254, "<I", 10), "signatureData.certificationData.size")
put("version_3", patch(0, "<H", 3), "header.version")
put("key_type_p384", patch(2, "<H", 3), "header.attestationKeyType")
put("tee_type_sgx", patch(4, "<I", 0), "header.teeType")
put("v5_no_body_header", patch(0, "<H", 5)[:50], "body.size")
put("v5_body_type_sgx", patch(48, "<H", 1, patch(0, "<H", 5)), "body.type")  # Intel: 1 = SGX enclave report
put("v5_body_size_wrong", patch(50, "<I", 1, patch(48, "<H", 3, patch(0, "<H", 5))), "body.size")
put("padding_nonzero", q[:-1] + b"\xff", "OK")
put("no_padding", q[:4936], "OK")
put("extra_padding", q + bytes(4096), "OK")
(here / "expected.txt").write_text("\n".join(entries) + "\n")
