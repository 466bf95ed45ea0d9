import Foundation

/// Output built as bytes (no `String` growing by appends): kept whole, or written to a file
/// descriptor in pieces of 64 KB as it fills, so that a report of tens of megabytes never lives
/// in memory at once (issue 19: growing one big buffer was a third of the export's time, in
/// page faults).
struct ByteWriter {
    var bytes: [UInt8] = []
    /// Where full pieces go; -1 keeps everything in `bytes`.
    let fd: Int32
    /// The errno of a failed write (the rest is then dropped), 0 if none.
    private(set) var failure: Int32 = 0

    static let piece = 1 << 16

    init(fd: Int32 = -1, capacity: Int = 0) {
        self.fd = fd
        bytes.reserveCapacity(fd >= 0 ? ByteWriter.piece + ByteWriter.piece / 2 : capacity)
    }

    @inline(__always) mutating func append(_ s: String) { bytes.append(contentsOf: s.utf8) }
    @inline(__always) mutating func append(_ s: Substring) { bytes.append(contentsOf: s.utf8) }
    @inline(__always) mutating func append(byte: UInt8) { bytes.append(byte) }
    @inline(__always) mutating func append<S: Sequence>(contentsOf s: S) where S.Element == UInt8 { bytes.append(contentsOf: s) }

    /// A decimal integer, without a `String`.
    mutating func append(int n: Int) {
        if n >= 0 && n < 10 { bytes.append(0x30 + UInt8(n)); return }
        var v = n.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // up to 20 digits, stored backwards
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buf in
            repeat {
                buf[count] = 0x30 + UInt8(v % 10)
                v /= 10
                count += 1
            } while v > 0
        }
        if n < 0 { bytes.append(UInt8(ascii: "-")) }
        withUnsafeBytes(of: &digits) { buf in
            for i in stride(from: count - 1, through: 0, by: -1) { bytes.append(buf[i]) }
        }
    }

    /// Writes out what is buffered if a piece is full (call between values).
    @inline(__always) mutating func checkpoint() {
        if fd >= 0 && bytes.count >= ByteWriter.piece { flush() }
    }

    /// Writes out everything buffered (nothing when keeping).
    mutating func flush() {
        guard fd >= 0, !bytes.isEmpty else { return }
        if failure == 0 {
            bytes.withUnsafeBytes { buf in
                var done = 0
                while done < buf.count {
                    let n = write(fd, buf.baseAddress! + done, buf.count - done)
                    if n < 0 {
                        if errno == EINTR { continue }
                        failure = errno
                        return
                    }
                    done += n
                }
            }
        }
        bytes.removeAll(keepingCapacity: true)
    }

    /// What was kept, as a string (`fd` -1).
    var string: String { String(decoding: bytes, as: UTF8.self) }
}
