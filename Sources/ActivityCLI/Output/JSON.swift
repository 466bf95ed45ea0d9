import Foundation
import ActivityCore

/// JSON with keys in the order they are written, as INTERFACE.md shows them: scripts diff it.
public indirect enum JSON: Sendable, Equatable {
    case object([(String, JSON)])
    case array([JSON])
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case null

    public static func == (a: JSON, b: JSON) -> Bool { a.serialized() == b.serialized() }

    public static func optional(_ s: String?) -> JSON { s.map(JSON.string) ?? .null }

    /// Compact (one line) or indented with two spaces.
    public func serialized(pretty: Bool = false) -> String {
        var out = ByteWriter()
        write(to: &out, pretty: pretty, indent: 0)
        return out.string
    }

    /// Writes the value at nesting level `indent` (what follows the key or the array's
    /// newline), flushing `out` between elements when it writes to a file.
    func write(to out: inout ByteWriter, pretty: Bool, indent: Int) {
        // No padding strings made per value (a week of a hundred reps is half a million values).
        switch self {
        case .object(let fields):
            if fields.isEmpty { out.append(contentsOf: "{}".utf8); return }
            out.append(byte: UInt8(ascii: "{"))
            for (i, (k, v)) in fields.enumerated() {
                JSON.newline(indent + 1, pretty: pretty, to: &out)
                JSON.writeString(k, to: &out)
                if pretty { out.append(byte: UInt8(ascii: ":")); out.append(byte: 0x20) } else { out.append(byte: UInt8(ascii: ":")) }
                v.write(to: &out, pretty: pretty, indent: indent + 1)
                if i < fields.count - 1 { out.append(byte: UInt8(ascii: ",")) }
            }
            JSON.newline(indent, pretty: pretty, to: &out)
            out.append(byte: UInt8(ascii: "}"))
        case .array(let items):
            if items.isEmpty { out.append(contentsOf: "[]".utf8); return }
            out.append(byte: UInt8(ascii: "["))
            for (i, v) in items.enumerated() {
                JSON.newline(indent + 1, pretty: pretty, to: &out)
                v.write(to: &out, pretty: pretty, indent: indent + 1)
                if i < items.count - 1 { out.append(byte: UInt8(ascii: ",")) }
                out.checkpoint()
            }
            JSON.newline(indent, pretty: pretty, to: &out)
            out.append(byte: UInt8(ascii: "]"))
        case .string(let s): JSON.writeString(s, to: &out)
        case .int(let n): out.append(int: n)
        case .double(let d):
            if d.isFinite && d == d.rounded() && abs(d) < 1e15 { out.append(int: Int(d)) } else if d.isFinite { out.append(String(d)) } else { out.append(contentsOf: "null".utf8) }
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .null: out.append(contentsOf: "null".utf8)
        }
    }

    /// `.object(fields + [(key, .array(items))]).serialized(pretty: true)` written to `out`
    /// with the last array's elements made one at a time by `items` (a report's long list never
    /// becomes one tree).
    static func writeObject<S: Sequence>(_ fields: [(String, JSON)], thenArray key: String, of items: S, to out: inout ByteWriter)
        where S.Element == JSON {
        out.append(byte: UInt8(ascii: "{"))
        for (k, v) in fields {
            newline(1, pretty: true, to: &out)
            writeString(k, to: &out)
            out.append(": ")
            v.write(to: &out, pretty: true, indent: 1)
            out.append(byte: UInt8(ascii: ","))
        }
        newline(1, pretty: true, to: &out)
        writeString(key, to: &out)
        out.append(": ")
        var first = true
        for item in items {
            out.append(byte: first ? UInt8(ascii: "[") : UInt8(ascii: ","))
            first = false
            newline(2, pretty: true, to: &out)
            item.write(to: &out, pretty: true, indent: 2)
            out.checkpoint()
        }
        if first { out.append("[]") } else { newline(1, pretty: true, to: &out); out.append(byte: UInt8(ascii: "]")) }
        newline(0, pretty: true, to: &out)
        out.append(byte: UInt8(ascii: "}"))
    }

    /// A newline and two spaces a level (pretty), nothing (compact).
    @inline(__always) static func newline(_ level: Int, pretty: Bool, to out: inout ByteWriter) {
        guard pretty else { return }
        out.append(byte: 0x0A)
        out.append(contentsOf: repeatElement(0x20 as UInt8, count: 2 * level))
    }

    static func writeString(_ s: String, to out: inout ByteWriter) {
        out.append(byte: 0x22)
        // Most strings need no escape: append them whole (0xE2 leads U+2028 and U+2029).
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || $0 == 0xE2 }) {
            out.append(s)
            out.append(byte: 0x22)
            return
        }
        for u in s.unicodeScalars {
            switch u {
            case "\"": out.append("\\\"")
            case "\\": out.append("\\\\")
            case "\n": out.append("\\n")
            case "\r": out.append("\\r")
            case "\t": out.append("\\t")
            default:
                if u.value < 0x20 || u.value == 0x2028 || u.value == 0x2029 {
                    out.append(String(format: "\\u%04x", u.value))
                } else {
                    out.append(contentsOf: UTF8.encode(u)!)
                }
            }
        }
        out.append(byte: 0x22)
    }
}

/// RFC 3339 with the offset of a zone: `2026-11-17T10:00:00+08:00`.
public func rfc3339(_ date: Date, in zone: TimeZone) -> String { LocalTimestamp.rfc3339(date, in: zone) }

public func isoDate(_ date: Date, in zone: TimeZone) -> String { LocalTimestamp.isoDate(date, in: zone) }
