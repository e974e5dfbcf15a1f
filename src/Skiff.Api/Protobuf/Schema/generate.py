#!/usr/bin/env python3
"""Regenerates the *.txt schema files in this folder from a kubectl binary.

Why a binary: every Go program that links k8s.io/api carries (a) the gzipped FileDescriptorProto of
each generated.proto, which gives the exact field numbers, wire types, labels and message types of
the protocol kubectl speaks, and (b) Go reflection metadata for the API structs, whose struct tags
give the JSON name, `omitempty` and `,inline`, and whose field types tell a pointer (present means
set, even when zero) from a value. The published .proto files carry only (a), and their field
names are not always the JSON names (BoundObjectReference.uID is "uid"). Both are protocol facts.

Usage: generate.py /usr/lib/google-cloud-sdk/bin/kubectl.1.33 OUTDIR
Needs a non-PIE amd64 Go >= 1.21 ELF (what the Kubernetes release builds are).
"""
import re
import struct
import sys
import zlib

PACKAGES = [
    'k8s.io.apimachinery.pkg.apis.meta.v1', 'k8s.io.apimachinery.pkg.runtime',
    'k8s.io.apimachinery.pkg.api.resource', 'k8s.io.apimachinery.pkg.util.intstr',
    'k8s.io.api.core.v1', 'k8s.io.api.apps.v1', 'k8s.io.api.batch.v1', 'k8s.io.api.autoscaling.v1',
    'k8s.io.api.autoscaling.v2', 'k8s.io.api.networking.v1', 'k8s.io.api.rbac.v1',
    'k8s.io.api.coordination.v1', 'k8s.io.api.discovery.v1', 'k8s.io.api.events.v1',
    'k8s.io.api.policy.v1', 'k8s.io.api.scheduling.v1', 'k8s.io.api.storage.v1',
    'k8s.io.api.authentication.v1', 'k8s.io.api.authorization.v1', 'k8s.io.api.certificates.v1',
    'k8s.io.api.admissionregistration.v1', 'k8s.io.api.flowcontrol.v1', 'k8s.io.api.node.v1',
]
SCALARS = {1: 'double', 2: 'float', 3: 'int64', 4: 'uint64', 5: 'int32', 6: 'fixed64', 7: 'fixed32',
           8: 'bool', 9: 'string', 12: 'bytes', 13: 'uint32', 15: 'sfixed32', 16: 'sfixed64',
           17: 'sint32', 18: 'sint64'}
GO_PTR, GO_SLICE, GO_MAP, GO_STRUCT = 22, 23, 21, 25


def varint(b, i):
    r = s = 0
    while True:
        c = b[i]
        i += 1
        r |= (c & 0x7f) << s
        s += 7
        if c < 0x80:
            return r, i


def pb_fields(b):
    i, out = 0, []
    while i < len(b):
        k, i = varint(b, i)
        f, w = k >> 3, k & 7
        if w == 0:
            v, i = varint(b, i)
        elif w == 2:
            n, i = varint(b, i)
            v = b[i:i + n]
            i += n
        elif w == 1:
            v, i = b[i:i + 8], i + 8
        elif w == 5:
            v, i = b[i:i + 4], i + 4
        else:
            raise ValueError('wire type %d' % w)
        out.append((f, v))
    return out


def first(fs, n, default=None):
    return next((v for f, v in fs if f == n), default)


def descriptors(data):
    found = {}
    for m in re.finditer(b'\x1f\x8b\x08\x00\x00\x00\x00\x00', data):
        try:
            out = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data[m.start():m.start() + 4000000])
        except zlib.error:
            continue
        if len(out) > 2 and out[0] == 0x0a and out[2:2 + out[1]].startswith(b'k8s.io/'):
            fs = pb_fields(out)
            found[first(fs, 2).decode()] = fs
    return found


class GoBinary:
    """Walks Go runtime type metadata (internal/abi.Type layout of Go 1.21+, amd64)."""

    def __init__(self, data):
        self.data = data
        shoff, = struct.unpack_from('<Q', data, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from('<HHH', data, 0x3a)
        secs = [struct.unpack_from('<IIQQQQ', data, shoff + i * shentsize) for i in range(shnum)]
        strtab = secs[shstrndx][4]
        self.secs = {}
        for name, _, _, addr, off, size in secs:
            end = data.index(b'\0', strtab + name)
            self.secs[data[strtab + name:end].decode()] = (addr, off, size)
        self.ro = self.secs['.rodata']
        _, tloff, tlsize = self.secs['.typelink']
        self.links = struct.unpack_from('<%di' % (tlsize // 4), data, tloff)
        self.base = self.ro[0]  # runtime.types starts the read-only data in the internal linker layout

    def off(self, va):
        addr, off, size = self.ro
        if not addr <= va < addr + size:
            raise KeyError(va)
        return va - addr + off

    def u64(self, va): return struct.unpack_from('<Q', self.data, self.off(va))[0]
    def i32(self, va): return struct.unpack_from('<i', self.data, self.off(va))[0]
    def u8(self, va): return self.data[self.off(va)]

    def name(self, va):
        o = self.off(va)
        flags = self.data[o]
        n, o = varint(self.data, o + 1)
        nm = self.data[o:o + n].decode('utf-8', 'replace')
        o += n
        tag = None
        if flags & 2:
            tn, o = varint(self.data, o)
            tag = self.data[o:o + tn].decode('utf-8', 'replace')
        return nm, tag

    def kind(self, t): return self.u8(t + 23) & 0x1f

    def type_name(self, t):
        nm = self.name(self.base + self.i32(t + 40))[0]
        return nm[1:] if self.u8(t + 20) & 2 else nm

    def structs(self):
        """Maps 'pkg/path.Name' to the list of (field name, struct tag, field type) for every k8s struct."""
        seen, out, stack = set(), {}, [self.base + l for l in self.links]
        while stack:
            t = stack.pop()
            if t in seen or t == 0:
                continue
            seen.add(t)
            try:
                k = self.kind(t)
            except KeyError:
                continue
            if k in (GO_PTR, GO_SLICE, 17, 18):
                stack.append(self.u64(t + 48))
            elif k == GO_MAP:
                stack += [self.u64(t + 48), self.u64(t + 56)]
            elif k == GO_STRUCT:
                fp, fn = self.u64(t + 56), self.u64(t + 64)
                flds = []
                for i in range(fn):
                    nm, tag = self.name(self.u64(fp + 24 * i))
                    ft = self.u64(fp + 24 * i + 8)
                    flds.append((nm, tag, ft))
                    stack.append(ft)
                if self.u8(t + 20) & 1:
                    pkg = self.name(self.base + self.i32(t + 80))[0]
                    if pkg.startswith('k8s.io/'):
                        out[pkg.replace('/', '.') + '.' + self.type_name(t).split('.', 1)[1]] = flds
        return out


def go_fields(gb, flds):
    """Maps proto field number to (json name, omitempty, inline, go kind) from struct tags."""
    out = {}
    for _, tag, ft in flds:
        if not tag:
            continue
        pb = re.search(r'protobuf:"([^"]*)"', tag)
        if not pb or len(pb.group(1).split(',')) < 2:
            continue
        js = re.search(r'json:"([^"]*)"', tag)
        parts = js.group(1).split(',') if js else ['']
        out[int(pb.group(1).split(',')[1])] = (parts[0], 'omitempty' in parts[1:], 'inline' in parts[1:], gb.kind(ft))
    return out


def main():
    data = open(sys.argv[1], 'rb').read()
    outdir = sys.argv[2]
    descs = descriptors(data)
    gb = GoBinary(data)
    gostructs = gb.structs()
    declared, referenced = set(), set()
    for pkg in PACKAGES:
        lines, arrays = [], []

        def visit(m, prefix):
            mf = pb_fields(m)
            full = prefix + '.' + first(mf, 1).decode()
            opts = [pb_fields(o) for f, o in mf if f == 7]
            if any((7, 1) in o for o in opts):
                return  # map entry: folded into its map field
            entries = {}
            for f, v in mf:
                if f == 3:
                    nf = pb_fields(v)
                    entries[prefix + '.' + full.rsplit('.', 1)[1] + '.' + first(nf, 1).decode()] = nf
                    visit(v, full)
            declared.add(full)
            go = go_fields(gb, gostructs[full]) if full in gostructs else None
            if go is None and not full.endswith(('.Time', '.MicroTime')):
                # A message without a Go struct is a named slice ([]string): JSON is the bare array.
                arrays.append(full)
            lines.append(full)
            for f, v in mf:
                if f != 2:
                    continue
                fl = dict(pb_fields(v))
                num, label, typ = fl[3], fl[4], fl[5]
                tname = fl.get(6, b'').decode().lstrip('.')
                jname, omitempty, inline, kind = (go or {}).get(num, (fl[1].decode(), False, False, 0))
                if jname in ('', '-'):
                    jname = fl[1].decode()
                if typ == 11 and tname in entries:
                    kv = {first(pb_fields(x), 3): dict(pb_fields(x)) for f2, x in entries[tname] if f2 == 2}
                    key = SCALARS[kv[1][5]]
                    val = SCALARS.get(kv[2][5]) or kv[2][6].decode().lstrip('.')
                    if kv[2][5] == 11:
                        referenced.add(val)
                    lines.append(' %s %d map %s,%s' % (jname, num, key, val))
                    continue
                if typ == 11:
                    referenced.add(tname)
                    ty = tname
                else:
                    ty = SCALARS[typ]
                lab = 'repeated' if label == 3 else ('inline' if inline else 'optional')
                # A Go value field (not a pointer) with omitempty drops its zero value from JSON; a
                # pointer that is present on the wire was set, so its zero value is kept.
                flag = ' omitempty' if typ != 11 and label != 3 and omitempty and kind != GO_PTR else ''
                lines.append(' %s %d %s %s%s' % (jname, num, lab, ty, flag))

        for f, v in descs[pkg]:
            if f == 4:
                visit(v, pkg)
        with open('%s/%s.txt' % (outdir, pkg), 'w') as fh:
            fh.write('# Generated by generate.py from the kubectl v1.33 protobuf descriptors and Go struct tags.\n')
            fh.write('# Message lines are full names; field lines: jsonName number label type [omitempty].\n')
            fh.write('# label: optional | repeated | map (type key,value) | inline (fields merge into the parent).\n')
            for a in arrays:
                fh.write('!array %s\n' % a)
            fh.write('\n'.join(lines) + '\n')
    missing = referenced - declared
    if missing:
        sys.exit('referenced but not declared: %s' % sorted(missing))


if __name__ == '__main__':
    main()
