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
        var out = ByteWriter()
        render(to: &out)
        return out.string
    }

    /// The table's bytes appended to `out` (which may write them out as it fills).
    func render(to writer: inout ByteWriter) {
        // Each cell's width once (a week of a hundred reps is some 100,000 cells), the output
        // built as bytes.
        let all = [header] + rows
        var widths = Array(repeating: 0, count: header.count)
        var cellWidths: [[Int]] = []
        cellWidths.reserveCapacity(all.count)
        var bytes = 0
        for r in all {
            var line: [Int] = []
            line.reserveCapacity(min(r.count, widths.count))
            for (i, c) in r.enumerated() where i < widths.count {
                let w = displayWidth(c)
                line.append(w)
                widths[i] = max(widths[i], w)
                bytes += c.utf8.count
            }
            cellWidths.append(line)
        }
        var out: [UInt8] = []
        swap(&out, &writer.bytes)
        if writer.fd < 0 { out.reserveCapacity(out.count + bytes + all.count * (widths.reduce(0, +) + 2 * widths.count + 1) + 64) }
        defer { swap(&out, &writer.bytes) }
        for (n, r) in all.enumerated() {
            if n & 255 == 0 && writer.fd >= 0 && out.count >= ByteWriter.piece {
                swap(&out, &writer.bytes)
                writer.flush()
                swap(&out, &writer.bytes)
            }
            let lineStart = out.count
            for (i, c) in r.enumerated() where i < widths.count {
                if i > 0 { out.append(0x20); out.append(0x20) }
                let padding = widths[i] - cellWidths[n][i]
                if rightAligned.contains(i) {
                    out.append(contentsOf: repeatElement(0x20, count: padding))
                    out.append(contentsOf: c.utf8)
                } else {
                    out.append(contentsOf: c.utf8)
                    out.append(contentsOf: repeatElement(0x20, count: padding))
                }
            }
            while out.count > lineStart, out.last == 0x20 { out.removeLast() }
            out.append(0x0A)
            if n == 0 {
                for (i, w) in widths.enumerated() {
                    if i > 0 { out.append(0x20); out.append(0x20) }
                    out.append(contentsOf: repeatElement(UInt8(ascii: "-"), count: w))
                }
                out.append(0x0A)
            }
        }
    }
}

/// Terminal cells a string takes: 2 for East Asian wide and full-width characters, 0 for
/// combining marks, 1 otherwise.
public func displayWidth(_ s: String) -> Int {
    // ASCII: a cell a byte.
    if s.utf8.allSatisfy({ $0 < 0x80 }) { return s.utf8.count }
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
