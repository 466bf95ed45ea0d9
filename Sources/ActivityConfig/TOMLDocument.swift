import Foundation
import TOMLKit
import ActivityCore

/// A parsed TOML file as plain Swift values, with the line of every key, so that every
/// configuration error can name the file, line and key (INTERFACE.md, exit 78).
struct TOMLDocument {
    indirect enum Node {
        case table([Field])
        case array([Node])
        case string(String)
        case int(Int)
        case double(Double)
        case bool(Bool)
        case date(year: Int, month: Int, day: Int)
        case other(String)

        var typeName: String {
            switch self {
            case .table: return "a table"
            case .array: return "an array"
            case .string: return "a string"
            case .int: return "an integer"
            case .double: return "a number"
            case .bool: return "true or false"
            case .date: return "a date"
            case .other(let t): return t
            }
        }
    }

    struct Field {
        var key: String
        var value: Node
    }

    let file: String
    let root: [Field]
    private let lines: [Substring]

    init(file: String, text: String) throws {
        self.file = file
        self.lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let table: TOMLTable
        try TOMLDocument.checkTableHeaders(text, file: file)
        do {
            table = try TOMLTable(string: text)
        } catch let e as TOMLParseError {
            throw ActivityError(.config, "\(file):\(e.source.begin.line): \(e.description); fix the TOML syntax on that line")
        }
        root = TOMLDocument.convert(table)
    }

    /// TOMLKit's toml++ aborts the process (an assertion, not an error) on a table header whose first key starts
    /// with anything but a bare-key character or a quote: `[工作]`, `[ =]`, a lone `[` (found by scripts/fuzz
    /// config). Such a header is refused here first, with the line and what to write instead.
    static func checkTableHeaders(_ text: String, file: String) throws {
        let b = Array(text.utf8)
        var depth = 0               // open [ and { of values
        var quote: [UInt8] = []     // the open string's delimiter: ", ', """ or '''
        var line = 1
        var atLineStart = true
        var i = 0
        func starts(_ s: [UInt8], at k: Int) -> Bool { b[k...].starts(with: s) }
        while i < b.count {
            let c = b[i]
            if c == 0x0A { line += 1; atLineStart = true; i += 1; continue }
            if !quote.isEmpty {
                if c == 0x5C, quote[0] == 0x22 { i += 2; continue }   // an escape in a basic string
                if starts(quote, at: i) { i += quote.count; quote = [] } else { i += 1 }
                continue
            }
            if c == 0x20 || c == 0x09 || c == 0x0D { i += 1; continue }
            let lineStart = atLineStart
            atLineStart = false
            switch c {
            case 0x23:  // a comment, to the end of the line
                while i < b.count, b[i] != 0x0A { i += 1 }
                continue
            case 0x22, 0x27:
                let triple = starts([c, c, c], at: i)
                quote = Array(repeating: c, count: triple ? 3 : 1)
                i += quote.count
                continue
            case 0x5B where lineStart && depth == 0:
                var k = i + 1
                if k < b.count, b[k] == 0x5B { k += 1 }
                while k < b.count, b[k] == 0x20 || b[k] == 0x09 { k += 1 }
                let first = k < b.count ? b[k] : 0x0A
                let letter = (first | 0x20) >= 0x61 && (first | 0x20) <= 0x7A
                let bare = letter || (0x30...0x39).contains(first) || first == 0x5F || first == 0x2D
                guard bare || first == 0x22 || first == 0x27 || first == 0x5D else {
                    throw ActivityError(.config, "\(file):\(line): a table name must be a bare key (letters, digits, _ and -) or quoted, like [\"工作\"]; fix the TOML syntax on that line")
                }
                // The rest of the header up to a quoted key or a comment: its brackets are not a value's.
                while k < b.count, b[k] != 0x0A, b[k] != 0x23, b[k] != 0x22, b[k] != 0x27 { k += 1 }
                i = k
                continue
            case 0x5B, 0x7B: depth += 1
            case 0x5D, 0x7D: depth = max(0, depth - 1)
            default: break
            }
            i += 1
        }
    }

    static func convert(_ table: TOMLTable) -> [Field] {
        table.keys.compactMap { key in table[key].map { Field(key: key, value: convert($0)) } }
    }

    static func convert(_ v: TOMLValueConvertible) -> Node {
        switch v.type {
        case .table: return .table(v.table.map(convert) ?? [])
        case .array: return .array(v.array.map { $0.map { convert($0) } } ?? [])
        case .string: return .string(v.string ?? "")
        case .int: return .int(v.int ?? 0)
        case .double: return .double(v.double ?? 0)
        case .bool: return .bool(v.bool ?? false)
        case .date:
            let d = v.date
            return .date(year: d?.year ?? 0, month: d?.month ?? 0, day: d?.day ?? 0)
        default: return .other("a \(v.type)")
        }
    }

    /// The 1-based line where `key` is set inside the table `section` (e.g. `ledger`, or the
    /// `index`-th `[[account]]`); falls back to the section header, then to line 1.
    func line(section: String?, index: Int? = nil, key: String?) -> Int {
        var current: String? = nil
        var arrayCounts: [String: Int] = [:]
        var currentIndex: Int? = nil
        var sectionLine: Int? = nil
        for (n, raw) in lines.enumerated() {
            let t = raw.trimmingCharacters(in: .whitespaces)
            if t.hasPrefix("[[") {
                let name = t.dropFirst(2).prefix { $0 != "]" }.trimmingCharacters(in: .whitespaces)
                current = name
                currentIndex = arrayCounts[name, default: 0]
                arrayCounts[name, default: 0] += 1
                if name == section && currentIndex == (index ?? 0) { sectionLine = n + 1 }
                continue
            }
            if t.hasPrefix("[") {
                let name = t.dropFirst(1).prefix { $0 != "]" }.trimmingCharacters(in: .whitespaces)
                current = name
                currentIndex = nil
                if name == section && index == nil { sectionLine = n + 1 }
                continue
            }
            guard let key, current == section, currentIndex == index || index == nil && currentIndex == nil else { continue }
            let keyPart = t.prefix { $0 != "=" }.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
            if keyPart == key && t.contains("=") { return n + 1 }
        }
        if section == nil, let key {
            // Top-level keys come before any header.
            for (n, raw) in lines.enumerated() {
                let t = raw.trimmingCharacters(in: .whitespaces)
                if t.hasPrefix("[") { break }
                if t.prefix(while: { $0 != "=" }).trimmingCharacters(in: .whitespaces) == key { return n + 1 }
            }
        }
        return sectionLine ?? 1
    }
}

/// Typed access to one table of the document, remembering where it is for messages.
struct TOMLSection {
    let document: TOMLDocument
    let name: String?            // "ledger", "account", nil for the root
    let index: Int?              // for [[array]] tables
    let label: String            // how messages name it: "[ledger]", "[[account]] alice-mail"
    let entries: [TOMLDocument.Field]
    /// For an inline table (`targets = { visit = 8 }`): the key whose line holds it.
    var inlineKey: String? = nil

    func node(_ key: String) -> TOMLDocument.Node? { entries.first { $0.key == key }?.value }
    var keys: [String] { entries.map(\.key) }

    func error(_ key: String?, _ message: String) -> ActivityError {
        let line = document.line(section: name, index: index, key: inlineKey ?? key)
        let where_ = key.map { "\(label) key \($0)" } ?? label
        return ActivityError(.config, "\(document.file):\(line): \(where_): \(message)")
    }

    func string(_ key: String) throws -> String? {
        guard let n = node(key) else { return nil }
        guard case .string(let s) = n else { throw error(key, "must be a string, not \(n.typeName)") }
        return s
    }

    func requiredString(_ key: String) throws -> String {
        guard let s = try string(key), !s.isEmpty else { throw error(key, "is required") }
        return s
    }

    func int(_ key: String) throws -> Int? {
        guard let n = node(key) else { return nil }
        guard case .int(let v) = n else { throw error(key, "must be an integer, not \(n.typeName)") }
        return v
    }

    func number(_ key: String) throws -> Double? {
        guard let n = node(key) else { return nil }
        switch n {
        case .int(let v): return Double(v)
        case .double(let v): return v
        default: throw error(key, "must be a number, not \(n.typeName)")
        }
    }

    func bool(_ key: String) throws -> Bool? {
        guard let n = node(key) else { return nil }
        guard case .bool(let v) = n else { throw error(key, "must be true or false, not \(n.typeName)") }
        return v
    }

    func strings(_ key: String) throws -> [String]? {
        guard let n = node(key) else { return nil }
        guard case .array(let items) = n else { throw error(key, "must be an array of strings, not \(n.typeName)") }
        return try items.map {
            guard case .string(let s) = $0 else { throw error(key, "must be an array of strings; found \($0.typeName)") }
            return s
        }
    }

    func table(_ key: String) throws -> TOMLSection? {
        guard let n = node(key) else { return nil }
        guard case .table(let e) = n else { throw error(key, "must be a table, not \(n.typeName)") }
        return TOMLSection(document: document, name: name, index: index, label: "\(label) key \(key)", entries: e,
                           inlineKey: inlineKey ?? key)
    }

    /// Refuses keys this section does not know: a typo must not be silently ignored.
    func onlyKnown(_ known: Set<String>) throws {
        for k in keys where !known.contains(k) {
            let hint = known.sorted().first { $0.levenshtein(k) <= 2 }.map { "; did you mean \($0)?" } ?? ""
            throw error(k, "unknown key\(hint)")
        }
    }
}

extension String {
    func levenshtein(_ other: String) -> Int {
        let a = Array(self), b = Array(other)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var prev = Array(0...b.count)
        for i in 1...a.count {
            var cur = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                cur[j] = Swift.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            prev = cur
        }
        return prev[b.count]
    }
}
