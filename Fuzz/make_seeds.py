#!/usr/bin/env python3
"""Shrinks real Go binaries into small fuzz seeds that keep every structure GoBinary reads.

A Go binary is megabytes of code the parsers never look at. Each seed keeps the headers, the
tables, the program interpreter, notes, the section that holds the build info (ELF .go.buildinfo,
Mach-O __go_buildinfo, the start of the PE .data section, the start of the XCOFF .data section and
of the Plan 9 data segment) and, for wasm, the import, export and
producers sections and the data segments that hold the module info and the version string.
Offsets are rewritten to the new layout; data the parsers do not read is dropped.

Usage: make_seeds.py OUTDIR BINARY...
"""
import os
import struct
import sys


def align(n, a):
    return (n + a - 1) // a * a


def shrink_elf(b):
    is64 = b[4] == 2
    e = '<' if b[5] == 1 else '>'
    if is64:
        (phoff, shoff) = struct.unpack_from(e + 'QQ', b, 32)
        (ehsize, phentsize, phnum, shentsize, shnum, shstrndx) = struct.unpack_from(e + 'HHHHHH', b, 52)
    else:
        (phoff, shoff) = struct.unpack_from(e + 'II', b, 28)
        (ehsize, phentsize, phnum, shentsize, shnum, shstrndx) = struct.unpack_from(e + 'HHHHHH', b, 40)
    phdrs = [bytearray(b[phoff + i * phentsize: phoff + (i + 1) * phentsize]) for i in range(phnum)]
    shdrs = [bytearray(b[shoff + i * shentsize: shoff + (i + 1) * shentsize]) for i in range(shnum)]

    def sh(s):  # name, type, offset, size
        if is64:
            name, typ = struct.unpack_from(e + 'II', s, 0)
            off, size = struct.unpack_from(e + 'QQ', s, 24)
        else:
            name, typ = struct.unpack_from(e + 'II', s, 0)
            off, size = struct.unpack_from(e + 'II', s, 16)
        return name, typ, off, size

    def set_sh(s, off, size):
        if is64:
            struct.pack_into(e + 'QQ', s, 24, off, size)
        else:
            struct.pack_into(e + 'II', s, 16, off, size)

    strtab_off, strtab_size = sh(shdrs[shstrndx])[2:4]
    names = b[strtab_off: strtab_off + strtab_size]

    def name_of(s):
        n = sh(s)[0]
        return names[n: names.index(b'\0', n)].decode(errors='replace')

    out = bytearray(b[:ehsize])
    out += b'\0' * (phnum * phentsize)
    keep = lambda n: n in ('.go.buildinfo', '.interp', '.shstrtab') or n.startswith('.note')
    placed = {}
    for i, s in enumerate(shdrs):
        n, typ, off, size = sh(s)
        if i != 0 and keep(name_of(s)) and typ != 8 and size <= 1 << 16:
            out += b'\0' * (align(len(out), 16) - len(out))
            placed[(off, size)] = len(out)
            set_sh(s, len(out), size)
            out += b[off: off + size]
        elif i != 0:
            set_sh(s, 0, 0 if typ != 8 else size)
    for p in phdrs:
        ptype = struct.unpack_from(e + 'I', p, 0)[0]
        if is64:
            off, filesz = struct.unpack_from(e + 'Q', p, 8)[0], struct.unpack_from(e + 'Q', p, 32)[0]
        else:
            off, filesz = struct.unpack_from(e + 'I', p, 4)[0], struct.unpack_from(e + 'I', p, 16)[0]
        new_off = placed.get((off, filesz), 0)
        new_size = filesz if (off, filesz) in placed else 0
        if ptype == 3 and (off, filesz) not in placed:
            out += b[off: off + filesz]
            new_off, new_size = len(out) - filesz, filesz
        if is64:
            struct.pack_into(e + 'Q', p, 8, new_off)
            struct.pack_into(e + 'QQ', p, 32, new_size, new_size)
        else:
            struct.pack_into(e + 'I', p, 4, new_off)
            struct.pack_into(e + 'II', p, 16, new_size, new_size)
    out[ehsize: ehsize + phnum * phentsize] = b''.join(phdrs)
    out += b'\0' * (align(len(out), 8) - len(out))
    new_shoff = len(out)
    out += b''.join(shdrs)
    if is64:
        struct.pack_into(e + 'QQ', out, 32, ehsize if phnum else 0, new_shoff)
    else:
        struct.pack_into(e + 'II', out, 28, ehsize if phnum else 0, new_shoff)
    return bytes(out)


def shrink_macho(b):
    magic = struct.unpack_from('<I', b, 0)[0]
    e = '<' if magic in (0xfeedfacf, 0xfeedface) else '>'
    is64 = struct.unpack_from(e + 'I', b, 0)[0] == 0xfeedfacf
    hsize = 32 if is64 else 28
    ncmds, sizeofcmds = struct.unpack_from(e + 'II', b, 16)
    cmds = bytearray(b[hsize: hsize + sizeofcmds])
    tail = bytearray()
    base = align(hsize + sizeofcmds, 16)
    p = 0
    for _ in range(ncmds):
        cmd, size = struct.unpack_from(e + 'II', cmds, p)
        if cmd in (0x19, 0x1):
            wide = cmd == 0x19
            if wide:
                struct.pack_into(e + 'QQ', cmds, p + 40, 0, 0)
                nsects = struct.unpack_from(e + 'I', cmds, p + 64)[0]
                first, ssize, offpos, sizepos = 72, 80, 48, 40
            else:
                struct.pack_into(e + 'II', cmds, p + 32, 0, 0)
                nsects = struct.unpack_from(e + 'I', cmds, p + 48)[0]
                first, ssize, offpos, sizepos = 56, 68, 40, 36
            for k in range(nsects):
                s = p + first + k * ssize
                name = bytes(cmds[s: s + 16]).rstrip(b'\0')
                off = struct.unpack_from(e + 'I', cmds, s + offpos)[0]
                ssz = struct.unpack_from(e + ('Q' if wide else 'I'), cmds, s + sizepos)[0]
                if name == b'__go_buildinfo':
                    struct.pack_into(e + 'I', cmds, s + offpos, base + len(tail))
                    tail += b[off: off + ssz]
                else:
                    struct.pack_into(e + 'I', cmds, s + offpos, 0)
        p += size
    out = bytearray(b[:hsize]) + cmds
    out += b'\0' * (base - len(out))
    return bytes(out + tail)


def shrink_pe(b):
    lfanew = struct.unpack_from('<I', b, 0x3c)[0]
    nsect = struct.unpack_from('<H', b, lfanew + 6)[0]
    optsize = struct.unpack_from('<H', b, lfanew + 20)[0]
    hdr = bytearray(b[lfanew: lfanew + 24 + optsize + 40 * nsect])
    struct.pack_into('<II', hdr, 12, 0, 0)  # no COFF symbol table
    dos = bytearray(b[:64])
    struct.pack_into('<I', dos, 0x3c, 64)
    base = align(64 + len(hdr), 16)
    tail = bytearray()
    data_done = False
    for i in range(nsect):
        s = 24 + optsize + 40 * i
        vsize, vaddr, rawsize, rawoff = struct.unpack_from('<IIII', hdr, s + 8)
        flags = struct.unpack_from('<I', hdr, s + 36)[0]
        if not data_done and vaddr and vsize and flags & ~0x600000 == 0xC0000040:
            data_done = True
            keep = min(vsize, rawsize, 4096)
            struct.pack_into('<IIII', hdr, s + 8, keep, vaddr, keep, base)
            tail += b[rawoff: rawoff + keep]
        else:
            struct.pack_into('<II', hdr, s + 16, 0, 0)
    out = dos + hdr
    out += b'\0' * (base - len(out))
    return bytes(out + tail)


def shrink_xcoff(b):
    # 64-bit XCOFF: file header, auxiliary header and section table kept; only the start of the
    # first STYP_DATA section keeps its bytes; no symbol table.
    nscns, = struct.unpack_from('>H', b, 2)
    opthdr, = struct.unpack_from('>H', b, 16)
    end = 24 + opthdr + 72 * nscns
    out = bytearray(b[:end])
    struct.pack_into('>Q', out, 8, 0)  # f_symptr
    struct.pack_into('>I', out, 20, 0)  # f_nsyms
    base = align(end, 16)
    tail = bytearray()
    data_done = False
    for i in range(nscns):
        h = 24 + opthdr + 72 * i
        size, scnptr = struct.unpack_from('>QQ', out, h + 24)
        flags, = struct.unpack_from('>I', out, h + 64)
        if not data_done and flags == 0x40 and scnptr:
            data_done = True
            keep = min(size, 4096)
            struct.pack_into('>QQ', out, h + 24, keep, base)
            tail += b[scnptr: scnptr + keep]
        else:
            struct.pack_into('>Q', out, h + 32, 0)
        struct.pack_into('>Q', out, h + 40, 0)  # s_relptr
        struct.pack_into('>Q', out, h + 48, 0)  # s_lnnoptr
    out += b'\0' * (base - len(out))
    return bytes(out + tail)


def shrink_plan9(b):
    # Plan 9 a.out: the header (40 bytes with the 64-bit flag 0x8000) and the start of the data
    # segment; text and the tables are dropped (the data address stays page-aligned).
    magic, text, data = struct.unpack_from('>III', b, 0)
    hdr = 40 if magic & 0x8000 else 32
    keep = min(data, 4096)
    out = bytearray(b[:hdr])
    struct.pack_into('>III', out, 4, 0, keep, struct.unpack_from('>I', b, 12)[0])
    struct.pack_into('>I', out, 16, 0)  # syms
    struct.pack_into('>II', out, 24, 0, 0)  # spsz, pcsz
    return bytes(out + b[hdr + text: hdr + text + keep])


PLAN9_MAGICS = (0x01eb, 0x8a97, 0x0647)


def uleb(b, i):
    r = s = 0
    while True:
        x = b[i]
        i += 1
        r |= (x & 0x7f) << s
        s += 7
        if x < 0x80:
            return r, i


def enc_uleb(n):
    out = bytearray()
    while True:
        x = n & 0x7f
        n >>= 7
        if n:
            out.append(x | 0x80)
        else:
            out.append(x)
            return bytes(out)


INFO_START = bytes.fromhex('3077af0c9274080241e1c107e6d618e6')


def shrink_wasm(b):
    out = bytearray(b[:8])
    i = 8
    while i < len(b):
        sid = b[i]
        size, j = uleb(b, i + 1)
        body = b[j: j + size]
        i = j + size
        if sid in (1, 2, 7):
            out += bytes([sid]) + enc_uleb(size) + body
        elif sid == 0:
            n, k = uleb(body, 0)
            if body[k: k + n] in (b'producers', b'go:buildid'):
                out += bytes([sid]) + enc_uleb(size) + body
        elif sid == 11:
            count, k = uleb(body, 0)
            kept = []
            for idx in range(count):
                start = k
                flags, k = uleb(body, k)
                if flags == 0:
                    k += 1
                    _, k = uleb(body, k)
                    k += 1
                elif flags == 2:
                    _, k = uleb(body, k)
                    k += 1
                    _, k = uleb(body, k)
                    k += 1
                n, k = uleb(body, k)
                seg = body[k: k + n]
                k += n
                if (INFO_START in seg or b'go1.' in seg) and n < 8192 or idx < 3 and n < 512:
                    kept.append(body[start:k])
                if idx > 64:
                    break
            data = enc_uleb(len(kept)) + b''.join(kept)
            out += bytes([11]) + enc_uleb(len(data)) + data
    return bytes(out)


def fat(slices):
    # (cputype, cpusubtype, bytes) -> universal file with 4 KiB alignment.
    head = struct.pack('>II', 0xcafebabe, len(slices))
    offset = 4096
    entries, body = b'', b''
    layout = []
    for cpu, sub, data in slices:
        layout.append((offset, data))
        entries += struct.pack('>IIIII', cpu, sub, offset, len(data), 12)
        offset = align(offset + len(data), 4096)
    out = bytearray(head + entries)
    for off, data in layout:
        out += b'\0' * (off - len(out))
        out += data
    return bytes(out)


def main():
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    machos = []
    for path in sys.argv[2:]:
        b = open(path, 'rb').read()
        name = os.path.basename(path)
        try:
            if b[:4] == b'\x7fELF':
                seed = shrink_elf(b)
            elif b[:2] == b'MZ':
                seed = shrink_pe(b)
            elif b[:4] == b'\0asm':
                seed = shrink_wasm(b)
            elif b[:2] == b'\x01\xf7':
                seed = shrink_xcoff(b)
            elif len(b) >= 4 and struct.unpack_from('>I', b, 0)[0] in PLAN9_MAGICS:
                seed = shrink_plan9(b)
            elif b[:4] in (b'\xcf\xfa\xed\xfe', b'\xce\xfa\xed\xfe', b'\xfe\xed\xfa\xcf', b'\xfe\xed\xfa\xce'):
                seed = shrink_macho(b)
                cpu, sub = struct.unpack_from('<II', b, 4)
                machos.append((cpu, sub & 0xffffff, seed))
            else:
                continue
        except Exception as exc:  # a seed is optional; never stop for one
            print(f'make_seeds: {name}: {exc}', file=sys.stderr)
            continue
        open(os.path.join(outdir, name + '.seed'), 'wb').write(seed)
    if len(machos) >= 2:
        open(os.path.join(outdir, 'universal.seed'), 'wb').write(fat(machos[:2]))


if __name__ == '__main__':
    main()
