/// FNV-1a: the one home of the hash behind activity ids, mail-item digests and the header
/// index (not for security). 64 bits where the result is stored or shown, 32 bits for the
/// in-memory header index.
public struct FNV1a64 {
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325
    public init() {}
    @inline(__always)
    public mutating func add(_ byte: UInt8) {
        value ^= UInt64(byte)
        value = value &* 0x100_0000_01b3
    }
    @inline(__always)
    public mutating func add(_ text: String) {
        for b in text.utf8 { add(b) }
    }
    /// 16 lower-case hex digits.
    public var hex: String { Hex.lowercase(value) }
}

public struct FNV1a32 {
    public private(set) var value: UInt32 = 0x811C_9DC5
    public init() {}
    @inline(__always)
    public mutating func add(_ byte: UInt8) {
        value = (value ^ UInt32(byte)) &* 0x0100_0193
    }
}

/// A stable digest of a sequence of strings for keys: FNV-1a 64 of each string followed by
/// 0xFF (a byte UTF-8 never holds), so `["ab", "c"]` and `["a", "bc"]` differ.
public struct Digest {
    private var h = FNV1a64()
    public init() {}
    public mutating func add(_ s: String) {
        h.add(s)
        h.add(0xFF)
    }
    public var hex: String { h.hex }
}
