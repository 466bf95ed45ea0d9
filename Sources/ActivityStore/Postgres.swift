import Foundation
import CPostgres
import ActivityCore

/// A connection to a PostgreSQL database through libpq (Debian's libpq5): PGPASSWORD,
/// ~/.pgpass, service files and sslmode work as in psql. Statements are prepared once per
/// session by name; parameters go as text (bytea as binary), results come back as text.
///
/// A connection that the server dropped (a restart, a network cut) fails the transaction in
/// hand with a temporary error (75), which sync retries like a server fault; the next
/// transaction reconnects first and prepares its statements again.
final class PostgresConnection: Connection {
    private let conn: OpaquePointer
    let name: String
    var dialect: Dialect { .postgres }
    private var statements: [String: PostgresStatement] = [:]
    private var literals: [Int: PostgresStatement] = [:]
    private var counter = 0
    private var inTransaction = false
    /// Bumped each time the session is opened again: a statement prepared in an older session
    /// is prepared again before it runs.
    private(set) var generation = 0

    init(url: String) throws {
        name = StoreLocation.redacted(url)
        guard let c = PQconnectdb(url) else {
            throw ActivityError(.software, "store \(StoreLocation.redacted(url)): libpq could not allocate a connection")
        }
        conn = c
        if PQstatus(c) != CONNECTION_OK {
            // (deinit runs for a fully initialised object that throws: it frees the connection.)
            let message = PostgresConnection.text(PQerrorMessage(c))
            throw PostgresConnection.connectError(message, store: name)
        }
        // Notices (and the FATAL of a server shutting down) would go to stderr from inside
        // libpq; the errors that matter reach the caller as results.
        PQsetNoticeProcessor(c, { _, _ in }, nil)
        try execute("SET client_min_messages = warning")
    }

    deinit {
        statements.removeAll()
        literals.removeAll()
        PQfinish(conn)
    }

    /// The error of a connection that could not be made, classed by what a person must do.
    /// By the message's text, the one place this program does so: a failed PQconnectdb leaves no
    /// PGresult, so libpq gives no SQLSTATE for it (PQresultErrorField needs a result), only
    /// PQerrorMessage. Matched in English: a server whose lc_messages translates them falls through
    /// to "unavailable" (exit 69, retried by the daemon), with libpq's message in the error.
    static func connectError(_ message: String, store: String) -> ActivityError {
        let m = message.lowercased()
        if m.contains("password authentication failed") || m.contains("no password supplied")
            || m.contains("authentication failed") || m.contains("pg_hba.conf") || m.contains("permission denied") {
            return ActivityError(.noPermission, "store \(store): login refused (\(message)); check the user in the URL and its password in PGPASSWORD or ~/.pgpass")
        }
        if m.contains("does not exist") {
            return ActivityError(.config, "store \(store): \(message); create it (createdb -O USER DB) or fix ledger.store")
        }
        if m.contains("invalid") && (m.contains("uri") || m.contains("option") || m.contains("port")) {
            return ActivityError(.config, "store \(store): not a usable PostgreSQL URL (\(message)); write postgres://USER@HOST:PORT/DB")
        }
        return ActivityError(.unavailable, "store \(store): cannot connect (\(message)); check that PostgreSQL is running and reachable from here, then retry")
    }

    // MARK: - Connection

    func execute(_ sql: String) throws {
        try reconnectIfLost()
        do {
            PQclear(try check(PQexec(conn, sql), sql: sql))
        } catch where isLostOutsideTransaction && (sql.hasPrefix("BEGIN") || sql.hasPrefix("SET")) {
            // The server went away since the last statement: starting again loses nothing.
            try reconnectIfLost()
            PQclear(try check(PQexec(conn, sql), sql: sql))
        }
    }

    /// The session broke, and no transaction was open: a read or a BEGIN may simply be sent
    /// again on a new session.
    private var isLostOutsideTransaction: Bool { PQstatus(conn) != CONNECTION_OK && !inTransaction }

    func prepare(_ sql: String) throws -> any Statement { try prepareStatement(sql) }

    func prepare(literal sql: StaticString) throws -> any Statement {
        let address = Int(bitPattern: sql.utf8Start)
        if let s = literals[address] { return s.reset() }
        let s = try prepareStatement(sql.description)
        literals[address] = s
        return s
    }

    private func prepareStatement(_ sql: String) throws -> PostgresStatement {
        if let s = statements[sql] { return s.reset() }
        let (text, count) = PostgresConnection.numberedPlaceholders(sql)
        counter += 1
        let s = PostgresStatement(name: "s\(counter)", parameters: count, sql: sql, text: text, connection: self)
        statements[sql] = s
        return s
    }

    /// Prepares `statement` in the current session if it is not yet.
    private func ensurePrepared(_ statement: PostgresStatement) throws {
        guard statement.preparedIn != generation else { return }
        let res = PQprepare(conn, statement.name, statement.text, 0, nil)
        PQclear(try check(res, sql: statement.sql))
        statement.preparedIn = generation
    }

    func transaction<T>(_ body: () throws -> T) throws -> T { try within("BEGIN", body) }

    func readTransaction<T>(_ body: () throws -> T) throws -> T {
        try within("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }

    private func within<T>(_ begin: String, _ body: () throws -> T) throws -> T {
        try execute(begin)
        inTransaction = true
        defer { inTransaction = false }
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            if PQstatus(conn) == CONNECTION_OK { _ = try? execute("ROLLBACK") }
            throw error
        }
    }

    /// A session the server ended is opened again, outside a transaction only (inside one, the
    /// transaction is lost and must fail as a whole). Prepared statements went with the session.
    private func reconnectIfLost() throws {
        guard PQstatus(conn) != CONNECTION_OK, !inTransaction else { return }
        generation += 1
        PQreset(conn)
        guard PQstatus(conn) == CONNECTION_OK else {
            throw PostgresConnection.connectError(PostgresConnection.text(PQerrorMessage(conn)), store: name)
        }
        _ = PQexec(conn, "SET client_min_messages = warning").map { PQclear($0) }
    }

    // MARK: - COPY

    /// Loads rows into `table` with `COPY … FROM STDIN` (text format): one command and a stream
    /// of data instead of a statement a row, for `store copy` of a large ledger. `produce`
    /// hands each row's values, in `columns` order, to the function it is given. Runs in the
    /// caller's transaction; a failure ends the COPY, and with it the transaction.
    func copyIn(table: String, columns: String, _ produce: ((_ row: [SQLValue?]) throws -> Void) throws -> Void) throws {
        let sql = "COPY \(table) (\(columns)) FROM STDIN"
        guard let start = PQexec(conn, sql) else {
            throw ActivityError(.tempFail, "store \(name): no answer from PostgreSQL (\(PostgresConnection.text(PQerrorMessage(conn)))); retry")
        }
        if PQresultStatus(start) != PGRES_COPY_IN { PQclear(try check(start, sql: sql)); return }
        PQclear(start)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 17)
        func flush() throws {
            guard !buffer.isEmpty else { return }
            let sent = buffer.withUnsafeBufferPointer { b in
                b.baseAddress!.withMemoryRebound(to: CChar.self, capacity: b.count) { PQputCopyData(conn, $0, Int32(b.count)) }
            }
            buffer.removeAll(keepingCapacity: true)
            if sent != 1 {
                throw ActivityError(.tempFail, "store \(name): COPY into \(table) failed (\(PostgresConnection.text(PQerrorMessage(conn)))); retry")
            }
        }
        var failure: Error? = nil
        do {
            try produce { values in
                for (i, value) in values.enumerated() {
                    if i > 0 { buffer.append(0x09) }
                    PostgresConnection.appendCopyText(value, to: &buffer)
                }
                buffer.append(0x0A)
                if buffer.count >= 1 << 16 { try flush() }
            }
            try flush()
        } catch {
            failure = error
        }
        // Ends the COPY either way: with an error message the server aborts it.
        _ = PQputCopyEnd(conn, failure == nil ? nil : "activity: the copy was interrupted")
        var serverError: Error? = nil
        while let res = PQgetResult(conn) {
            do { PQclear(try check(res, sql: sql)) } catch { if serverError == nil { serverError = error } }
        }
        if let failure { throw failure }
        if let serverError { throw serverError }
    }

    /// A value in COPY's text format: `\N` for NULL; a backslash, tab, newline and carriage
    /// return escaped; bytea as its hex input (`\\x…`, the backslash escaped too).
    static func appendCopyText(_ value: SQLValue?, to out: inout [UInt8]) {
        switch value {
        case nil:
            out.append(contentsOf: [0x5C, 0x4E])
        case .int(let n):
            out.append(contentsOf: String(n).utf8)
        case .double(let d):
            out.append(contentsOf: String(d).utf8)
        case .text(let s):
            for byte in s.utf8 {
                switch byte {
                case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
                case 0x09: out.append(contentsOf: [0x5C, 0x74])
                case 0x0A: out.append(contentsOf: [0x5C, 0x6E])
                case 0x0D: out.append(contentsOf: [0x5C, 0x72])
                default: out.append(byte)
                }
            }
        case .blob(let bytes):
            let digits: [UInt8] = Array("0123456789abcdef".utf8)
            out.append(contentsOf: [0x5C, 0x5C, 0x78])
            out.reserveCapacity(out.count + 2 * bytes.count)
            for b in bytes {
                out.append(digits[Int(b >> 4)])
                out.append(digits[Int(b & 0x0F)])
            }
        }
    }

    // MARK: - Running statements

    func exec(_ statement: PostgresStatement, _ values: [SQLValue?]) throws -> OpaquePointer {
        do {
            return try execOnce(statement, values)
        } catch where isLostOutsideTransaction && statement.sql.hasPrefix("SELECT") {
            return try execOnce(statement, values)
        }
    }

    private func execOnce(_ statement: PostgresStatement, _ values: [SQLValue?]) throws -> OpaquePointer {
        try reconnectIfLost()
        if PQstatus(conn) != CONNECTION_OK {
            throw ActivityError(.tempFail, "store \(name): the connection to PostgreSQL was lost; retry (the next transaction reconnects)")
        }
        try ensurePrepared(statement)
        var pointers: [UnsafeMutablePointer<CChar>?] = []
        var lengths: [Int32] = []
        var formats: [Int32] = []
        pointers.reserveCapacity(values.count)
        defer { for p in pointers { free(p) } }
        for value in values {
            switch value {
            case nil:
                pointers.append(nil); lengths.append(0); formats.append(0)
            case .int(let n):
                pointers.append(strdup(String(n))); lengths.append(0); formats.append(0)
            case .double(let d):
                pointers.append(strdup(String(d))); lengths.append(0); formats.append(0)
            case .text(let s):
                pointers.append(strdup(s)); lengths.append(0); formats.append(0)
            case .blob(let b):
                let p = malloc(max(1, b.count))!.assumingMemoryBound(to: CChar.self)
                b.withUnsafeBytes { if let base = $0.baseAddress { memcpy(p, base, b.count) } }
                pointers.append(p); lengths.append(Int32(b.count)); formats.append(1)
            }
        }
        let constants = pointers.map { $0.map { UnsafePointer($0) } }
        let res = constants.withUnsafeBufferPointer { values in
            PQexecPrepared(conn, statement.name, Int32(values.count), values.baseAddress, lengths, formats, 0)
        }
        return try check(res, sql: statement.sql)
    }

    /// The result of a command if it succeeded; otherwise it is cleared and an error thrown.
    private func check(_ res: OpaquePointer?, sql: String) throws -> OpaquePointer {
        guard let res else {
            throw ActivityError(.tempFail, "store \(name): no answer from PostgreSQL (\(PostgresConnection.text(PQerrorMessage(conn)))); retry")
        }
        let status = PQresultStatus(res)
        if status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY { return res }
        let state = PostgresConnection.text(PQresultErrorField(res, Int32(UInt8(ascii: "C"))))
        let message = PostgresConnection.text(PQresultErrorMessage(res))
        PQclear(res)
        throw error(state: state, message: message, sql: sql)
    }

    /// A failed statement, classed by its SQLSTATE (PostgreSQL appendix A).
    private func error(state: String, message: String, sql: String) -> ActivityError {
        if PQstatus(conn) != CONNECTION_OK || state.hasPrefix("08") || state == "57P01" || state == "57P02" || state == "57P03" {
            return ActivityError(.tempFail, "store \(name): the connection to PostgreSQL was lost (\(message)); retry (the next transaction reconnects)")
        }
        if state == "40001" || state == "40P01" || state == "55P03" || state.hasPrefix("53") {
            return ActivityError(.tempFail, "store \(name): \(message); retry")
        }
        if state == "42501" || state.hasPrefix("28") {
            return ActivityError(.noPermission, "store \(name): \(message); grant the user in the URL the rights on this database")
        }
        return ActivityError(.software, "store \(name): \(message) in: \(sql.prefix(80))")
    }

    static func text(_ p: UnsafePointer<CChar>?) -> String {
        guard let p else { return "" }
        return String(cString: p).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `?` placeholders as PostgreSQL's `$1`, `$2`…, outside quoted strings and identifiers.
    static func numberedPlaceholders(_ sql: String) -> (String, Int) {
        var out = ""
        out.reserveCapacity(sql.utf8.count + 16)
        var n = 0
        var quote: Character? = nil
        for c in sql {
            if let q = quote {
                if c == q { quote = nil }
                out.append(c)
            } else if c == "'" || c == "\"" {
                quote = c
                out.append(c)
            } else if c == "?" {
                n += 1
                out += "$\(n)"
            } else {
                out.append(c)
            }
        }
        return (out, n)
    }
}

/// A statement prepared on the server under `name`; binds are kept until it runs.
final class PostgresStatement: Statement {
    let name: String
    let parameters: Int
    /// The SQL as written (for messages), and with PostgreSQL's `$n` placeholders.
    let sql: String
    let text: String
    /// The session (`PostgresConnection.generation`) it is prepared in; -1 before the first.
    var preparedIn = -1
    unowned let connection: PostgresConnection
    private var values: [SQLValue?] = []

    init(name: String, parameters: Int, sql: String, text: String, connection: PostgresConnection) {
        self.name = name
        self.parameters = parameters
        self.sql = sql
        self.text = text
        self.connection = connection
    }

    func reset() -> PostgresStatement {
        values = []
        return self
    }

    @discardableResult
    func bind(_ values: [SQLValue?]) -> any Statement {
        self.values = values
        return self
    }

    @discardableResult
    func run() throws -> Int {
        let res = try connection.exec(self, values)
        defer { PQclear(res) }
        return Int(PostgresConnection.text(PQcmdTuples(res))) ?? 0
    }

    func forEach(_ body: (any Row) throws -> Void) throws {
        let res = try connection.exec(self, values)
        defer { PQclear(res) }
        let rows = PQntuples(res)
        for i in 0..<rows { try body(PostgresRow(result: res, row: i)) }
    }
}

/// A row of a text-format result.
struct PostgresRow: Row {
    let result: OpaquePointer
    let row: Int32

    func isNull(_ i: Int32) -> Bool { PQgetisnull(result, row, i) == 1 }
    func int(_ i: Int32) -> Int64 {
        guard let p = PQgetvalue(result, row, i) else { return 0 }
        return strtoll(p, nil, 10)
    }
    func double(_ i: Int32) -> Double {
        guard let p = PQgetvalue(result, row, i) else { return 0 }
        return strtod(p, nil)
    }
    func text(_ i: Int32) -> String {
        guard let p = PQgetvalue(result, row, i) else { return "" }
        return String(cString: p)
    }
    var columnCount: Int32 { PQnfields(result) }

    /// bytea in the hex output format: `\x` and two hex digits a byte.
    func blob(_ i: Int32) -> [UInt8] {
        guard let p = PQgetvalue(result, row, i) else { return [] }
        let n = Int(PQgetlength(result, row, i))
        guard n >= 2, p[0] == 0x5C, p[1] == 0x78 else { return [] }
        var out = [UInt8](repeating: 0, count: (n - 2) / 2)
        func nibble(_ c: CChar) -> UInt8 {
            let u = UInt8(bitPattern: c)
            switch u {
            case 0x30...0x39: return u - 0x30
            case 0x61...0x66: return u - 0x61 + 10
            case 0x41...0x46: return u - 0x41 + 10
            default: return 0
            }
        }
        for k in 0..<out.count { out[k] = nibble(p[2 + 2 * k]) << 4 | nibble(p[3 + 2 * k]) }
        return out
    }

    func value(_ i: Int32) -> SQLValue? {
        if isNull(i) { return nil }
        switch PQftype(result, i) {
        case 20, 21, 23: return .int(int(i))          // int8, int2, int4
        case 700, 701, 1700: return .double(double(i)) // float4, float8, numeric
        case 17: return .blob(blob(i))                // bytea
        default: return .text(text(i))
        }
    }
}
