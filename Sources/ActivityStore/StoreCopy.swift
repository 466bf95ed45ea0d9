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
                    try checkCopiesEveryColumn(of: table)
                    let select = try db.prepare("SELECT \(table.columns) FROM \(table.name) ORDER BY \(table.key)")
                    var n = 0
                    if let postgres = target.db as? PostgresConnection {
                        // COPY FROM STDIN: one stream of rows, not a round trip a row.
                        try postgres.copyIn(table: table.name, columns: table.columns) { put in
                            try select.forEach { row in
                                try put((0..<row.columnCount).map { row.value($0) })
                                n += 1
                            }
                        }
                    } else {
                        let marks = Array(repeating: "?", count: table.columns.split(separator: ",").count).joined(separator: ", ")
                        let insert = try target.db.prepare("INSERT INTO \(table.name) (\(table.columns)) VALUES (\(marks))")
                        try select.forEach { row in
                            try insert.bind((0..<row.columnCount).map { row.value($0) }).run()
                            n += 1
                        }
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

    /// A ledger table whose columns `Schema.tables` does not all name would be copied without
    /// them, and compared without them too: refused (a migration added a column and the list
    /// was not told). PostgreSQL's `id` of a table that SQLite keys by `rowid` is not the ledger's.
    func checkCopiesEveryColumn(of table: (name: String, columns: String, key: String)) throws {
        let listed = Set(table.columns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        let sql = db.dialect.isPostgres
            ? "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?"
            : "SELECT name FROM pragma_table_info(?)"
        let missing = try db.prepare(sql).bind(.text(table.name)).map { $0.text(0) }
            .filter { !listed.contains($0) && !(db.dialect.isPostgres && $0 == db.dialect.rowID) }
        if !missing.isEmpty {
            throw ActivityError(.software, "store copy: the table \(table.name) has columns the copy does not know (\(missing.sorted().joined(separator: ", "))); nothing was copied")
        }
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
