/// Statements over many rows at once, for PostgreSQL where every statement is a round trip to
/// the server: `head (?, ?), (?, ?), … tail`. The rows go in chunks whose sizes are powers of two
/// (at most `largest`), so that a handful of statement texts serve every batch size and each is
/// prepared once per session; a batch of 500 is six statements instead of 500.
enum MultiRow {
    /// Rows per statement at most: 256 rows of 16 columns is 4,096 parameters, far below
    /// PostgreSQL's 65,535, and a statement of some 100 KB.
    static let largest = 256

    /// Runs `head`, the rows' placeholders, `tail` once per chunk, with `prefix` bound before
    /// each chunk's values; `each` reads the rows it returns. With `tuples` false a row is one
    /// value and goes as `?, ?, …` (for `IN (…)`), else as `(?, ?), (?, ?), …`.
    static func run(_ db: any Connection, head: String, tail: String, prefix: [SQLValue?] = [], rows: [[SQLValue?]],
                    tuples: Bool = true, _ each: ((any Row) throws -> Void)? = nil) throws {
        guard let width = rows.first?.count else { return }
        let one = tuples ? "(" + Array(repeating: "?", count: width).joined(separator: ", ") + ")" : "?"
        var start = 0
        while start < rows.count {
            var n = largest
            while n > rows.count - start { n /= 2 }
            let sql = head + " " + Array(repeating: one, count: n).joined(separator: ", ") + " " + tail
            var values = prefix
            values.reserveCapacity(prefix.count + n * width)
            for row in rows[start..<(start + n)] { values.append(contentsOf: row) }
            let statement = try db.prepare(sql).bind(values)
            if let each { try statement.forEach(each) } else { try statement.run() }
            start += n
        }
    }
}
