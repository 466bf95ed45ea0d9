import Foundation
import CSQLite
import ActivityCore

/// A thin, typed layer over the SQLite C API: one connection, prepared statements with
/// positional binds, and errors that name the database file.
final class SQLiteDatabase: Connection {
    let handle: OpaquePointer
    let path: String
    var dialect: Dialect { .sqlite }
    var name: String { path }
    private var statementCache: [String: SQLiteStatement] = [:]
    private var literalCache: [Int: SQLiteStatement] = [:]

    /// Process-wide settings, made once before the first connection opens.
    private static let configured: Void = { _ = activity_sqlite_configure() }()

    init(path: String, readOnly: Bool = false) throws {
        _ = SQLiteDatabase.configured
        var db: OpaquePointer? = nil
        let flags = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        let rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close(db) }
            throw ActivityError(rc == SQLITE_CANTOPEN ? .noInput : .ioError,
                                "store \(path): cannot open (\(message)); check the path in ledger.store and its directory's permissions")
        }
        handle = db
        self.path = path
        sqlite3_busy_timeout(db, 10_000)
    }

    deinit {
        literalCache.removeAll()
        statementCache.removeAll()
        sqlite3_close_v2(handle)
    }

    func execute(_ sql: String) throws {
        var err: UnsafeMutablePointer<CChar>? = nil
        let rc = sqlite3_exec(handle, sql, nil, nil, &err)
        if rc != SQLITE_OK {
            let message = err.map { String(cString: $0) } ?? "error \(rc)"
            sqlite3_free(err)
            throw storeError(rc, message)
        }
    }

    /// A prepared statement, cached by its SQL text.
    func prepare(_ sql: String) throws -> any Statement { try prepareSQLite(sql) }

    func prepareSQLite(_ sql: String) throws -> SQLiteStatement {
        if let s = statementCache[sql] {
            s.reset()
            return s
        }
        var stmt: OpaquePointer? = nil
        let rc = sqlite3_prepare_v2(handle, sql, -1, &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw storeError(rc, lastMessage + " in: \(sql.prefix(80))") }
        let s = SQLiteStatement(stmt, db: self)
        statementCache[sql] = s
        return s
    }

    /// A prepared statement for SQL that is a literal in the program, cached by the literal's
    /// address: for statements run once per message, where hashing the SQL text would show.
    func prepare(literal sql: StaticString) throws -> any Statement {
        let address = Int(bitPattern: sql.utf8Start)
        if let s = literalCache[address] {
            s.reset()
            return s
        }
        let s = try prepareSQLite(sql.description)
        literalCache[address] = s
        return s
    }

    /// Write transactions of this process, one at a time. Threads of one process (the sync's
    /// workers) wait here and are woken the moment the writer commits; left to SQLite's busy
    /// handler they would sleep 1 to 100 ms between tries (1.8 s of sleeping in a 1.2 s sync of
    /// 20,000 messages). Other processes are still kept apart by SQLite's own lock.
    static let writers = NSRecursiveLock()

    /// Runs `body` in one transaction: all of it is committed, or none of it.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        SQLiteDatabase.writers.lock()
        defer { SQLiteDatabase.writers.unlock() }
        return try within("BEGIN IMMEDIATE", body)
    }

    /// Runs `body` in one read transaction: every read sees the same snapshot of the store,
    /// while other connections go on writing (WAL).
    func readTransaction<T>(_ body: () throws -> T) throws -> T {
        try within("BEGIN DEFERRED", body)
    }

    private func within<T>(_ begin: String, _ body: () throws -> T) throws -> T {
        try execute(begin)
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    var changes: Int { Int(sqlite3_changes(handle)) }

    var lastMessage: String { String(cString: sqlite3_errmsg(handle)) }

    func storeError(_ rc: Int32, _ message: String) -> ActivityError {
        let primary = rc & 0xFF
        if primary == SQLITE_BUSY || primary == SQLITE_LOCKED {
            return ActivityError(.tempFail, "store \(path): busy (\(message)); another process holds it, retry later")
        }
        if primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB {
            return ActivityError(.dataError, "store \(path): damaged (\(message)); restore it from a backup or delete it and sync again")
        }
        if primary == SQLITE_READONLY || primary == SQLITE_PERM || primary == SQLITE_CANTOPEN {
            return ActivityError(.noPermission, "store \(path): \(message); check the file's permissions")
        }
        if primary == SQLITE_FULL || primary == SQLITE_IOERR {
            return ActivityError(.ioError, "store \(path): \(message)")
        }
        return ActivityError(.software, "store \(path): \(message)")
    }
}

/// A prepared statement. Bind with `bind(...)`, step with `step()` or `forEach`.
final class SQLiteStatement: Statement {
    let stmt: OpaquePointer
    unowned let db: SQLiteDatabase

    init(_ stmt: OpaquePointer, db: SQLiteDatabase) {
        self.stmt = stmt
        self.db = db
    }

    deinit { sqlite3_finalize(stmt) }

    func reset() {
        sqlite3_reset(stmt)
        sqlite3_clear_bindings(stmt)
    }

    @discardableResult
    func bind(_ values: [SQLValue?]) -> any Statement {
        for (k, v) in values.enumerated() {
            let i = Int32(k + 1)
            switch v {
            case nil: sqlite3_bind_null(stmt, i)
            case .int(let n): sqlite3_bind_int64(stmt, i, n)
            case .double(let d): sqlite3_bind_double(stmt, i, d)
            case .text(let s): sqlite3_bind_text(stmt, i, s, -1, activity_sqlite_transient())
            case .blob(let b):
                _ = b.withUnsafeBytes { sqlite3_bind_blob(stmt, i, $0.baseAddress, Int32($0.count), activity_sqlite_transient()) }
            }
        }
        return self
    }

    /// Steps once: true while a row is available.
    func step() throws -> Bool {
        // A write outside a transaction is a transaction of its own: it waits for this
        // process's other writers the same way (see `SQLiteDatabase.transaction`).
        let guarded = sqlite3_stmt_readonly(stmt) == 0 && sqlite3_get_autocommit(db.handle) != 0
        if guarded { SQLiteDatabase.writers.lock() }
        defer { if guarded { SQLiteDatabase.writers.unlock() } }
        let rc = sqlite3_step(stmt)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        let message = db.lastMessage
        sqlite3_reset(stmt)
        throw db.storeError(rc, message)
    }

    /// Runs a statement that returns no rows.
    @discardableResult
    func run() throws -> Int {
        while try step() {}
        sqlite3_reset(stmt)
        return db.changes
    }

    func forEach(_ body: (any Row) throws -> Void) throws {
        defer { sqlite3_reset(stmt) }
        while try step() { try body(SQLiteRow(stmt: stmt)) }
    }
}

/// The current row of a stepping statement; column indexes start at 0.
struct SQLiteRow: Row {
    let stmt: OpaquePointer

    func isNull(_ i: Int32) -> Bool { sqlite3_column_type(stmt, i) == SQLITE_NULL }
    func int(_ i: Int32) -> Int64 { sqlite3_column_int64(stmt, i) }
    func double(_ i: Int32) -> Double { sqlite3_column_double(stmt, i) }
    func text(_ i: Int32) -> String {
        guard let p = sqlite3_column_text(stmt, i) else { return "" }
        return String(cString: p)
    }
    var columnCount: Int32 { sqlite3_column_count(stmt) }
    func value(_ i: Int32) -> SQLValue? {
        switch sqlite3_column_type(stmt, i) {
        case SQLITE_NULL: return nil
        case SQLITE_INTEGER: return .int(int(i))
        case SQLITE_FLOAT: return .double(double(i))
        case SQLITE_BLOB: return .blob(blob(i))
        default: return .text(text(i))
        }
    }
    func blob(_ i: Int32) -> [UInt8] {
        let n = Int(sqlite3_column_bytes(stmt, i))
        guard n > 0, let p = sqlite3_column_blob(stmt, i) else { return [] }
        return Array(UnsafeRawBufferPointer(start: p, count: n))
    }
}
