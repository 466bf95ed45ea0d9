/// The IMAP4rev1 responses the sync reads (RFC 3501 §7, RFC 4551, RFC 5258, RFC 6154).
/// Values are kept close to the grammar; `IMAPResponseParser` builds them from raw bytes.

/// One value of a response: an atom (numbers, flags and `BODY[...]` section names included),
/// a string (quoted or literal, as raw bytes), NIL, or a parenthesised list.
// Not `indirect`: every payload is already heap-backed, and a box per value cost an allocation
// for every atom, string and list of every FETCH answer.
public enum IMAPValue: Equatable, Sendable {
    case atom(String)
    case string([UInt8])
    case nilValue
    case list([IMAPValue])

    public var atom: String? { if case .atom(let a) = self { return a } else { return nil } }
    public var number: Int? { if case .atom(let a) = self { return Int(a) } else { return nil } }
    public var list: [IMAPValue]? { if case .list(let l) = self { return l } else { return nil } }
    /// A string's bytes; an atom's bytes too (astring), nil for NIL and lists.
    public var bytes: [UInt8]? {
        switch self {
        case .string(let b): return b
        case .atom(let a): return Array(a.utf8)
        default: return nil
        }
    }
    /// A string or atom as text (UTF-8, invalid bytes replaced).
    public var text: String? { bytes.map { String(decoding: $0, as: UTF8.self) } }
}

public enum IMAPStatus: String, Sendable {
    case ok = "OK", no = "NO", bad = "BAD", bye = "BYE", preauth = "PREAUTH"
}

/// `[UIDVALIDITY 3857529045]`: the name and what follows it.
public struct IMAPResponseCode: Equatable, Sendable {
    public var name: String
    public var values: [IMAPValue]
}

public enum IMAPResponse: Equatable, Sendable {
    /// `a1 OK [READ-ONLY] EXAMINE completed`
    case tagged(tag: String, status: IMAPStatus, code: IMAPResponseCode?, text: String)
    /// `* OK [UIDVALIDITY 1] ...`, `* BYE ...`
    case untaggedStatus(status: IMAPStatus, code: IMAPResponseCode?, text: String)
    /// `* 23 EXISTS`, `* 5 FETCH (...)`
    case numbered(number: Int, name: String, values: [IMAPValue])
    /// `* CAPABILITY ...`, `* LIST ...`, `* SEARCH ...`, `* STATUS ...`
    case data(name: String, values: [IMAPValue])
    /// `+ ...`
    case continuation(text: String)
}

/// Limits against hostile or broken servers. A server that exceeds one is cut off with an error
/// rather than allowed to grow our memory without bound.
public enum IMAPLimits {
    /// One line of a response, literals excluded.
    public static let maxLineLength = 1 << 20
    /// One literal: headers and a calendar part are far smaller than this.
    public static let maxLiteralSize = 32 << 20
    /// A whole response, literals included.
    public static let maxResponseSize = 64 << 20
    /// Nesting of parenthesised lists (BODYSTRUCTURE nests a level per MIME part).
    public static let maxDepth = 64
    /// Header fields fetched per message (a partial FETCH): real header blocks are a few KiB.
    public static let maxHeaderBytes = 256 << 10
    /// One `text/calendar` part of an invitation (a partial FETCH): real ones are a few KiB.
    public static let maxCalendarPartBytes = 1 << 20
}

public struct IMAPProtocolError: Error, Equatable, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
