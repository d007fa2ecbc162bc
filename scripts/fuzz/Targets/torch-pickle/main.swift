import FuzzSupport
import VPSCheckpoint

// The input is `data.pkl`. It is stored in a well-formed torch.save zip
// beside storages "0"…"7" of 0, 1, 2, 4, …, 4096 bytes, so that every
// execution reaches the unpickler and tensors can be materialised.
Fuzz.main { bytes in
    var entries: [(String, [UInt8])] = [("archive/data.pkl", bytes)]
    for k in 0..<8 {
        let n = k == 0 ? 0 : 1 << (2 * k - 2)
        entries.append(("archive/data/\(k)", (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37) }))
    }
    let zip = storedZip(entries)
    Fuzz.rejectsCleanly { _ = try TorchCheckpoint.decode(zip) }
}

/// An uncompressed zip archive as torch.save writes it (no CRCs: the reader checks none).
func storedZip(_ entries: [(String, [UInt8])]) -> [UInt8] {
    var out: [UInt8] = [], central: [UInt8] = []
    func u16(_ v: Int, _ b: inout [UInt8]) { b += [UInt8(v & 0xff), UInt8(v >> 8 & 0xff)] }
    func u32(_ v: Int, _ b: inout [UInt8]) { u16(v & 0xffff, &b); u16(v >> 16 & 0xffff, &b) }
    for (name, body) in entries {
        let offset = out.count, n = Array(name.utf8)
        u32(0x0403_4b50, &out); u16(20, &out); u16(0, &out); u16(0, &out); u16(0, &out); u16(0, &out)
        u32(0, &out); u32(body.count, &out); u32(body.count, &out); u16(n.count, &out); u16(0, &out)
        out += n + body
        u32(0x0201_4b50, &central); u16(20, &central); u16(20, &central); u16(0, &central); u16(0, &central)
        u16(0, &central); u16(0, &central); u32(0, &central); u32(body.count, &central); u32(body.count, &central)
        u16(n.count, &central); u16(0, &central); u16(0, &central); u16(0, &central); u16(0, &central)
        u32(0, &central); u32(offset, &central)
        central += n
    }
    let cdOffset = out.count
    out += central
    u32(0x0605_4b50, &out); u16(0, &out); u16(0, &out); u16(entries.count, &out); u16(entries.count, &out)
    u32(central.count, &out); u32(cdOffset, &out); u16(0, &out)
    return out
}
