/// Aligned columns for people, with East Asian wide characters counted as two cells, so that
/// 王丽 lines up with alice.
public struct TextTable {
    public var header: [String]
    /// The rows' cells one after another, `header.count` a row (no array per row: a week of a
    /// hundred reps is some 100,000 rows).
    private var cells: [String] = []
    /// Columns aligned to the right (numbers).
    public var rightAligned: Set<Int> = []

    public init(header: [String], rightAligned: Set<Int> = []) {
        self.header = header
        self.rightAligned = rightAligned
    }

    public var rows: [[String]] {
        stride(from: 0, to: cells.count, by: max(1, header.count)).map { Array(cells[$0..<min($0 + header.count, cells.count)]) }
    }

    /// A row: cells beyond the header's columns are dropped, missing ones are empty.
    public mutating func add(_ row: [String]) {
        for i in 0..<header.count { cells.append(i < row.count ? row[i] : "") }
    }

    /// A row of three cells, without an array.
    public mutating func add(_ a: String, _ b: String, _ c: String) {
        if header.count == 3 { cells.append(a); cells.append(b); cells.append(c) } else { add([a, b, c]) }
    }

    /// A row of two cells, without an array.
    public mutating func add(_ a: String, _ b: String) {
        if header.count == 2 { cells.append(a); cells.append(b) } else { add([a, b]) }
    }

    public func render() -> String {
        var out = ByteWriter()
        render(to: &out)
        return out.string
    }

    /// The table's bytes appended to `out` (which may write them out as it fills).
    func render(to writer: inout ByteWriter) {
        // Each cell's width once, the output built as bytes.
        let columns = header.count
        guard columns > 0 else { writer.append("\n\n"); return }
        var widths = header.map(displayWidth)
        var cellWidths: [Int] = []
        cellWidths.reserveCapacity(cells.count)
        var bytes = 0
        for (n, c) in cells.enumerated() {
            let w = displayWidth(c)
            cellWidths.append(w)
            let i = n % columns
            if w > widths[i] { widths[i] = w }
            bytes += c.utf8.count
        }
        let right = (0..<columns).map { rightAligned.contains($0) }
        var out: [UInt8] = []
        swap(&out, &writer.bytes)
        defer { swap(&out, &writer.bytes) }
        let rowCount = cells.count / columns
        if writer.fd < 0 { out.reserveCapacity(out.count + bytes + (rowCount + 1) * (widths.reduce(0, +) + 2 * columns + 1) + 64) }
        func line(_ cell: (Int) -> String, _ width: (Int) -> Int) {
            let lineStart = out.count
            for i in 0..<columns {
                if i > 0 { out.append(0x20); out.append(0x20) }
                let c = cell(i)
                let padding = widths[i] - width(i)
                if right[i] {
                    out.append(contentsOf: repeatElement(0x20, count: padding))
                    out.append(contentsOf: c.utf8)
                } else {
                    out.append(contentsOf: c.utf8)
                    out.append(contentsOf: repeatElement(0x20, count: padding))
                }
            }
            while out.count > lineStart, out.last == 0x20 { out.removeLast() }
            out.append(0x0A)
        }
        line({ header[$0] }, { displayWidth(header[$0]) })
        for (i, w) in widths.enumerated() {
            if i > 0 { out.append(0x20); out.append(0x20) }
            out.append(contentsOf: repeatElement(UInt8(ascii: "-"), count: w))
        }
        out.append(0x0A)
        for r in 0..<rowCount {
            if r & 255 == 255 && writer.fd >= 0 && out.count >= ByteWriter.piece {
                swap(&out, &writer.bytes)
                writer.flush()
                swap(&out, &writer.bytes)
            }
            let base = r * columns
            line({ cells[base + $0] }, { cellWidths[base + $0] })
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
