/// Aligned columns for people, with East Asian wide characters counted as two cells, so that
/// 王丽 lines up with alice.
public struct TextTable {
    public var header: [String]
    public var rows: [[String]] = []
    /// Columns aligned to the right (numbers).
    public var rightAligned: Set<Int> = []

    public init(header: [String], rightAligned: Set<Int> = []) {
        self.header = header
        self.rightAligned = rightAligned
    }

    public mutating func add(_ row: [String]) { rows.append(row) }

    public func render() -> String {
        let all = [header] + rows
        var widths = Array(repeating: 0, count: header.count)
        for r in all { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], displayWidth(c)) } }
        var out = ""
        for (n, r) in all.enumerated() {
            var line = ""
            for (i, c) in r.enumerated() where i < widths.count {
                let padding = String(repeating: " ", count: widths[i] - displayWidth(c))
                let cell = rightAligned.contains(i) ? padding + c : c + padding
                line += (i == 0 ? "" : "  ") + cell
            }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
            if n == 0 {
                out += widths.enumerated().map { String(repeating: "-", count: $0.element) }.joined(separator: "  ") + "\n"
            }
        }
        return out
    }
}

/// Terminal cells a string takes: 2 for East Asian wide and full-width characters, 0 for
/// combining marks, 1 otherwise.
public func displayWidth(_ s: String) -> Int {
    var w = 0
    for u in s.unicodeScalars {
        let v = u.value
        if v < 0x300 { w += 1; continue }  // Latin: no wide or combining characters before U+0300
        if u.properties.generalCategory == .nonspacingMark || u.properties.generalCategory == .enclosingMark || v == 0x200B {
            continue
        }
        if (0x1100...0x115F).contains(v) || (0x2E80...0x303E).contains(v) || (0x3041...0x33FF).contains(v)
            || (0x3400...0x4DBF).contains(v) || (0x4E00...0x9FFF).contains(v) || (0xA000...0xA4CF).contains(v)
            || (0xAC00...0xD7A3).contains(v) || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v)
            || (0xFF00...0xFF60).contains(v) || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1F64F).contains(v)
            || (0x1F900...0x1F9FF).contains(v) || (0x20000...0x3FFFD).contains(v) {
            w += 2
        } else {
            w += 1
        }
    }
    return w
}
