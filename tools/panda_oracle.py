#!/usr/bin/env python3
"""Conformance vectors for `dcc`, produced by the real Panda3D DC parser/packer.

Needs `pip install panda3d==1.10.16`.  Commands (see tools/README.md):

  corpus --corpus DIR --out FILE          every corpus .dc file + the multi-file loads
  random --seed N --count K --out FILE    K random schemas generated from seed N
  check  --corpus DIR --dir DIR           regenerate both files, diff against committed ones
  bench  --corpus DIR                     time DCFile.read of otp.dc + toon.dc

Panda's flex lexer keeps buffered input after a syntax error, so cases (one file, one
file sequence or one random schema) run in forked worker processes, and a worker is
replaced after any case that Panda rejects or that hit a syntax error while sampling
values; the output is identical to running every case in its own process
(PANDA_ORACLE_FRESH=1 forces that).  The parent process never imports panda3d.
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

LEX_BAD_ATOMIC = ["(", "(1, 2", "(1 2)", "(1,, 2)", "(0X1)", "(1e5)", "((1)", "(1))", "()",
                  "(\"abc)", "(<123>)", "(- 1)", "(1 * )", "(x = )"]
LEX_BAD_PARAM = ["1 2", "[1", "0X1", "1e5", ")", "", "'a", "<1>", "1 *", "= 1"]


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
            cands = []
            # numbers printed in the declaration (ranges are printed unscaled)
            f = iface.asField()
            for m in re.finditer(r"-?\d+(?:\.\d+)?(?:e[+-]?\d+)?", str(f) if f else ""):
                try:
                    x = float(m.group(0))
                except ValueError:
                    continue
                if abs(x) < 1e18:
                    for c in (x * scale, x * scale * scale, x):
                        cands += [int(c), int(c) + 1, int(c) - 1]
            cands += [0, 1, -1]
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
            if mode == "float" and pstrtod(exact_decimal(Fraction(kk, 4))) != kk / 4:
                continue  # Panda's strtod would not read the printed text back exactly
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
            ok, rt, _ = self.pack_text(field, text)
            if not ok or rt != b:
                self.stats["roundtrip_mismatch"] += 1
                continue
            seen.add(b)
            nodes.append((node, b))
            out.append({"class": cname, "field": field.getName(), "value": text, "hex": b.hex()})
        if not out:
            # last resort: Panda's own default value
            b = field.getDefaultValue()
            text = field.formatData(b)
            if lexable(text) and self.pack_text(field, text)[:2] == (True, b):
                out.append({"class": cname, "field": field.getName(), "value": text,
                            "hex": b.hex()})
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
        texts = [wrap % t for t in self.rng.sample(pool, min(3, len(pool)))]
        if self.rng.random() < 0.5:
            # syntax errors (the lexer buffer is drained afterwards) and an empty list
            texts.append(self.rng.choice(LEX_BAD_ATOMIC if at is not None else LEX_BAD_PARAM))
        for text in texts:
            ok, b, err = self.pack_text(field, text)
            if ok:
                # `value` is the hand-written text here, so also record how Panda
                # formats the bytes ("" when it cannot unpack them).
                sample = {"class": cname, "field": field.getName(), "value": text,
                          "hex": b.hex(), "handwritten": True}
                if "<" not in text:
                    # Raw hex splices can make bytes Panda's formatter loops on.
                    sample["formatted"] = field.formatData(b)
                out.append(sample)
            else:
                out.append({"class": cname, "field": field.getName(), "value": text,
                            "error": err})
        return out


def describe_file(D, dcf, rng, lexer_texts=False, skip=(), progress=None):
    """Classes, fields, defaults and samples of a loaded file.  Fields named in `skip`
    ("Class.field") get no samples: Panda crashed while sampling them (see run_cases).
    `progress(name)` is called before each field is sampled."""
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
            where = "%s.%s" % (c.getName(), f.getName())
            if where in skip:
                continue
            if progress is not None:
                progress(where)
            lex = lexer_texts and lexer_budget[0] > 0 and gen.rng.random() < 0.5
            with StderrCapture():
                s = gen.field_samples(c.getName(), f, lexer_texts=lex)
            if lex:
                lexer_budget[0] -= 1
            samples.extend(s)
    return classes, samples, gen.stats


def run_case(spec, progress=None):
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
                                                lexer_texts="source" in spec,
                                                skip=spec.get("skip", ()),
                                                progress=progress)
        case["classes"] = classes
        case["samples"] = samples
        if spec.get("skip"):
            case["sampling_crashed"] = list(spec["skip"])
    return case, stats


def _worker_loop(conn):
    """Runs cases until one is rejected (or hit a syntax error while sampling); then
    exits, so that no later case sees a dirty lexer buffer."""
    while True:
        spec = conn.recv()
        if spec is None:
            break
        case, stats = run_case(spec, progress=lambda where: conn.send(("at", where)))
        dirty = (not case["accepted"]) or stats.get("parse_error", 0) > 0 or \
            os.environ.get("PANDA_ORACLE_FRESH") == "1"
        conn.send(("done", case, stats, dirty))
        if dirty:
            break
    conn.close()


def run_cases(specs, jobs):
    """Run every spec in a forked worker; a worker is replaced after a rejected case."""
    from multiprocessing.connection import wait
    ctx = multiprocessing.get_context("fork")
    results = [None] * len(specs)
    todo = list(range(len(specs)))
    todo.reverse()

    def spawn():
        a, b = ctx.Pipe()
        pr = ctx.Process(target=_worker_loop, args=(b,))
        pr.start()
        b.close()
        return {"proc": pr, "conn": a, "idx": None, "at": None}

    def fail(message):
        # Workers hold copies of each other's pipes, so they would never see EOF and
        # exiting would wait for them forever: stop them first.
        for w in active:
            w["proc"].kill()
            w["proc"].join()
        raise SystemExit(message)

    def assign(w):
        if todo:
            w["idx"] = todo.pop()
            w["conn"].send(specs[w["idx"]])
            return True
        w["conn"].send(None)
        w["proc"].join()
        return False

    def retry(w):
        # Panda itself crashed (e.g. SIGFPE on arrays of zero-size elements) while
        # sampling field w["at"]: run the case again in a fresh worker without
        # samples for that field.  The crash is deterministic, so is the output.
        spec = specs[w["idx"]]
        skip = list(spec.get("skip", ()))
        if w["at"] is None or w["at"] in skip or len(skip) >= 8:
            fail("worker died on case %s (exit code %s)" % (spec["name"], w["proc"].exitcode))
        specs[w["idx"]] = dict(spec, skip=skip + [w["at"]])
        todo.append(w["idx"])

    active = []
    for _ in range(max(1, min(jobs, len(specs)))):
        w = spawn()
        if assign(w):
            active.append(w)
    while active:
        ready = wait([w["conn"] for w in active])
        for w in [w for w in active if w["conn"] in ready]:
            try:
                msg = w["conn"].recv()
            except EOFError:
                msg = None
            if msg is not None and msg[0] == "at":
                w["at"] = msg[1]
                continue
            if msg is None:
                w["proc"].join()
                w["conn"].close()
                active.remove(w)
                retry(w)
                nw = spawn()
                if assign(nw):
                    active.append(nw)
                continue
            _, case, stats, dirty = msg
            results[w["idx"]] = (case, stats)
            if dirty:
                w["proc"].join()
                w["conn"].close()
                active.remove(w)
                nw = spawn()
                if assign(nw):
                    active.append(nw)
            elif not assign(w):
                active.remove(w)
    return results


###########################################################################
# Random schema generator (pure Python, never imports Panda)
###########################################################################


HIST_KW = ["required", "broadcast", "ownrecv", "ram", "db", "clsend", "clrecv", "ownsend",
           "airecv"]
RESERVED = set("""dclass struct from import keyword typedef switch case default break int8
int16 int32 int64 uint8 uint16 uint32 uint64 float64 string blob blob32 int8array int16array
int32array uint8array uint16array uint32array uint32uint8array char""".split()) | set(HIST_KW)

INT_TYPES = {  # name: (bits, signed)
    "int8": (8, True), "int16": (16, True), "int32": (32, True), "int64": (64, True),
    "uint8": (8, False), "uint16": (16, False), "uint32": (32, False), "uint64": (64, False),
}
LEGACY = {  # name: element int type
    "int8array": "int8", "int16array": "int16", "int32array": "int32",
    "uint8array": "uint8", "uint16array": "uint16", "uint32array": "uint32",
    "uint32uint8array": None,
}
MOD_LIMIT = {"int8": 128, "int16": 32768, "int32": 2 ** 31, "int64": 2 ** 63,
             "uint8": 256, "uint16": 65536, "uint32": 2 ** 32}
NICE_REALS = ["0.3", "5.15", "0.005", "1.e3", "-279.65", "3.14159", ".5", "+1.5", "1.5e2",
              "1.e-2", "0.1", "-0.0", "2.25", "100.125", "-.75", "7"]


class NoValue(Exception):
    pass


def _width(name):
    bits, signed = INT_TYPES[name]
    if signed:
        return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    return 0, 2 ** bits - 1


def pstrtod(text):
    """Panda's REAL parser (dc-format.md 1.3), for choosing safe default values."""
    s = text
    neg = False
    if s[0] in "+-":
        neg = s[0] == "-"
        s = s[1:]
    v = 0.0
    i = 0
    while i < len(s) and s[i].isdigit():
        v = v * 10 + int(s[i])
        i += 1
    if i < len(s) and s[i] == ".":
        i += 1
        m = 0.1
        while i < len(s) and s[i].isdigit():
            v += int(s[i]) * m
            m *= 0.1
            i += 1
    if i < len(s) and s[i] in "eE":
        i += 1
        eneg = False
        if i < len(s) and s[i] in "+-":
            eneg = s[i] == "-"
            i += 1
        e = 0.0
        while i < len(s) and s[i].isdigit():
            e = e * 10 + int(s[i])
            i += 1
        v = v / (10 ** e) if eneg else v * (10 ** e)
    return -v if neg else v


class Ty:
    kind = "opaque"

    def value(self, g):
        raise NoValue()


class IntTy(Ty):
    kind = "int"

    def __init__(self, name, N=1, MI=None, spans=None, realmod=False):
        self.name, self.N, self.MI, self.spans, self.realmod = name, N, MI, spans, realmod

    def allowed(self, k):
        lo, hi = _width(self.name)
        if self.name in ("int64", "uint64"):
            lo, hi = max(lo, -2 ** 62), min(hi, 2 ** 62)
        if not lo <= k <= hi:
            return False
        if self.MI is not None and not 0 <= k < self.MI:
            return False
        if self.spans is not None and not any(a <= k <= b for a, b in self.spans):
            return False
        return True

    def pick_k(self, g):
        rng = g.rng
        for _ in range(20):
            if self.spans:
                a, b = rng.choice(self.spans)
                k = rng.randint(a, b)
            elif self.MI is not None:
                k = rng.randrange(self.MI)
            else:
                lo, hi = _width(self.name)
                r = rng.random()
                if r < 0.5:
                    k = rng.randint(max(lo, -100), min(hi, 100))
                elif r < 0.8:
                    k = rng.randint(max(lo, -10 ** 6), min(hi, 10 ** 6))
                else:
                    k = rng.randint(max(lo, -2 ** 62), min(hi, 2 ** 62))
            if self.N != 1 and not pow25(self.N):
                k = k // self.N * self.N
            if self.allowed(k):
                return k
        raise NoValue()

    def value(self, g):
        if self.realmod:
            raise NoValue()
        rng = g.rng
        N = self.N
        if self.MI is None and self.spans is None and rng.random() < 0.15:
            # lexer quirks: pstrtod rounding and the double path
            if N == 10:
                return "5.15"
            if N == 100:
                return "0.005"
        k = self.pick_k(g)
        if N == 1:
            r = rng.random()
            if self.MI is not None and r < 0.2:
                return str(k - self.MI)  # wraps on the integer path
            if self.MI is not None and r < 0.3:
                return str(k + self.MI)
            if k >= 0 and r < 0.45:
                return "0x%x" % k
            if k > 0 and r < 0.5:
                return "+%d" % k
            if 0x61 <= k <= 0x7a and self.name in ("uint8", "int8") and r < 0.6:
                return "'%s'" % chr(k)
            return str(k)
        if self.MI is not None and (k == 0 or k >= self.MI - 1):
            raise NoValue()  # avoid the modulus-before-rounding edge
        if k % N == 0 and rng.random() < 0.5:
            return str(k // N)
        if not pow25(N):
            if k % N == 0:
                return str(k // N)
            raise NoValue()
        return exact_decimal(Fraction(k, N))

    def hexsplice(self, k):
        bits, _ = INT_TYPES[self.name]
        return "<%s>" % (k % (2 ** bits)).to_bytes(bits // 8, "little").hex()


def pow25(n):
    while n % 2 == 0:
        n //= 2
    while n % 5 == 0:
        n //= 5
    return n == 1


class FloatTy(Ty):
    kind = "float"

    def __init__(self, N=1, M=None, spans=None):
        self.N, self.M, self.spans = N, M, spans  # spans: list of (lo_text, hi_text)

    def value(self, g):
        rng = g.rng
        if self.spans:
            lo_t, hi_t = rng.choice(self.spans)
            if lo_t == hi_t:
                return lo_t
            lo, hi = Fraction(lo_t), Fraction(hi_t)
            if self.M is not None:
                raise NoValue()
            for _ in range(10):
                v = lo + (hi - lo) * Fraction(rng.randint(1, 99), 100)
                t = exact_decimal(v)
                x = pstrtod(t) * self.N
                if pstrtod(lo_t) * self.N < x < pstrtod(hi_t) * self.N:
                    return t
            raise NoValue()
        r = rng.random()
        if r < 0.6:
            return rng.choice(NICE_REALS)
        return exact_decimal(Fraction(rng.randint(-40000, 40000), 4))


class CharTy(Ty):
    kind = "char"

    def __init__(self, spans=None):
        self.spans = spans  # code spans

    def pick(self, g):
        for _ in range(20):
            if self.spans:
                a, b = g.rng.choice(self.spans)
                c = g.rng.randint(a, b)
            else:
                c = g.rng.choice([0x41, 0x61, 0x7a, 0x30, 0x20, 0x0a, 0x00, 0x27, 0x22,
                                  0x5c, 0xff, g.rng.randint(0x20, 0x7e)])
            if not self.spans or any(a <= c <= b for a, b in self.spans):
                return c
        raise NoValue()

    def value(self, g):
        c = self.pick(g)
        r = g.rng.random()
        if r < 0.25:
            return str(c)
        if r < 0.35:
            return "'\\x%02x'" % c
        return char_lit(c, g.rng.choice("\"'"))


def char_lit(c, q):
    if c == ord(q) or c == 0x5C:
        return q + "\\" + chr(c) + q
    if 0x20 <= c < 0x7F:
        return q + chr(c) + q
    return q + "\\x%02x" % c + q


def pick_count(rng, spans, max_min, extra, free_choices):
    """A length or element count allowed by `spans` (None: any), kept small."""
    if not spans:
        return rng.choice(free_choices)
    a, b = rng.choice(spans)
    if a > max_min:
        raise NoValue()
    return rng.randint(a, min(b, a + extra))


class StrTy(Ty):
    kind = "str"

    def __init__(self, name, spans=None):
        self.name, self.spans = name, spans  # length spans

    def value(self, g):
        rng = g.rng
        n = pick_count(rng, self.spans, 12, 6, [0, 1, 2, 3, 5, 8])
        fixed = self.spans is not None and len(self.spans) == 1 and \
            self.spans[0][0] == self.spans[0][1]
        if self.name != "string" and rng.random() < 0.3:
            data = bytes(rng.randrange(256) for _ in range(n))
            if fixed:
                return "<%s>" % data.hex()
            w = 4 if self.name == "blob32" else 2
            return "<%s%s>" % (n.to_bytes(w, "little").hex(), data.hex())
        return str_lit(g, n)


def str_lit(g, n):
    """A string literal of exactly n bytes, using the lexer's escape quirks."""
    rng = g.rng
    q = rng.choice('""\'')
    parts = []
    left = n
    while left > 0:
        r = rng.random()
        if r < 0.06 and left >= 3:
            parts.append("\\0177")  # 0x01 then '7' '7'
            left -= 3
            continue
        if r < 0.12:
            parts.append("\\x%02x" % rng.randrange(256))
        elif r < 0.16:
            parts.append("\\1%03d" % rng.randrange(1000))  # first digit dropped
        elif r < 0.22:
            parts.append(rng.choice(["\\n", "\\t", "\\r", "\\a", "\\\\", "\\" + q, "\\z"]))
        else:
            c = rng.choice("abcdefghijklmnopqrstuvwxyzABCXYZ0123456789 _-.,:;!?#@")
            parts.append(c)
        left -= 1
    return q + "".join(parts) + q


class LegacyTy(Ty):
    kind = "legacy"

    def __init__(self, name):
        self.name = name

    def value(self, g):
        rng = g.rng
        n = rng.choice([0, 1, 2, 3])
        et = LEGACY[self.name]
        items = []
        for _ in range(n):
            if et is None:
                items.append("(%d, %d)" % (rng.randint(0, 2 ** 32 - 1), rng.randint(0, 255)))
            else:
                lo, hi = _width(et)
                items.append(str(rng.randint(max(lo, -1000), min(hi, 1000))))
        return g.listify(items, "[")


class ArrTy(Ty):
    kind = "arr"

    def __init__(self, elem, spans):
        self.elem, self.spans = elem, spans  # spans None = any count

    def value(self, g):
        rng = g.rng
        n = pick_count(rng, self.spans, 6, 3, [0, 1, 2, 3])
        e = self.elem
        if isinstance(e, CharTy) and not e.spans and rng.random() < 0.5:
            return str_lit(g, n)
        if isinstance(e, IntTy) and e.name in ("uint8", "int8") and e.spans is None \
                and e.MI is None and e.N == 1 and rng.random() < 0.2:
            return str_lit(g, n)  # a string packs into uint8[] / int8[]
        if isinstance(e, IntTy) and n >= 2 and rng.random() < 0.3:
            t = e.value(g)
            if not t.startswith("'"):
                return g.listify(["%s * %d" % (t, n)], "[")
        items = []
        for _ in range(n):
            if isinstance(e, IntTy) and e.N == 1 and e.MI is None and rng.random() < 0.15:
                items.append(e.hexsplice(e.pick_k(g)))
            else:
                items.append(e.value(g))
        return g.listify(items, "[")


class StructTy(Ty):
    kind = "struct"

    def __init__(self, name, parents=()):
        self.name = name
        self.parents = list(parents)
        self.own = []  # (name or "", number, kind, ty or [param tys])
        self.ctor = None  # list of (name, ty)
        self.opaque = False

    def inherited(self):
        res = []
        names = set()
        for p in self.parents:
            for f in p.inherited():
                if f[0] and f[0] not in names:
                    names.add(f[0])
                    res.append(f)
        for f in self.own:
            if f[0] and f[0] in names:
                res = [x for x in res if x[0] != f[0]]
            res.append(f)
            if f[0]:
                names.add(f[0])
        return sorted(res, key=lambda f: f[1])

    def value(self, g):
        if self.opaque:
            raise NoValue()
        items = []
        if self.ctor is not None:
            items.append(g.listify([t.value(g) for _, t in self.ctor], "("))
        for name, num, kind, ty in self.inherited():
            if kind == "atomic":
                v = g.listify([t.value(g) for _, t in ty], "(")
            else:
                v = ty.value(g)
                if name and g.rng.random() < 0.3:
                    v = "%s = %s" % (name, v)
            items.append(v)
        return g.listify(items, "{")


class SwitchTy(Ty):
    kind = "switch"

    def __init__(self, key, cases, default, canons):
        self.key, self.cases, self.default, self.canons = key, cases, default, canons
        # cases: list of (value text, [ty]); default: [ty] or None

    def value(self, g):
        rng = g.rng
        opts = list(range(len(self.cases)))
        if self.default is not None:
            opts.append(None)
        c = rng.choice(opts)
        if c is None:
            if isinstance(self.key, IntTy):
                lo, hi = _width(self.key.name)
                free = [k for k in range(max(lo, -8), min(hi, 30)) if str(k) not in self.canons]
                kt = str(rng.choice(free))
            elif isinstance(self.key, CharTy):
                free = [ch for ch in "defghijkDEF" if ch not in self.canons]
                kt = "'%s'" % rng.choice(free)
            else:
                kt = '"zz%d"' % rng.randint(0, 9)
            tys = self.default
        else:
            kt, tys = self.cases[c]
        return g.listify([kt] + [t.value(g) for t in tys], "(")


class TypedefTy(Ty):
    def __init__(self, target):
        self.target = target
        self.kind = target.kind

    def value(self, g):
        return self.target.value(g)


class SchemaGen:
    def __init__(self, rng):
        self.rng = rng
        self.counter = 0
        self.field_no = 0
        self.typedefs = {}  # name -> Ty (also usable by name)
        self.structs = {}  # name -> StructTy
        self.dclasses = {}  # name -> info dict
        self.switches = {}  # name -> SwitchTy
        self.custom_kw = []

    # ---- small helpers -------------------------------------------------
    def name(self, prefix):
        self.counter += 1
        return "%s%d" % (prefix, self.counter)

    def listify(self, items, default_open):
        rng = self.rng
        o = default_open if rng.random() < 0.7 else rng.choice("([{")
        c = {"(": ")", "[": "]", "{": "}"}[o]
        body = ", ".join(items)
        if items and rng.random() < 0.1:
            body += ","
        sp = " " if rng.random() < 0.3 else ""
        return o + sp + body + sp + c

    def num(self, v):
        if v >= 0 and self.rng.random() < 0.1:
            return "0x%x" % v
        return str(v)

    def comment(self, indent=""):
        r = self.rng.random()
        if r < 0.5:
            return indent + "// " + self.rng.choice(["note", "TODO: x", "a /* b", "ram db"])
        if r < 0.8:
            return indent + "/* " + self.rng.choice(["block", "x // y", "multi\n  line", "*",
                                                     "nested /* warns"]) + " */"
        return indent + ";"

    def kw_list(self):
        rng = self.rng
        pool = HIST_KW + self.custom_kw
        n = rng.choice([0, 0, 1, 1, 2, 3])
        kws = [rng.choice(pool) for _ in range(n)]
        if kws and rng.random() < 0.05:
            kws.append(kws[0])  # repeated keyword
        return kws

    # ---- types -------------------------------------------------------------
    def int_range(self, tname, N):
        """Range text and stored spans for an integer type with divisor N."""
        rng = self.rng
        lo_w, hi_w = _width(tname)
        if tname == "int64":
            lo_w, hi_w = -10 ** 9, 10 ** 9
        if tname == "uint64":
            lo_w, hi_w = 0, 10 ** 9  # a negative bound would wrap silently
        vlo, vhi = -(-lo_w // N), hi_w // N
        vlo, vhi = max(vlo, -5000), min(vhi, 5000)
        n = rng.choice([1, 1, 1, 2, 3])
        pts = sorted(rng.sample(range(vlo, vhi + 1), min(2 * n, vhi - vlo + 1)))
        spans = []
        texts = []
        for i in range(0, len(pts) - 1, 2):
            a, b = pts[i], pts[i + 1]
            if rng.random() < 0.25:
                b = a
            if spans and a <= spans[-1][1]:
                continue
            spans.append((a, b))
        rng.shuffle(spans) if rng.random() < 0.2 else None
        for a, b in spans:
            if a == b:
                texts.append(self.num(a))
            elif a >= 0 and b >= 0:
                if rng.random() < 0.5:
                    texts.append("%d-%d" % (a, b))  # lexes as 0 and -100
                else:
                    texts.append("%s - %s" % (self.num(a), self.num(b)))
            elif a < 0 < b:
                texts.append("%d-%d" % (a, b) if rng.random() < 0.5 else "%d - %d" % (a, b))
            elif a < 0 == b:
                texts.append("%d - 0" % a)  # "-5-0" is a syntax error: -0 is not negative
            else:
                texts.append("%d - %d" % (a, b))
        stored = [(a * N, b * N) for a, b in spans]
        return "(" + ", ".join(texts) + ")", stored

    def simple_type(self, allow_attrs=True):
        """Returns (text, Ty, is_plain_builtin)."""
        rng = self.rng
        r = rng.random()
        if r < 0.55:
            tname = rng.choice(list(INT_TYPES))
            N = 1
            parts = []
            MI = None
            spans = None
            realmod = False
            if allow_attrs and rng.random() < 0.35:
                N = rng.choice([1, 2, 4, 10, 10, 100, 1000, 3])
                if MOD_LIMIT.get(tname, 2 ** 64) < N * 10:
                    N = 1
                parts.append("/%s" % self.num(N) if rng.random() < 0.8 else "/ %d" % N)
            if allow_attrs and rng.random() < 0.3:
                rt, spans = self.int_range(tname, N)
                parts.append(rt)
            elif allow_attrs and rng.random() < 0.15:
                lim = MOD_LIMIT.get(tname, 2 ** 40)
                if rng.random() < 0.15:
                    M = rng.choice(["2.5", "7.5"])
                    realmod = True
                    parts.append("%" + M)
                else:
                    Mmax = max(1, min(lim // N, 100000))
                    M = rng.choice([m for m in (2, 7, 100, 360, 256, 1000, Mmax) if m <= Mmax])
                    MI = M * N
                    parts.append("%" + self.num(M) if rng.random() < 0.8 else "% " + str(M))
            rng.shuffle(parts)
            return tname + "".join(parts), IntTy(tname, N, MI, spans, realmod), not parts
        if r < 0.68:
            N = 1
            parts = []
            spans = None
            M = None
            if rng.random() < 0.25:
                N = rng.choice([10, 100, 2])
                parts.append("/%d" % N)
            if rng.random() < 0.25:
                a = Fraction(rng.randint(-400, 400), 4)
                b = a + Fraction(rng.randint(1, 400), 8)
                at, bt = exact_decimal(a), exact_decimal(b)
                if rng.random() < 0.2:
                    at, bt = "%d" % rng.randint(-50, 50), None
                    bt = at
                    spans = [(at, bt)]
                    parts.append("(%s)" % at)
                else:
                    spans = [(at, bt)]
                    if b <= 0:
                        parts.append("(%s - %s)" % (at, bt))
                    else:
                        parts.append("(%s-%s)" % (at, bt))
            elif rng.random() < 0.1:
                M = rng.choice(["360", "360.5", "1.5"])
                parts.append("%" + M)
            rng.shuffle(parts)
            return "float64" + "".join(parts), FloatTy(N, M, spans), not parts
        if r < 0.8:
            tname = rng.choice(["string", "string", "blob", "blob32"])
            spans = None
            txt = tname
            if rng.random() < 0.3:
                if rng.random() < 0.5:
                    n = rng.randint(0, 6)
                    spans = [(n, n)]
                    txt += "(%d)" % n
                else:
                    a = rng.randint(0, 4)
                    b = a + rng.randint(1, 20)
                    spans = [(a, b)]
                    txt += "(%d-%d)" % (a, b)
                    if rng.random() < 0.3:
                        c = b + rng.randint(2, 5)
                        spans.append((c, c))
                        txt = txt[:-1] + ", %d)" % c
            return txt, StrTy(tname, spans), spans is None
        if r < 0.9:
            spans = None
            txt = "char"
            if rng.random() < 0.3:
                if rng.random() < 0.6:
                    spans = [(0x61, 0x7A)]
                    txt += "('a'-'z')"
                else:
                    spans = [(0x41, 0x41), (0x30, 0x39)]
                    txt += "('A', '0'-'9')"
            return txt, CharTy(spans), spans is None
        tname = rng.choice(list(LEGACY))
        txt = tname
        N = 1
        if tname != "uint32uint8array" and rng.random() < 0.15:
            N = rng.choice([10, 100])
            if _width(LEGACY[tname])[1] < 10 * N:
                N = 1
            else:
                txt += "/%d" % N
        if tname != "uint32uint8array" and rng.random() < 0.1:
            txt += "(%d-%d)" % (rng.randint(0, 3), rng.randint(4, 50))
            return txt, Ty(), False  # implicit default quirk; no explicit default
        return txt, LegacyTy(tname), False

    def size_range(self):
        rng = self.rng
        r = rng.random()
        if r < 0.35:
            return "[]", None
        if r < 0.65:
            n = rng.randint(0, 4)
            return "[%s]" % self.num(n), [(n, n)]
        if r < 0.85:
            a = rng.randint(0, 3)
            b = a + rng.randint(1, 4)
            if rng.random() < 0.5:
                return "[%d-%d]" % (a, b), [(a, b)]
            return "[%d - %d]" % (a, b), [(a, b)]
        a = rng.randint(0, 2)
        b = a + rng.randint(1, 2)
        c = b + rng.randint(2, 4)
        return "[%d-%d, %d]" % (a, b, c), [(a, b), (c, c)]

    def type_ref(self, depth, ctx):
        """A type usable in a parameter: returns (text, Ty, plain_builtin)."""
        rng = self.rng
        opts = [("simple", 55)]
        if self.typedefs:
            opts.append(("typedef", 10))
        if self.structs:
            opts.append(("struct", 10))
        if self.switches:
            opts.append(("switch", 4))
        if depth == 0 and ctx != "key":
            opts += [("inline_switch", 6), ("inline_struct", 4)]
        if self.dclasses:
            opts.append(("dclass", 1))
        tot = sum(w for _, w in opts)
        x = rng.uniform(0, tot)
        for kind, w in opts:
            x -= w
            if x <= 0:
                break
        if kind == "typedef":
            n = rng.choice(sorted(self.typedefs))
            return n, self.typedefs[n], False
        if kind == "struct":
            n = rng.choice(sorted(self.structs))
            return n, self.structs[n], False
        if kind == "switch":
            n = rng.choice(sorted(self.switches))
            return n, self.switches[n], False
        if kind == "inline_switch":
            txt, ty = self.switch_body(depth + 1, name=None, indent="      ")
            return txt, ty, False
        if kind == "inline_struct":
            txt, ty = self.inline_struct(depth + 1)
            return txt, ty, False
        if kind == "dclass":
            n = rng.choice(sorted(self.dclasses))
            return n, Ty(), False
        return self.simple_type()

    def param(self, depth, ctx, named=True, allow_default=True, name=None):
        """A parameter: returns (text, Ty).  ctx: 'atomic', 'struct', 'dclass', 'case',
        'typedef', 'key'."""
        rng = self.rng
        t, ty, plain = self.type_ref(depth, ctx)
        dims = []
        # brackets after the type
        if rng.random() < 0.15 and ctx != "key":
            s, sp = self.size_range()
            t += s
            dims.append(sp)
        nm = name or (self.name(rng.choice(["x", "val", "arg", "pos", "id"])) if named else "")
        after = ""
        if nm and plain and not dims and ctx != "key" and rng.random() < 0.15 and \
                isinstance(ty, IntTy) and ty.N == 1 and ty.MI is None:
            N = rng.choice([10, 100, 2])
            if MOD_LIMIT.get(ty.name, 2 ** 64) >= N * 10:
                after = " / %d" % N if rng.random() < 0.5 else "/%d" % N
                ty = IntTy(ty.name, N, None, None if ty.spans is None else
                           [(a * N, b * N) for a, b in ty.spans])
        if nm and ctx != "key" and rng.random() < 0.15 and not after:
            s, sp = self.size_range()
            after += s
            dims.append(sp)
            if rng.random() < 0.2 and len(dims) < 3:
                s, sp = self.size_range()
                after += s
                dims.append(sp)
        elif not nm and ctx != "key" and rng.random() < 0.05:
            s, sp = self.size_range()
            t += s
            dims.append(sp)
        # C-like: first bracket outermost
        for sp in reversed(dims):
            ty = ArrTy(ty, sp)
        text = t + (" " + nm if nm else "") + after
        if allow_default and rng.random() < 0.3:
            try:
                text += " = " + ty.value(self)
            except NoValue:
                pass
        return text, ty, nm

    def atomic(self, depth, ctx, name=None, nparams=None):
        rng = self.rng
        n = nparams if nparams is not None else rng.choice([0, 1, 1, 1, 2, 2, 3, 4])
        ps = []
        texts = []
        for _ in range(n):
            named = rng.random() < 0.85
            pt, pty, pn = self.param(depth, "atomic", named=named)
            texts.append(pt)
            ps.append((pn, pty))
        nm = name or self.name(rng.choice(["set", "req", "d_", "on", "b_"]))
        return "%s(%s)" % (nm, ", ".join(texts)), nm, ps

    def switch_body(self, depth, name, indent):
        rng = self.rng
        keyname = self.name("k") if rng.random() < 0.6 else ""
        ktype = rng.choice(["uint8", "uint8", "uint16", "int8", "char", "int16", "string",
                            "uint32"])
        if ktype == "char":
            kty = CharTy()
        elif ktype == "string":
            kty = StrTy("string")
        else:
            kty = IntTy(ktype)
        keytxt = ktype + (" " + keyname if keyname else "")
        ncase = rng.randint(1, 4)
        vals = []
        while len(vals) < ncase:
            if ktype == "char":
                v = char_lit(rng.choice(b"abcxyzABC019"), rng.choice("'\""))
            elif ktype == "string":
                v = '"%s"' % rng.choice(["a", "bc", "hello", "", "x1"])
            else:
                lo, hi = _width(ktype)
                k = rng.randint(max(lo, -5), min(hi, 20))
                v = self.num(k) if k >= 0 else str(k)
            canon = v.strip("'\"") if ktype in ("char", "string") else str(int(v, 0))
            if canon not in [c for c, _ in vals]:
                vals.append((canon, v))
        lines = ["switch%s (%s) {" % (" " + name if name else "", keytxt)]
        has_default = rng.random() < 0.4
        labels = [("case", v) for _, v in vals]
        if has_default:
            labels.insert(rng.randint(0, len(labels)), ("default", None))
        open_ = []
        case_fields = {}
        order = []
        i = 0
        for kind, v in labels:
            lab = ("case", v) if kind == "case" else ("default", None)
            order.append(lab)
            case_fields[lab] = []
            open_.append(lab)
            lines.append(indent + ("case %s:" % v if kind == "case" else "default:"))
            if rng.random() < 0.25 and i < len(labels) - 1:
                i += 1
                continue  # shares the next label's fields
            for _ in range(rng.choice([0, 1, 1, 2])):
                pt, pty, pn = self.param(depth + 1, "case", named=rng.random() < 0.9)
                lines.append(indent + "  " + pt + ";")
                for lb in open_:
                    case_fields[lb].append(pty)
            if rng.random() < 0.8:
                lines.append(indent + "  break;")
                open_ = []
            i += 1
        lines.append(indent[:-2] + "}")
        cases = [(v, case_fields[("case", v)]) for kind, v in order if kind == "case"]
        dflt = case_fields.get(("default", None))
        return "\n".join(lines), SwitchTy(kty, cases, dflt, [c for c, _ in vals])

    def inline_struct(self, depth):
        st = StructTy("")
        body = self.struct_fields(st, depth + 1, indent="      ", allow_switch=False, maxn=3)
        nm = " " + self.name("Inline") if self.rng.random() < 0.2 else ""
        return "struct%s {\n%s\n    }" % (nm, "\n".join(body)), st

    def struct_fields(self, st, depth, indent, allow_switch=True, maxn=5):
        rng = self.rng
        lines = []
        used = set(f[0] for f in st.inherited() if f[0])
        for _ in range(rng.randint(0, maxn)):
            r = rng.random()
            if r < 0.6:
                pt, pty, pn = self.param(depth, "struct", named=rng.random() < 0.9)
                if pn in used:
                    continue
                lines.append(indent + pt + ";")
                st.own.append((pn, self.field_no, "param", pty))
                self.field_no += 1
            elif r < 0.75:
                at, an, ps = self.atomic(depth, "struct", nparams=rng.choice([1, 2]))
                lines.append(indent + at + ";")
                st.own.append((an, self.field_no, "atomic", ps))
                self.field_no += 1
            elif r < 0.85 and allow_switch and depth == 0:
                txt, sty = self.switch_body(depth + 1, name=None, indent=indent + "  ")
                lines.append(indent + txt + ";")
                st.own.append(("", self.field_no, "param", sty))
                self.field_no += 1
            elif r < 0.9:
                lines.append(self.comment(indent))
            else:
                lines.append(indent + ";")
        return lines

    # ---- declarations ----------------------------------------------------------
    def decl_import(self):
        rng = self.rng
        mods = ["direct.distributed", "toontown.toon", "game", "otp.ai.Magic", "a.b.c"]
        if rng.random() < 0.4:
            return "import %s" % rng.choice(mods)
        syms = []
        for _ in range(rng.randint(1, 3)):
            s = self.name("Sym")
            for suf in rng.sample(["AI", "UD", "OV"], rng.randint(0, 2)):
                s += "/" + suf
            syms.append(s)
        if rng.random() < 0.1:
            syms = ["*"]
        return "from %s import %s" % (rng.choice(mods), ", ".join(syms))

    def decl_keyword(self):
        rng = self.rng
        r = rng.random()
        if r < 0.2:
            k = rng.choice(HIST_KW)  # re-declared historical keyword
            return "keyword %s;" % k
        names = [self.name("kw") for _ in range(rng.choice([1, 1, 2, 3]))]
        self.custom_kw += names
        if len(names) > 1 and rng.random() < 0.5:
            return "keyword %s" % " ".join(names)  # no ';' needed
        return "keyword %s;" % " ".join(names)

    def decl_typedef(self):
        rng = self.rng
        nm = self.name(rng.choice(["T", "Type", "Id", "Color"]))
        if self.typedefs and rng.random() < 0.3:
            base = rng.choice(sorted(self.typedefs))
            ty = self.typedefs[base]
            txt = "typedef %s %s" % (base, nm)
            if rng.random() < 0.5:
                s, sp = self.size_range()
                txt += s
                ty = ArrTy(ty, sp)
        else:
            pt, ty, pn = self.param(0, "typedef", name=nm, allow_default=False)
            txt = "typedef " + pt
        if rng.random() < 0.25:
            try:
                txt += " = " + ty.value(self)
            except NoValue:
                pass
        self.typedefs[nm] = TypedefTy(ty)
        return txt + ";"

    def decl_struct(self):
        rng = self.rng
        nm = self.name(rng.choice(["S", "Vec", "Data", "Info"]))
        parents = []
        cands = [s for s in sorted(self.structs) if self.structs[s].ctor is None]
        if cands and rng.random() < 0.3:
            parents = rng.sample(cands, min(len(cands), rng.choice([1, 1, 2])))
        st = StructTy(nm, [self.structs[p] for p in parents])
        lines = ["struct %s%s {" % (nm, " : " + ", ".join(parents) if parents else "")]
        if not parents and rng.random() < 0.1:
            at, an, ps = self.atomic(0, "struct", name=nm, nparams=rng.choice([1, 2]))
            lines.append("  " + at + ";")
            st.ctor = ps
        lines += self.struct_fields(st, 0, "  ")
        lines.append("}" + rng.choice([";", ";", "", ";;"]))
        self.structs[nm] = st
        return "\n".join(lines)

    def decl_switch(self):
        nm = self.name("Sw")
        txt, ty = self.switch_body(0, nm, "  ")
        self.switches[nm] = ty
        return txt + ";"

    def decl_dclass(self):
        rng = self.rng
        nm = self.name(rng.choice(["Distributed", "DObj", "Toon", "Avatar"]))
        parents = []
        if self.dclasses and rng.random() < 0.5:
            cands = sorted(self.dclasses)
            parents = rng.sample(cands, min(len(cands), rng.choice([1, 1, 1, 2, 3])))
        atoms = {}  # name -> keyword tuple
        for p in parents:
            atoms.update(self.dclasses[p]["atoms"])
        lines = ["dclass %s%s {" % (nm, " : " + ", ".join(parents) if parents else "")]
        kwpool = [self.kw_list() for _ in range(2)]
        own = set()
        for _ in range(rng.randint(0, 6)):
            r = rng.random()
            if r < 0.55:
                shadow = None
                inh = sorted(a for a in atoms if a not in own)
                if inh and rng.random() < 0.1:
                    shadow = rng.choice(inh)  # re-define an inherited field
                at, an, ps = self.atomic(0, "dclass", name=shadow)
                kws = rng.choice(kwpool) if rng.random() < 0.7 else self.kw_list()
                lines.append("  %s%s;" % (at, "".join(" " + k for k in kws)))
                atoms[an] = tuple(sorted(set(kws)))
                own.add(an)
                self.field_no += 1
            elif r < 0.8:
                pt, pty, pn = self.param(0, "dclass", named=True)
                kws = self.kw_list()
                lines.append("  %s%s;" % (pt, "".join(" " + k for k in kws)))
                own.add(pn)
                self.field_no += 1
            elif r < 0.9 and atoms:
                first = rng.choice(sorted(atoms))
                same = [a for a in sorted(atoms) if atoms[a] == atoms[first]]
                sel = [first] + rng.sample(same, min(len(same), rng.randint(0, 2)))
                mn = self.name("mol")
                lines.append("  %s : %s;" % (mn, ", ".join(sel)))
                own.add(mn)
                self.field_no += 1
            else:
                lines.append(self.comment("  "))
        lines.append("}" + rng.choice([";", ";", ""]))
        self.dclasses[nm] = {"atoms": atoms}
        return "\n".join(lines)


BROKEN_KINDS = ["dup_field", "overlap_range", "keyword_name", "undefined_parent",
                "bad_modulus", "missing_semicolon", "unnamed_dclass_param", "undefined_type",
                "bad_default", "dclass_ctor", "dup_class", "mol_keywords", "struct_parent",
                "hex_upper", "unterminated_string", "exponent_no_dot", "string_divisor",
                "typedef_after_use", "case_before", "uint8_mod_257", "char_divisor",
                "neg_zero_range"]


def broken_decl(g, kind, dclass_names, struct_names):
    rng = g.rng
    c = g.name("Broken")
    if kind == "dup_field":
        return "dclass %s {\n  f(uint8 x);\n  g(string s);\n  f(uint16 y);\n};" % c
    if kind == "overlap_range":
        return "dclass %s {\n  f(uint8(0-10, 5-20) x);\n};" % c
    if kind == "keyword_name":
        k = rng.choice(HIST_KW + g.custom_kw)
        return rng.choice(["dclass %s {\n  f(uint8 %s);\n};" % (c, k),
                           "dclass %s {\n  %s(uint8 x);\n};" % (c, k),
                           "dclass %s {\n};" % k])
    if kind == "undefined_parent":
        return "dclass %s : %s {\n  f(uint8 x);\n  m : f, nope;\n};" % (c, g.name("Missing"))
    if kind == "bad_modulus":
        return "dclass %s {\n  f(int8 %% 129 x);\n};" % c
    if kind == "uint8_mod_257":
        return "dclass %s {\n  f(uint8 %% 257 x);\n};" % c
    if kind == "missing_semicolon":
        return "dclass %s {\n  f(uint8 x)\n  g(uint8 y);\n};" % c
    if kind == "unnamed_dclass_param":
        return "dclass %s {\n  uint8;\n};" % c
    if kind == "undefined_type":
        return "dclass %s {\n  f(%s x);\n};" % (c, rng.choice(["float32", "string32", "bool",
                                                              g.name("Undef")]))
    if kind == "bad_default":
        return "dclass %s {\n  f(uint8 x = 300);\n};" % c
    if kind == "dclass_ctor":
        return "dclass %s {\n  %s(uint8 x);\n};" % (c, c)
    if kind == "dup_class":
        n = rng.choice(dclass_names + struct_names) if dclass_names + struct_names else c
        return "dclass %s {\n};\ndclass %s {\n};" % (n, n) if n == c else "struct %s {\n};" % n
    if kind == "mol_keywords":
        return "dclass %s {\n  a(uint8 x) ram;\n  b(uint8 y) db;\n  m : a, b;\n};" % c
    if kind == "struct_parent":
        if struct_names:
            return "dclass %s : %s {\n};" % (c, rng.choice(struct_names))
        return "struct %s {\n};\ndclass %s : %s {\n};" % (c + "S", c, c + "S")
    if kind == "hex_upper":
        return "dclass %s {\n  f(uint8 x = 0X1f);\n};" % c
    if kind == "unterminated_string":
        return "dclass %s {\n  f(string s = \"abc);\n};" % c
    if kind == "exponent_no_dot":
        return "dclass %s {\n  f(float64 x = 1e5);\n};" % c
    if kind == "string_divisor":
        return "dclass %s {\n  f(string/10 s);\n};" % c
    if kind == "char_divisor":
        return "dclass %s {\n  f(char/10 s);\n};" % c
    if kind == "typedef_after_use":
        t = g.name("Late")
        return "dclass %s {\n  f(%s x);\n};\ntypedef uint8 %s;" % (c, t, t)
    if kind == "neg_zero_range":
        return "dclass %s {\n  f(int8(-10-0) x);\n};" % c
    if kind == "case_before":
        return "switch %s (uint8) {\n  uint8 a;\n  case 0:\n    break;\n};" % c
    raise ValueError(kind)


def generate_schema(seed, index):
    """Returns (source text, intent) where intent is None for schemas meant to be
    accepted, else the kind of breakage."""
    rng = random.Random("schema:%d:%d" % (seed, index))
    g = SchemaGen(rng)
    out = []
    if rng.random() < 0.3:
        out.append("// random schema %d/%d" % (seed, index))
    for _ in range(rng.choice([0, 0, 1, 2])):
        out.append(g.decl_import())
    if rng.random() < 0.4:
        out.append(g.decl_keyword())
    ndecl = rng.randint(1, 8)
    dcount = 0
    while dcount < ndecl:
        r = rng.random()
        if r < 0.12:
            out.append(g.decl_typedef())
        elif r < 0.35:
            out.append(g.decl_struct())
            dcount += 1
        elif r < 0.42:
            out.append(g.decl_switch())
        elif r < 0.47:
            out.append(g.decl_keyword())
        elif r < 0.5:
            out.append(g.comment())
        elif r < 0.52:
            out.append(g.decl_import())
        else:
            out.append(g.decl_dclass())
            dcount += 1
        if rng.random() < 0.08:
            out.append(";")
    intent = None
    if rng.random() < 0.1:
        intent = rng.choice(BROKEN_KINDS)
        pos = rng.randint(0, len(out))
        out.insert(pos, broken_decl(g, intent, sorted(g.dclasses), sorted(g.structs)))
    return "\n".join(out) + "\n", intent


###########################################################################
# Commands
###########################################################################


def _enc(o, ind, width=120):
    s = json.dumps(o, sort_keys=True, ensure_ascii=True)
    if len(s) + ind <= width or not isinstance(o, (dict, list)) or not o:
        return s
    pad = " " * (ind + 1)
    if isinstance(o, dict):
        body = [pad + json.dumps(k) + ": " + _enc(o[k], ind + 1, width) for k in sorted(o)]
        return "{\n" + ",\n".join(body) + "\n" + " " * ind + "}"
    body = [pad + _enc(v, ind + 1, width) for v in o]
    return "[\n" + ",\n".join(body) + "\n" + " " * ind + "]"


def dump(obj):
    """Deterministic JSON: sorted keys, one space indent, small objects on one line."""
    return _enc(obj, 0) + "\n"


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
        for i in range(runs + 3):  # 3 warm-up runs are not counted
            dcf = D.DCFile()
            t0 = time.perf_counter()
            ok1 = dcf.read(Filename("open-toontown__otp.dc"))
            ok2 = dcf.read(Filename("open-toontown__toon.dc"))
            t1 = time.perf_counter()
            assert ok1 and ok2
            if i >= 3:
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
