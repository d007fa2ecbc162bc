import Foundation

/// A minimal reader for the uncompressed ("stored") zip archives that
/// `torch.save` writes. Entries are located through the central directory;
/// compressed entries, encryption and multi-disk archives are rejected.
struct ZipArchive {
    let bytes: [UInt8]
    let path: String
    /// Entry name → (offset of the data, size).
    private(set) var entries: [String: (offset: Int, size: Int)] = [:]
    private(set) var order: [String] = []

    init(bytes: [UInt8], path: String) throws {
        self.bytes = bytes
        self.path = path
        func bad(_ r: String) -> CheckpointError { .malformed(path: path, reason: r) }
        guard bytes.count >= 22 else { throw bad("too short to be a zip archive") }
        // End of central directory: the last "PK\u{5}\u{6}" within 64 KiB + 22 bytes of the end.
        var eocd = -1
        var i = bytes.count - 22
        while i >= max(0, bytes.count - 22 - 65_535) {
            if bytes[i] == 0x50 && bytes[i + 1] == 0x4b && bytes[i + 2] == 5 && bytes[i + 3] == 6 { eocd = i; break }
            i -= 1
        }
        guard eocd >= 0 else { throw bad("no zip end-of-central-directory record (truncated?)") }
        var count = Int(u16(eocd + 10))
        var cdOffset = Int(u32(eocd + 16))
        if count == 0xFFFF || cdOffset == 0xFFFF_FFFF {
            // Zip64: the locator sits just before the EOCD.
            let loc = eocd - 20
            guard loc >= 0, u32(loc) == 0x0706_4b50 else { throw bad("zip64 archive without a locator") }
            let rec = Int(truncatingIfNeeded: u64(loc + 8))
            guard rec >= 0, rec <= bytes.count - 56, u32(rec) == 0x0606_4b50 else { throw bad("bad zip64 end record") }
            count = Int(truncatingIfNeeded: u64(rec + 32))
            cdOffset = Int(truncatingIfNeeded: u64(rec + 48))
        }
        guard count >= 0, cdOffset >= 0 else { throw bad("central directory location is invalid") }
        var p = cdOffset
        for _ in 0..<count {
            guard p <= bytes.count - 46, u32(p) == 0x0201_4b50 else { throw bad("central directory is damaged") }
            let method = u16(p + 10)
            var size = Int(u32(p + 20))
            let nameLen = Int(u16(p + 28)), extraLen = Int(u16(p + 30)), commentLen = Int(u16(p + 32))
            var local = Int(u32(p + 42))
            guard p + 46 + nameLen + extraLen <= bytes.count else { throw bad("central directory is damaged") }
            let name = String(decoding: bytes[(p + 46)..<(p + 46 + nameLen)], as: UTF8.self)
            // Zip64 extra field (id 1) carries sizes/offsets that overflow 32 bits.
            var e = p + 46 + nameLen
            let eEnd = e + extraLen
            while e + 4 <= eEnd {
                let id = u16(e), len = Int(u16(e + 2))
                if id == 1 {
                    var q = e + 4
                    if u32(p + 24) == 0xFFFF_FFFF { q += 8 } // uncompressed size first
                    if u32(p + 20) == 0xFFFF_FFFF, q + 8 <= eEnd { size = Int(truncatingIfNeeded: u64(q)); q += 8 }
                    if u32(p + 42) == 0xFFFF_FFFF, q + 8 <= eEnd { local = Int(truncatingIfNeeded: u64(q)) }
                }
                e += 4 + len
            }
            guard method == 0 else { throw bad("entry \(name) is compressed (method \(method)); torch.save stores entries uncompressed") }
            guard local >= 0, local <= bytes.count - 30, u32(local) == 0x0403_4b50 else { throw bad("entry \(name) has no local header") }
            let dataStart = local + 30 + Int(u16(local + 26)) + Int(u16(local + 28))
            guard size >= 0, size <= bytes.count - dataStart else { throw bad("entry \(name) runs past the end of the file (truncated?)") }
            entries[name] = (dataStart, size)
            order.append(name)
            p += 46 + nameLen + extraLen + commentLen
        }
    }

    func data(_ name: String) -> ArraySlice<UInt8>? {
        guard let e = entries[name] else { return nil }
        return bytes[e.offset..<(e.offset + e.size)]
    }

    private func u16(_ o: Int) -> UInt16 { UInt16(bytes[o]) | UInt16(bytes[o + 1]) << 8 }
    private func u32(_ o: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(bytes[o + $1]) << (8 * UInt32($1)) } }
    private func u64(_ o: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(bytes[o + $1]) << (8 * UInt64($1)) } }
}
