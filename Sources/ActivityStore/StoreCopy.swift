import Foundation
import ActivityCore

/// `activity store copy`: the whole ledger from one store into another, SQLite ⇄ PostgreSQL,
/// then every table compared row by row. The source is read from one snapshot (workers may go
/// on syncing into it meanwhile); the target is written in one transaction, so a copy that
/// fails leaves it empty.
extension Store {
    /// Rows copied per table, in `Schema.tables` order.
    public struct CopyReport: Sendable, Equatable {
        public var rows: [(table: String, count: Int)]

        public static func == (a: CopyReport, b: CopyReport) -> Bool {
            a.rows.map(\.table) == b.rows.map(\.table) && a.rows.map(\.count) == b.rows.map(\.count)
        }
    }

    /// Copies this store's ledger into `target`, which must hold none, and verifies the copy.
    public func copy(into target: Store) throws -> CopyReport {
        let held = try target.ledgerRowCount()
        guard held == 0 else {
            throw ActivityError(.cantCreate, "store \(target.location): already holds a ledger (\(held) rows); copy into an empty database or a new SQLite file")
        }
        var report = CopyReport(rows: [])
        try readTransaction {
            try target.transaction {
                for table in Schema.tables {
                    let marks = Array(repeating: "?", count: table.columns.split(separator: ",").count).joined(separator: ", ")
                    let insert = try target.db.prepare("INSERT INTO \(table.name) (\(table.columns)) VALUES (\(marks))")
                    var n = 0
                    try db.prepare("SELECT \(table.columns) FROM \(table.name) ORDER BY \(table.key)").forEach { row in
                        try insert.bind((0..<row.columnCount).map { row.value($0) }).run()
                        n += 1
                    }
                    report.rows.append((table.name, n))
                }
                if target.db.dialect.isPostgres {
                    // New mail after the copy gets ids above the copied ones.
                    try target.db.execute("SELECT setval(pg_get_serial_sequence('mail', 'id'), coalesce(max(id), 0) + 1, false) FROM mail")
                }
            }
        }
        if let difference = try firstDifference(from: target) {
            throw ActivityError(.software, "store copy \(location) -> \(target.location): the copy differs from the original (\(difference)); the target was written, inspect or drop it")
        }
        return report
    }

    /// Rows in the ledger's tables (0 for a new store).
    func ledgerRowCount() throws -> Int {
        var n = 0
        for table in Schema.tables {
            n += Int(try db.prepare("SELECT count(*) FROM \(table.name)").first { $0.int(0) } ?? 0)
        }
        return n
    }

    /// Compares every table of the ledger with another store's, row by row and value by value;
    /// nil when they are equal, else where they first differ.
    public func firstDifference(from other: Store) throws -> String? {
        for table in Schema.tables {
            let sql = "SELECT \(table.columns) FROM \(table.name) ORDER BY \(table.key)"
            let mine = try db.prepare(sql).map { row in (0..<row.columnCount).map { row.value($0) } }
            let theirs = try other.db.prepare(sql).map { row in (0..<row.columnCount).map { row.value($0) } }
            if mine.count != theirs.count { return "\(table.name): \(mine.count) rows against \(theirs.count)" }
            if let i = mine.indices.first(where: { mine[$0] != theirs[$0] }) {
                return "\(table.name): row \(i + 1) (by \(table.key)) differs"
            }
        }
        return nil
    }
}
