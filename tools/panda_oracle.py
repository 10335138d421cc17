#!/usr/bin/env python3
"""Conformance vectors for `dcc`, produced by the real Panda3D DC parser/packer.

Needs `pip install panda3d==1.10.16`.  Commands (see tools/README.md):

  corpus --corpus DIR --out FILE          every corpus .dc file + the multi-file loads
  random --seed N --count K --out FILE    K random schemas generated from seed N
  check  --corpus DIR --dir DIR           regenerate both files, diff against committed ones
  bench  --corpus DIR                     time DCFile.read of otp.dc + toon.dc

Panda's flex lexer keeps buffered input after a syntax error, so every case (one file,
one file sequence or one random schema) is read in a fresh process.  The parent process
never imports panda3d; workers are forked one per case.
"""

import argparse
import json
import multiprocessing
import os
import random
import re
import statistics
import sys
import tempfile
import time
from fractions import Fraction

PANDA_VERSION = "1.10.16"
GENERATOR = "tools/panda_oracle.py"

MULTI_LOADS = [
    ["open-toontown__otp.dc", "open-toontown__toon.dc"],
    ["open-toontown__toon.dc", "open-toontown__otp.dc"],
    ["panda3d__networking-direct.dc", "panda3d__networking-03-sample.dc"],
]

INT63 = 2 ** 63 - 1

###########################################################################
# Panda side (runs only inside worker processes)
###########################################################################


class StderrCapture:
    """Redirect file descriptor 2 (C++ notify output) to a temp file."""

    def __enter__(self):
        sys.stderr.flush()
        self.tmp = tempfile.TemporaryFile()
        self.saved = os.dup(2)
        os.dup2(self.tmp.fileno(), 2)
        self.text = ""
        return self

    def __exit__(self, *exc):
        sys.stderr.flush()
        os.dup2(self.saved, 2)
        os.close(self.saved)
        self.tmp.seek(0)
        self.text = self.tmp.read().decode("utf-8", "replace")
        self.tmp.close()
        return False


ERROR_RE = re.compile(r"^Error in (.*) at line (-?\d+), column (-?\d+):$")


def parse_panda_error(text, fallback_file):
    lines = text.split("\n")
    for i, line in enumerate(lines):
        m = ERROR_RE.match(line)
        if m:
            msg = lines[i + 3] if i + 3 < len(lines) else ""
            return {"file": m.group(1), "line": int(m.group(2)), "message": msg.strip()}
    msg = ""
    for line in lines:
        if line.strip() and not line.startswith("DCFile::read of"):
            msg = line.strip()
            break
    return {"file": fallback_file, "line": None, "message": msg or "read failed"}


class Fail(Exception):
    pass


def quote_bytes(b):
    out = ['"']
    for c in b:
        if c == 0x22:
            out.append('\\"')
        elif c == 0x5C:
            out.append("\\\\")
        elif 0x20 <= c < 0x7F:
            out.append(chr(c))
        else:
            out.append("\\x%02x" % c)
    out.append('"')
    return "".join(out)


def exact_decimal(fr):
    """Text of a Fraction in DC REAL syntax (always has a dot, never an exponent)."""
    fr = Fraction(fr)
    d = fr.denominator
    twos = fives = 0
    while d % 2 == 0:
        d //= 2
        twos += 1
    while d % 5 == 0:
        d //= 5
        fives += 1
    if d == 1:
        digits = max(twos, fives, 1)
        scaled = fr * 10 ** digits
        assert scaled.denominator == 1
        n = scaled.numerator
        sign = "-" if n < 0 else ""
        n = abs(n)
        s = str(n).rjust(digits + 1, "0")
        s = s[:-digits] + "." + s[-digits:]
        s = s.rstrip("0")
        if s.endswith("."):
            s += "0"
        return sign + s
    return fmt_real(float(fr))


def fmt_real(v):
    s = repr(float(v))
    if "e" in s or "E" in s:
        s = format(v, ".30f").rstrip("0")
        if s.endswith("."):
            s += "0"
    if "." not in s:
        s += ".0"
    return s


_TOKEN_SKIP = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|<[0-9a-fA-F]*>')


def lexable(text):
    """False if Panda's own formatData output would not lex back (exponent without a
    dot, inf, nan).  Such texts must never be fed to the parser: a syntax error leaves
    the flex buffer dirty."""
    rest = _TOKEN_SKIP.sub(" ", text)
    if re.search(r"[0-9]e[+-]?[0-9]", rest) or re.search(r"\b(inf|nan)\b", rest):
        return False
    if '"' in rest or "'" in rest:
        return False
    return bool(text.strip())


def _width_table(D):
    return {
        D.ST_int8: (-128, 127), D.ST_int16: (-32768, 32767),
        D.ST_int32: (-2 ** 31, 2 ** 31 - 1), D.ST_int64: (-INT63, INT63),
        D.ST_uint8: (0, 255), D.ST_uint16: (0, 65535), D.ST_uint32: (0, 2 ** 32 - 1),
        D.ST_uint64: (0, INT63), D.ST_char: (0, 255),
        D.ST_int8array: (-128, 127), D.ST_int16array: (-32768, 32767),
        D.ST_int32array: (-2 ** 31, 2 ** 31 - 1), D.ST_uint8array: (0, 255),
        D.ST_uint16array: (0, 65535), D.ST_uint32array: (0, 2 ** 32 - 1),
        D.ST_uint32uint8array: (0, 2 ** 32 - 1),
    }


# Hand-picked value texts that exercise the value lexer (random schemas only).
LEX_REAL = ["0.3", "5.15", "0.005", "1.e3", "-279.65", "3.14159", ".5", "+1.5", "1.5e2",
            "1.e-2", "0x1f", "-0.5", "12", "-7"]
LEX_INT = ["0x1f", "0x0", "+5", "-0", "0x", "010", "7", "-3", "2.5", "-1.5", "'A'", "0.5"]
LEX_STR = ['"\\x41"', '"\\0177"', '"\\123"', '"a\\nb"', "'it\\'s'", '"\\x"', '"\\x4g"',
           "'x'", '"tab\\there"', '"\\a\\r\\t"', "''", '"q\\"q"', '"\\\\"', '<0200abcd>',
           '<0000>', '"\\08"']
LEX_CHAR = ["'A'", '"\\x41"', "65", "0x7a", "'\\n'", '"z"', "'\\0'", "'\\101'"]
LEX_BLOB = ['<0200abcd>', '<0000>', '"\\x00\\xff"', '"hi"', "'\\x80'", '<0100ff>']
LEX_BYTEARR = ['"abc"', "[7 * 3]", "[<01>, 2, 3]", "[1, 2,]", "[0x10 * 2, 1]", "<0200ffff>",
               "(1, 2)", "{ }", "[]", "[<0102> * 2]"]


class SampleGen:
    def __init__(self, D, rng):
        self.D = D
        self.rng = rng
        self.cache = {}
        self.stats = {"roundtrip_mismatch": 0, "unlexable": 0, "nogen": 0, "parse_error": 0}
        self.PT_NUM = {D.PT_int, D.PT_uint, D.PT_int64, D.PT_uint64, D.PT_double}
        self.WIDTH = _width_table(D)
        self.PACK = {D.PT_int: "packInt", D.PT_uint: "packUint", D.PT_int64: "packInt64",
                     D.PT_uint64: "packUint64", D.PT_double: "packDouble"}
        self.UNPACK = {D.PT_int: "unpackInt", D.PT_uint: "unpackUint",
                       D.PT_int64: "unpackInt64", D.PT_uint64: "unpackUint64",
                       D.PT_double: "unpackDouble"}
        self.CREG = {D.PT_int: (-2 ** 31, 2 ** 31 - 1), D.PT_uint: (0, 2 ** 32 - 1),
                     D.PT_int64: (-INT63, INT63), D.PT_uint64: (0, INT63)}
        self._drain_field = None

    # ---- helpers ---------------------------------------------------------
    def key(self, pt, iface):
        f = iface.asField()
        if f is None:
            return None
        s = str(f).strip()
        m = re.match(r"^(.*?)(?:\s+[A-Za-z_][A-Za-z0-9_]*)?;$", s, re.S)
        return (pt, m.group(1) if m else s)

    def probe(self, iface, fn, arg):
        q = self.D.DCPacker()
        q.beginPack(iface)
        try:
            getattr(q, fn)(arg)
        except (OverflowError, TypeError):
            q.endPack()
            return False
        return q.endPack()

    def iface_default(self, iface):
        q = self.D.DCPacker()
        q.beginPack(iface)
        q.packDefaultValue()
        ok = q.endPack()
        return ok, q.getBytes()

    def simple(self, iface):
        f = iface.asField()
        p = f.asParameter() if f is not None else None
        return p.asSimpleParameter() if p is not None else None

    # ---- numeric leaves --------------------------------------------------
    def num_info(self, pt, iface):
        k = self.key(pt, iface)
        if k is not None and k in self.cache:
            return self.cache[k]
        D = self.D
        sp = self.simple(iface)
        code = sp.getType() if sp is not None else None
        N = sp.getDivisor() if sp is not None else 1
        modulus = bool(sp.hasModulus()) if sp is not None else False
        if pt == D.PT_double and (code is None or code == D.ST_float64):
            mode, scale = "float", 4
            tmin, tmax = -2 ** 44, 2 ** 44
        elif pt == D.PT_double:
            mode, scale = "div", N
            tmin, tmax = self.WIDTH.get(code, (-2 ** 31, 2 ** 31 - 1))
            tmin, tmax = max(tmin, -2 ** 53), min(tmax, 2 ** 53)
        else:
            mode, scale = "int", 1
            tmin, tmax = self.WIDTH.get(code, self.CREG[pt])
            cmin, cmax = self.CREG[pt]
            tmin, tmax = max(tmin, cmin), min(tmax, cmax)
        fn = self.PACK[pt]

        def val(kk):
            return kk / scale if mode != "int" else kk

        def valid(kk):
            return tmin <= kk <= tmax and self.probe(iface, fn, val(kk))

        k0 = None
        ok, b = self.iface_default(iface)
        if ok:
            u = D.DCPacker()
            u.setUnpackData(b)
            u.beginUnpack(iface)
            v = getattr(u, self.UNPACK[pt])()
            u.endUnpack()
            k0 = int(round(v * scale)) if mode != "int" else int(v)
            if not valid(k0):
                k0 = None
        if k0 is None:
            cands = [0, 1, -1]
            for e in range(1, 19):
                cands += [10 ** e, -10 ** e, 5 * 10 ** (e - 1), -5 * 10 ** (e - 1)]
            for c in cands:
                if valid(c):
                    k0 = c
                    break
        lo = hi = k0
        if k0 is not None:
            lo = self._edge(valid, k0, tmin, -1)
            hi = self._edge(valid, k0, tmax, +1)
        info = {"mode": mode, "scale": scale, "fn": fn, "tmin": tmin, "tmax": tmax,
                "lo": lo, "hi": hi, "k0": k0, "code": code, "modulus": modulus,
                "valid": valid, "val": val}
        if k is not None:
            self.cache[k] = info
        return info

    @staticmethod
    def _edge(valid, k0, limit, d):
        last = k0
        step = 1
        while True:
            c = k0 + d * step
            if (c - limit) * d > 0:
                c = limit
            if c == last:
                return last
            if valid(c):
                last = c
                if c == limit:
                    return last
                step *= 2
            else:
                bad = c
                break
        # binary search between last (valid) and bad (invalid)
        while abs(bad - last) > 1:
            mid = (bad + last) // 2
            if valid(mid):
                last = mid
            else:
                bad = mid
        return last

    def num_text(self, info, kk):
        if info["mode"] == "int":
            return str(kk)
        return exact_decimal(Fraction(kk, info["scale"]))

    def pick_num(self, info):
        rng = self.rng
        lo, hi = info["lo"], info["hi"]
        if lo is None:
            raise Fail("no valid number")
        # formatData prints scaled values with 6 significant digits: stay where the
        # printed text is exact, or the sample cannot round-trip.
        mode, sc = info["mode"], info["scale"]
        bound = {"float": 16000, "div": 999999, "int": None}[mode]
        pow10 = sc in (1, 10, 100, 1000, 10000, 100000, 1000000)
        for _ in range(8):
            r = rng.random()
            a, b = lo, hi
            if bound is not None:
                a, b = max(a, -bound), min(b, bound)
            if r < 0.12:
                kk = a
            elif r < 0.24:
                kk = b
            elif r < 0.5:
                a, b = max(a, -100), min(b, 100)
                kk = rng.randint(a, b) if a <= b else lo
            elif r < 0.9 or bound is not None:
                kk = rng.randint(a, b) if a <= b else lo
            else:
                kk = rng.randint(info["tmin"], info["tmax"])
            if mode == "div" and not pow10:
                kk = kk // sc * sc
            if mode == "div" and kk and abs(kk) * 10000 < sc:
                kk = 0  # would print as 1e-05
            if info["valid"](kk):
                return kk
        return info["k0"] if info["k0"] is not None else lo

    # ---- string / blob leaves -------------------------------------------
    def str_info(self, pt, iface):
        k = self.key(pt, iface)
        if k is not None and k in self.cache:
            return self.cache[k]
        ok, b = self.iface_default(iface)
        dflt = None
        if ok:
            u = self.D.DCPacker()
            u.setUnpackData(b)
            u.beginUnpack(iface)
            dflt = u.unpackBlob()
            u.endUnpack()
        fill = None
        for f in ([dflt[:1]] if dflt else []) + [b"a", b"\x00", b" ", b"0"]:
            if self.probe(iface, "packBlob", f * (len(dflt) if dflt else 1)) or \
                    self.probe(iface, "packBlob", f):
                fill = f
                break
        if fill is None:
            fill = b"a"
        L0 = len(dflt) if dflt is not None else 0
        cands = sorted(set(list(range(0, 9)) + [L0, L0 + 1, L0 + 2, L0 + 5]))
        good, bad = [], []
        for n in cands:
            (good if self.probe(iface, "packBlob", fill * n) else bad).append(n)
        okbytes = list(range(256))
        n1 = [n for n in good if n >= 1]
        if n1:
            okbytes = [c for c in range(256)
                       if self.probe(iface, "packBlob", bytes([c]) * n1[0])]
        info = {"dflt": dflt, "fill": fill, "good": good, "bad": bad,
                "blob": pt == self.D.PT_blob, "okbytes": okbytes}
        if k is not None:
            self.cache[k] = info
        return info

    def rand_bytes(self, n, okbytes):
        rng = self.rng
        r = rng.random()
        if r < 0.55:
            pal = [c for c in range(0x20, 0x7F)] + [0x0A, 0x22, 0x5C, 0x22, 0x5C]
        elif r < 0.8:
            pal = list(range(0x61, 0x7B))
        else:
            pal = list(range(0, 256))
        ok = set(okbytes)
        pal = [c for c in pal if c in ok] or okbytes or pal
        return bytes(rng.choice(pal) for _ in range(n))

    def pick_str(self, pt, iface, info):
        rng = self.rng
        if not info["good"]:
            if info["dflt"] is not None:
                return info["dflt"]
            raise Fail("no valid string")
        for _ in range(6):
            n = rng.choice(info["good"])
            b = self.rand_bytes(n, info["okbytes"])
            if self.probe(iface, "packBlob", b):
                return b
        n = rng.choice(info["good"])
        b = info["fill"] * n
        if self.probe(iface, "packBlob", b):
            return b
        if info["dflt"] is not None:
            return info["dflt"]
        raise Fail("no valid string")

    # ---- arrays ----------------------------------------------------------
    def arr_info(self, iface):
        k = self.key(self.D.PT_array, iface)
        if k is not None and k in self.cache:
            return self.cache[k]
        D = self.D
        ok, b = self.iface_default(iface)
        L0 = 0
        if ok:
            u = D.DCPacker()
            u.setUnpackData(b)
            u.beginUnpack(iface)
            u.push()
            while u.moreNestedFields():
                u.unpackSkip()
                L0 += 1
            u.pop()
            u.endUnpack()
        good, bad = [], []
        for n in sorted(set(list(range(0, 6)) + [L0, L0 + 1])):
            q = D.DCPacker()
            q.beginPack(iface)
            q.push()
            for _ in range(n):
                q.packDefaultValue()
            q.pop()
            (good if q.endPack() else bad).append(n)
        info = {"L0": L0, "good": good, "bad": bad}
        if k is not None:
            self.cache[k] = info
        return info

    # ---- the walker --------------------------------------------------------
    def gen(self, p):
        D = self.D
        pt = p.getPackType()
        iface = p.getCurrentField()
        if pt in self.PT_NUM:
            info = self.num_info(pt, iface)
            kk = self.pick_num(info)
            getattr(p, info["fn"])(info["val"](kk))
            return ("leaf", self.num_text(info, kk), ("num", info, kk))
        if pt in (D.PT_string, D.PT_blob):
            info = self.str_info(pt, iface)
            b = self.pick_str(pt, iface, info)
            p.packBlob(b)
            return ("leaf", quote_bytes(b), ("str", info, b))
        if pt == D.PT_array:
            info = self.arr_info(iface)
            if info["good"] and self.rng.random() < 0.85:
                n = self.rng.choice(info["good"][:5])
            else:
                n = self.rng.choice([0, 1, 2, 3, info["L0"]])
            items = []
            p.push()
            for _ in range(n):
                if not p.moreNestedFields():
                    break
                items.append(self.gen(p))
            p.pop()
            return ("[", items, ("arr", info, iface))
        if pt in (D.PT_class, D.PT_field):
            items = []
            p.push()
            while p.moreNestedFields():
                items.append(self.gen(p))
            p.pop()
            return ("{" if pt == D.PT_class else "(", items, None)
        if pt == D.PT_switch:
            return self.gen_switch(p, iface)
        raise Fail("pack type %r" % pt)

    def gen_switch(self, p, iface):
        D = self.D
        f = iface.asField()
        sp = f.asParameter().asSwitchParameter() if f is not None else None
        if sp is None:
            raise Fail("switch without parameter")
        sw = sp.getSwitch()
        values = [sw.getValue(i) for i in range(sw.getNumCases())]
        opts = list(range(len(values)))
        if sw.getDefaultCase() is not None:
            opts.append("default")
        if not opts:
            raise Fail("empty switch")
        choice = self.rng.choice(opts)
        p.push()
        keyiface = p.getCurrentField()
        keynode = None
        if choice == "default":
            for _ in range(10):
                q = D.DCPacker()
                q.beginPack(keyiface)
                node = self.gen(q)
                if q.endPack() and q.getBytes() not in values:
                    p.packLiteralValue(q.getBytes())
                    keynode = node
                    break
            else:
                choice = self.rng.randrange(len(values)) if values else None
                if choice is None:
                    raise Fail("no default key")
        if keynode is None:
            kb = values[choice]
            u = D.DCPacker()
            u.setUnpackData(kb)
            u.beginUnpack(keyiface)
            obj = u.unpackObject()
            u.endUnpack()
            if isinstance(obj, int):
                text = str(obj)
            elif isinstance(obj, float):
                text = fmt_real(obj)
            elif isinstance(obj, bytes):
                text = quote_bytes(obj)
            elif isinstance(obj, str):
                text = quote_bytes(obj.encode("latin-1", "replace"))
            else:
                text = "<%s>" % kb.hex()
            p.packLiteralValue(kb)
            keynode = ("leaf", text, None)
        items = [keynode]
        while p.moreNestedFields():
            items.append(self.gen(p))
        p.pop()
        return ("(", items, None)

    # ---- text of a node ----------------------------------------------------
    def serialize(self, node):
        if node[0] == "leaf":
            return node[1]
        close = {"(": ")", "[": "]", "{": "}"}[node[0]]
        return node[0] + ", ".join(self.serialize(c) for c in node[1]) + close

    def pack_text(self, field, text):
        q = self.D.DCPacker()
        q.beginPack(field)
        q.parseAndPack(text)
        ok = q.endPack()
        if q.hadParseError():
            self.stats["parse_error"] += 1
            self.drain()
        err = None
        if not ok:
            if q.hadParseError():
                err = "parse"
            elif q.hadRangeError():
                err = "range"
            else:
                err = "pack"
        return ok, q.getBytes(), err

    def drain(self):
        """Consume whatever the flex buffer kept after a syntax error."""
        if self._drain_field is None:
            return
        for _ in range(50):
            q = self.D.DCPacker()
            q.beginPack(self._drain_field)
            q.parseAndPack("(7)")
            if q.endPack() and q.getBytes() == b"\x07":
                return

    # ---- mutations for invalid samples ------------------------------------
    def mutations(self, node, path, out):
        if node[0] == "leaf":
            meta = node[2]
            if meta is None:
                return
            if meta[0] == "num":
                info, kk = meta[1], meta[2]
                if info["modulus"]:
                    return
                txts = []
                if info["hi"] is not None and info["hi"] < info["tmax"]:
                    txts.append(self.num_text(info, info["hi"] + 1))
                if info["lo"] is not None and info["lo"] > info["tmin"]:
                    txts.append(self.num_text(info, info["lo"] - 1))
                code = info["code"]
                D = self.D
                if code in (D.ST_int8, D.ST_int16, D.ST_int32, D.ST_uint8, D.ST_uint16,
                            D.ST_uint32, D.ST_char):
                    tmin, tmax = self.WIDTH[code]
                    sc = info["scale"] if info["mode"] == "div" else 1
                    txts.append(str(tmax // sc + 1))
                    if tmin < 0:
                        txts.append(str(-((-tmin) // sc) - 1))
                    else:
                        txts.append("-1")
                elif code in (D.ST_uint64,):
                    txts.append("-1")
                for t in txts:
                    out.append((path, ("leaf", t, None)))
            elif meta[0] == "str":
                info = meta[1]
                for n in info["bad"][:3]:
                    out.append((path, ("leaf", quote_bytes(info["fill"] * n), None)))
            return
        items = node[1]
        if node[0] == "[" and node[2] is not None:
            info = node[2][1]
            for n in info["bad"][:2]:
                if n == 0:
                    out.append((path, ("[", [], None)))
                elif items:
                    out.append((path, ("[", [items[i % len(items)] for i in range(n)], None)))
            good = info["good"]
            if items and good and max(good) == 5 and len(items) <= 5:
                pass
        for i, c in enumerate(items):
            self.mutations(c, path + (i,), out)

    @staticmethod
    def replace(node, path, new):
        if not path:
            return new
        items = list(node[1])
        items[path[0]] = SampleGen.replace(items[path[0]], path[1:], new)
        return (node[0], items, node[2])

    # ---- per-field samples ---------------------------------------------------
    def field_samples(self, cname, field, lexer_texts=False):
        rng = self.rng
        out = []
        seen = set()
        nodes = []
        for attempt in range(12):
            if len(out) >= 3:
                break
            p = self.D.DCPacker()
            p.beginPack(field)
            try:
                node = self.gen(p)
            except Fail:
                p.endPack()
                self.stats["nogen"] += 1
                return out
            if not p.endPack():
                continue
            b = p.getBytes()
            if b in seen:
                continue
            text = field.formatData(b)
            if not lexable(text):
                self.stats["unlexable"] += 1
                continue
            rt = field.parseString(text)
            if rt != b:
                self.stats["roundtrip_mismatch"] += 1
                continue
            seen.add(b)
            nodes.append((node, b))
            out.append({"class": cname, "field": field.getName(), "value": text, "hex": b.hex()})
        # one likely-invalid value
        for node, b in nodes[:1]:
            text0 = self.serialize(node)
            ok, b0, _ = self.pack_text(field, text0)
            if not ok or b0 != b:
                break
            muts = []
            self.mutations(node, (), muts)
            rng.shuffle(muts)
            for path, new in muts[:4]:
                text = self.serialize(self.replace(node, path, new))
                ok, _, err = self.pack_text(field, text)
                if not ok:
                    out.append({"class": cname, "field": field.getName(), "value": text,
                                "error": err})
                    break
        if lexer_texts:
            out.extend(self.lexer_samples(cname, field))
        return out

    def lexer_samples(self, cname, field):
        D = self.D
        at = field.asAtomicField()
        if at is not None:
            if at.getNumElements() != 1:
                return []
            iface = at.getElement(0)
            wrap = "(%s)"
        elif field.asParameter() is not None:
            iface = field
            wrap = "%s"
        else:
            return []
        p = D.DCPacker()
        p.beginPack(iface)
        pt = p.getPackType()
        nested = None
        if pt == D.PT_array:
            p.push()
            nested = p.getPackType()
            p.pop()
        p.endPack()
        sp = self.simple(iface)
        code = sp.getType() if sp is not None else None
        if pt in (D.PT_double,):
            pool = LEX_REAL
        elif pt in (D.PT_int, D.PT_uint, D.PT_int64, D.PT_uint64):
            pool = LEX_INT
        elif pt == D.PT_string and code == D.ST_char:
            pool = LEX_CHAR
        elif pt == D.PT_string:
            pool = LEX_STR
        elif pt == D.PT_blob:
            pool = LEX_BLOB
        elif pt == D.PT_array and nested in (D.PT_int, D.PT_uint):
            pool = LEX_BYTEARR
        else:
            return []
        out = []
        for t in self.rng.sample(pool, min(3, len(pool))):
            text = wrap % t
            ok, b, err = self.pack_text(field, text)
            if ok:
                out.append({"class": cname, "field": field.getName(), "value": text,
                            "hex": b.hex()})
            else:
                out.append({"class": cname, "field": field.getName(), "value": text,
                            "error": err})
        return out


def describe_file(D, dcf, rng, lexer_texts=False):
    classes = []
    samples = []
    gen = SampleGen(D, rng)
    # a private field for draining the lexer after an unexpected syntax error
    drain_file = D.DCFile()
    from panda3d.core import StringStream
    with StderrCapture():
        drain_file.read(StringStream(b"dclass Drain { d(uint8 a); };"), "drain.dc")
    gen._drain_field = drain_file.getClass(0).getField(0)
    lexer_budget = [6]
    for i in range(dcf.getNumClasses()):
        c = dcf.getClass(i)
        fields = []
        for j in range(c.getNumFields()):
            f = c.getField(j)
            if f.asMolecularField() is not None:
                kind = "molecular"
            elif f.asAtomicField() is not None:
                kind = "atomic"
            else:
                kind = "parameter"
            kws = [f.getKeyword(k).getName() for k in range(f.getNumKeywords())]
            dflt = None
            if kind != "molecular":
                with StderrCapture():
                    dflt = f.getDefaultValue().hex()
            fields.append({"name": f.getName(), "number": f.getNumber(), "kind": kind,
                           "keywords": kws, "default": dflt})
        inherited = [c.getInheritedField(k).getNumber()
                     for k in range(c.getNumInheritedFields())]
        parents = [c.getParent(k).getName() for k in range(c.getNumParents())]
        classes.append({"index": i, "name": c.getName(), "struct": bool(c.isStruct()),
                        "number": c.getNumber(), "bogus": bool(c.isBogusClass()),
                        "parents": parents, "fields": fields, "inherited": inherited})
        if c.isBogusClass() or not c.getName():
            continue
        for j in range(c.getNumFields()):
            f = c.getField(j)
            if f.asMolecularField() is not None or not f.getName() or f.isBogusField():
                continue
            lex = lexer_texts and lexer_budget[0] > 0 and gen.rng.random() < 0.5
            with StderrCapture():
                s = gen.field_samples(c.getName(), f, lexer_texts=lex)
            if lex and any(x["value"] in () for x in s):
                pass
            if lex:
                lexer_budget[0] -= 1
            samples.extend(s)
    return classes, samples, gen.stats


def run_case(spec):
    """Runs in a fresh worker process.  Returns (case dict, stats dict)."""
    if "files" in spec:
        os.chdir(spec["corpus"])  # before importing Panda: it caches the cwd
    import panda3d.direct as D
    from panda3d.core import Filename, StringStream

    dcf = D.DCFile()
    accepted = True
    error = None
    if "files" in spec:
        for name in spec["files"]:
            with StderrCapture() as cap:
                ok = dcf.read(Filename(name))
            if not ok:
                accepted = False
                error = parse_panda_error(cap.text, name)
                break
    else:
        with StderrCapture() as cap:
            ok = dcf.read(StringStream(spec["source"].encode("latin-1")), "random.dc")
        if not ok:
            accepted = False
            error = parse_panda_error(cap.text, "random.dc")
    case = {"name": spec["name"],
            "files": list(spec.get("files", [])),
            "source": spec.get("source"),
            "accepted": accepted,
            "valid": None, "hash": None, "error": error,
            "classes": [], "samples": []}
    stats = {}
    if accepted:
        case["valid"] = bool(dcf.allObjectsValid())
        case["hash"] = "0x%08x" % (dcf.getHash() & 0xFFFFFFFF)
        rng = random.Random("samples:" + spec["name"])
        classes, samples, stats = describe_file(D, dcf, rng,
                                                lexer_texts="source" in spec)
        case["classes"] = classes
        case["samples"] = samples
    return case, stats


def run_cases(specs, jobs):
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(jobs, maxtasksperchild=1) as pool:
        return pool.map(run_case, specs, chunksize=1)


###########################################################################
# Random schema generator (pure Python, no Panda)
###########################################################################

# GENERATOR_PLACEHOLDER
def generate_schema(seed, index):
    return "dclass A { f(uint8 x); };", None


###########################################################################
# Commands
###########################################################################


def dump(obj):
    return json.dumps(obj, indent=1, sort_keys=True, ensure_ascii=True) + "\n"


def corpus_specs(corpus):
    corpus = os.path.abspath(corpus)
    files = sorted(f for f in os.listdir(corpus) if f.endswith(".dc"))
    specs = [{"name": f, "files": [f], "corpus": corpus} for f in files]
    for seq in MULTI_LOADS:
        if all(os.path.exists(os.path.join(corpus, f)) for f in seq):
            specs.append({"name": "+".join(seq), "files": seq, "corpus": corpus})
    return specs


def build_corpus(corpus, jobs):
    results = run_cases(corpus_specs(corpus), jobs)
    cases = [r[0] for r in results]
    for c in cases:
        del c["source"]
    doc = {"panda3d_version": PANDA_VERSION, "generator": GENERATOR, "cases": cases}
    return doc, [r[1] for r in results]


def build_random(seed, count, jobs):
    specs = []
    meta = []
    for i in range(count):
        src, intent = generate_schema(seed, i)
        specs.append({"name": "random-%d-%d" % (seed, i), "source": src})
        meta.append(intent)
    results = run_cases(specs, jobs)
    cases = [r[0] for r in results]
    for c, intent in zip(cases, meta):
        del c["files"]
    doc = {"panda3d_version": PANDA_VERSION, "generator": GENERATOR, "seed": seed,
           "count": count, "cases": cases}
    return doc, [r[1] for r in results], meta


def summarize(doc):
    cases = doc["cases"]
    acc = sum(1 for c in cases if c["accepted"])
    ncls = sum(len(c["classes"]) for c in cases)
    nf = sum(len(k["fields"]) for c in cases for k in c["classes"])
    ns = sum(len(c["samples"]) for c in cases)
    nerr = sum(1 for c in cases for s in c["samples"] if "error" in s)
    return ("cases=%d accepted=%d rejected=%d classes=%d fields=%d samples=%d "
            "(invalid=%d)" % (len(cases), acc, len(cases) - acc, ncls, nf, ns, nerr))


def cmd_corpus(args):
    t = time.time()
    doc, stats = build_corpus(args.corpus, args.jobs)
    write(args.out, dump(doc))
    print("%s: %s in %.1fs" % (args.out, summarize(doc), time.time() - t))
    print_stats(stats)


def cmd_random(args):
    t = time.time()
    doc, stats, meta = build_random(args.seed, args.count, args.jobs)
    write(args.out, dump(doc))
    print("%s: %s in %.1fs" % (args.out, summarize(doc), time.time() - t))
    print_stats(stats)
    if args.verbose:
        for c, intent in zip(doc["cases"], meta):
            if c["accepted"] != (intent is None):
                print("  unexpected:", c["name"], "intent=%s" % intent, c["error"])


def print_stats(stats):
    tot = {}
    for s in stats:
        for k, v in s.items():
            tot[k] = tot.get(k, 0) + v
    if tot:
        print("  sample stats:", " ".join("%s=%d" % kv for kv in sorted(tot.items())))


def write(path, text):
    d = os.path.dirname(path)
    if d:
        os.makedirs(d, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def diff_summary(name, old, new):
    if old == new:
        return []
    out = ["%s differs" % name]
    try:
        a, b = json.loads(old), json.loads(new)
    except ValueError:
        return out + ["  (not valid JSON)"]
    for k in sorted(set(a) | set(b)):
        if k != "cases" and a.get(k) != b.get(k):
            out.append("  %s: %r -> %r" % (k, a.get(k), b.get(k)))
    ca = {c["name"]: c for c in a.get("cases", [])}
    cb = {c["name"]: c for c in b.get("cases", [])}
    for n in sorted(set(ca) | set(cb)):
        if n not in ca:
            out.append("  case %s: new" % n)
        elif n not in cb:
            out.append("  case %s: missing" % n)
        elif ca[n] != cb[n]:
            keys = [k for k in sorted(set(ca[n]) | set(cb[n])) if ca[n].get(k) != cb[n].get(k)]
            out.append("  case %s: %s differ" % (n, ", ".join(keys)))
        if len(out) > 30:
            out.append("  ...")
            break
    return out


def cmd_check(args):
    bad = []
    corpus_path = os.path.join(args.dir, "corpus.json")
    random_path = os.path.join(args.dir, "random.json")
    with open(random_path, encoding="utf-8") as f:
        committed_random = f.read()
    with open(corpus_path, encoding="utf-8") as f:
        committed_corpus = f.read()
    rj = json.loads(committed_random)
    doc, _ = build_corpus(args.corpus, args.jobs)
    bad += diff_summary("corpus.json", committed_corpus, dump(doc))
    doc, _, _ = build_random(rj["seed"], rj["count"], args.jobs)
    bad += diff_summary("random.json", committed_random, dump(doc))
    if bad:
        print("\n".join(bad))
        print("regenerate with tools/panda_oracle.py corpus/random (see tools/README.md)")
        sys.exit(1)
    print("OK: corpus.json and random.json match Panda3D %s" % PANDA_VERSION)


def bench_worker(corpus, runs, q):
    os.chdir(corpus)
    import panda3d.direct as D
    from panda3d.core import Filename
    times = []
    with StderrCapture():
        for _ in range(runs):
            dcf = D.DCFile()
            t0 = time.perf_counter()
            ok1 = dcf.read(Filename("open-toontown__otp.dc"))
            ok2 = dcf.read(Filename("open-toontown__toon.dc"))
            t1 = time.perf_counter()
            assert ok1 and ok2
            times.append((t1 - t0) * 1e6)
    q.put(times)


def cmd_bench(args):
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    pr = ctx.Process(target=bench_worker, args=(os.path.abspath(args.corpus), args.runs, q))
    pr.start()
    times = q.get()
    pr.join()
    print("panda3d DCFile.read otp.dc+toon.dc: median_us=%d min_us=%d runs=%d"
          % (round(statistics.median(times)), round(min(times)), len(times)))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    jobs = max(1, min(4, os.cpu_count() or 1))
    a = sub.add_parser("corpus")
    a.add_argument("--corpus", required=True)
    a.add_argument("--out", required=True)
    a.add_argument("--jobs", type=int, default=jobs)
    a.set_defaults(func=cmd_corpus)
    a = sub.add_parser("random")
    a.add_argument("--seed", type=int, required=True)
    a.add_argument("--count", type=int, required=True)
    a.add_argument("--out", required=True)
    a.add_argument("--jobs", type=int, default=jobs)
    a.add_argument("--verbose", action="store_true")
    a.set_defaults(func=cmd_random)
    a = sub.add_parser("check")
    a.add_argument("--corpus", required=True)
    a.add_argument("--dir", required=True)
    a.add_argument("--jobs", type=int, default=jobs)
    a.set_defaults(func=cmd_check)
    a = sub.add_parser("bench")
    a.add_argument("--corpus", required=True)
    a.add_argument("--runs", type=int, default=50)
    a.set_defaults(func=cmd_bench)
    args = ap.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
