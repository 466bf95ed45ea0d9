#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Cuts the byte stream from a server into whole responses: a line, and for every line that
/// ends in a literal announcement (`{n}`, `{n+}`, `~{n}`) the n bytes that follow and the rest
/// of the response after them. It never looks at a byte twice while waiting for more data.
public struct IMAPResponseFramer: Sendable {
    private var buffer: [UInt8] = []
    /// Where the response being framed starts in `buffer`.
    private var start = 0
    /// How far `buffer` has been scanned for the end of the response.
    private var scan = 0
    /// Where the current line (after the last literal) starts.
    private var lineStart = 0

    public init() {}

    public mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        buffer.append(contentsOf: bytes)
    }

    /// The next complete response's bytes (CRLF included), or nil if more data is needed.
    public mutating func next() throws -> [UInt8]? {
        guard let r = try nextRange() else { return nil }
        return Array(buffer[r])
    }

    /// The next complete response handed to `body` in place, without a copy (the bytes are valid
    /// only during the call); nil, without calling `body`, if more data is needed.
    public mutating func next<T>(_ body: (UnsafeBufferPointer<UInt8>) throws -> T) throws -> T? {
        guard let r = try nextRange() else { return nil }
        return try buffer.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[r])) }
    }

    /// Where the next complete response lies in `buffer`, or nil if more data is needed.
    private mutating func nextRange() throws -> Range<Int>? {
        // The bytes returned last time are no longer needed.
        compactIfWorthIt()
        while scan < buffer.count {
            // The end of the line, if it has come, and no further than the longest line allowed
            // (a line without one within `maxLineLength` bytes is an error).
            let limit = min(buffer.count, lineStart + IMAPLimits.maxLineLength + 1)
            let found: Int? = buffer.withUnsafeBufferPointer { b in
                guard scan < limit, let base = b.baseAddress,
                      let p = memchr(base + scan, 0x0A, limit - scan) else { return nil }
                return base.distance(to: p.assumingMemoryBound(to: UInt8.self))
            }
            guard let lf = found else {
                if buffer.count > lineStart + IMAPLimits.maxLineLength {
                    throw IMAPProtocolError("a response line is longer than \(IMAPLimits.maxLineLength) bytes")
                }
                scan = buffer.count
                return nil
            }
            scan = lf
            // End of a line at scan. Does it announce a literal?
            var end = scan
            if end > lineStart && buffer[end - 1] == 0x0D { end -= 1 }
            if let size = try literalSize(endingAt: end) {
                let literalEnd = scan + 1 + size
                if literalEnd - start > IMAPLimits.maxResponseSize {
                    throw IMAPProtocolError("a response is larger than \(IMAPLimits.maxResponseSize) bytes")
                }
                guard literalEnd <= buffer.count else { return nil }
                scan = literalEnd
                lineStart = literalEnd
                continue
            }
            let response = start..<(scan + 1)
            scan += 1
            start = scan
            lineStart = scan
            return response
        }
        return nil
    }

    /// Bytes buffered but not yet returned (for diagnostics and tests).
    public var pendingCount: Int { buffer.count - start }

    private mutating func compactIfWorthIt() {
        if start > 1 << 16 && start * 2 > buffer.count {
            buffer.removeSubrange(0..<start)
            scan -= start
            lineStart -= start
            start = 0
        }
    }

    /// `{123}` or `{123+}` just before the line end; nil if the line ends otherwise.
    private func literalSize(endingAt end: Int) throws -> Int? {
        guard end > lineStart, buffer[end - 1] == UInt8(ascii: "}") else { return nil }
        var i = end - 2
        if i >= lineStart && buffer[i] == UInt8(ascii: "+") { i -= 1 }
        let digitsEnd = i + 1
        while i >= lineStart && buffer[i] >= 0x30 && buffer[i] <= 0x39 { i -= 1 }
        guard i >= lineStart, buffer[i] == UInt8(ascii: "{"), i + 1 < digitsEnd else { return nil }
        if digitsEnd - (i + 1) > 10 {
            throw IMAPProtocolError("a literal announces more than \(IMAPLimits.maxLiteralSize) bytes")
        }
        var size = 0
        for d in buffer[(i + 1)..<digitsEnd] { size = size * 10 + Int(d - 0x30) }
        if size > IMAPLimits.maxLiteralSize {
            throw IMAPProtocolError("a literal announces \(size) bytes, more than the limit of \(IMAPLimits.maxLiteralSize)")
        }
        return size
    }
}
