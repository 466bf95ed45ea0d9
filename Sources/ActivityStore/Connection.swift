import Foundation
import ActivityCore

/// The store's one seam between its queries and a database engine: a connection that prepares
/// statements with positional `?` placeholders, runs them in transactions and hands rows back.
/// Two implementations, `SQLiteDatabase` and `PostgresConnection`; the queries of `Store` are
/// written once, in the SQL both engines speak, and where the engines differ `Dialect` says
/// how. Private to the store: nothing outside ActivityStore reaches a connection.
protocol Connection: AnyObject {
    var dialect: Dialect { get }
    /// For messages: the SQLite path, or the PostgreSQL URL without its password.
    var name: String { get }
    /// Runs SQL without parameters or results (several statements separated by `;` allowed).
    func execute(_ sql: String) throws
    /// A prepared statement, cached by its SQL text.
    func prepare(_ sql: String) throws -> any Statement
    /// A prepared statement for SQL that is a literal in the program (cached by its address).
    func prepare(literal sql: StaticString) throws -> any Statement
    /// Runs `body` in one write transaction: all of it is committed, or none of it.
    func transaction<T>(_ body: () throws -> T) throws -> T
    /// Runs `body` in one read transaction: every read sees the same snapshot.
    func readTransaction<T>(_ body: () throws -> T) throws -> T
}

/// A prepared statement: bind, then run it or read its rows.
protocol Statement: AnyObject {
    @discardableResult func bind(_ values: [SQLValue?]) -> any Statement
    /// Runs a statement that returns no rows; how many rows it changed.
    @discardableResult func run() throws -> Int
    func forEach(_ body: (any Row) throws -> Void) throws
}

extension Statement {
    @discardableResult
    func bind(_ values: SQLValue?...) -> any Statement { bind(values) }

    func map<T>(_ body: (any Row) throws -> T) throws -> [T] {
        var out: [T] = []
        try forEach { out.append(try body($0)) }
        return out
    }

    func first<T>(_ body: (any Row) throws -> T) throws -> T? {
        var out: T? = nil
        try forEach { row in if out == nil { out = try body(row) } }
        return out
    }
}

/// A value bound to a placeholder.
public enum SQLValue: Sendable, Equatable {
    case int(Int64)
    case double(Double)
    case text(String)
    case blob([UInt8])
}

extension SQLValue {
    static func int(_ v: Int) -> SQLValue { .int(Int64(v)) }
}

/// The current row of a result; column indexes start at 0.
protocol Row {
    func isNull(_ i: Int32) -> Bool
    func int(_ i: Int32) -> Int64
    func double(_ i: Int32) -> Double
    func text(_ i: Int32) -> String
    func blob(_ i: Int32) -> [UInt8]
    var columnCount: Int32 { get }
    /// The value of a column as a bindable value (for `store copy` and the table comparison).
    func value(_ i: Int32) -> SQLValue?
}

extension Row {
    func optionalInt(_ i: Int32) -> Int64? { isNull(i) ? nil : int(i) }
    func optionalText(_ i: Int32) -> String? { isNull(i) ? nil : text(i) }
}

/// Where the two engines' SQL differs.
struct Dialect: Sendable {
    /// Names the engine in messages.
    var engine: String
    /// The implicit row id of a table without a key of its own (SQLite `rowid`; the PostgreSQL
    /// schema gives such tables an `id` column).
    var rowID: String
    /// The database's clock in Unix milliseconds: leases are judged by one clock, whatever the
    /// workers' clocks say.
    var nowMilliseconds: String
    /// Row locks for a lease: PostgreSQL skips rows another worker is taking; SQLite's write
    /// transaction already holds the whole file.
    var forUpdateSkipLocked: String

    static let sqlite = Dialect(engine: "SQLite", rowID: "rowid",
                                nowMilliseconds: "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)",
                                forUpdateSkipLocked: "")
    static let postgres = Dialect(engine: "PostgreSQL", rowID: "id",
                                  nowMilliseconds: "CAST(extract(epoch FROM clock_timestamp()) * 1000 AS BIGINT)",
                                  forUpdateSkipLocked: "FOR UPDATE SKIP LOCKED")

    var isPostgres: Bool { engine == "PostgreSQL" }
}

/// The columns a record type reads, in the order its SELECT names them: a case's raw value is
/// its index in the row, and its name, camelCase written snake_case (`messageID` is
/// `message_id`), is the column. A mapping reads `row.text(Column.subject)`, never a bare index,
/// and the SELECT list is made from the same cases (`Column.list`), so the two cannot drift apart.
protocol Columns: CaseIterable, RawRepresentable where RawValue == Int32 {
    /// The column in SQL; by default the case's name in snake_case.
    var name: String { get }
}

extension Columns {
    var name: String { Self.snakeCase(String(describing: self)) }

    /// The columns for a SELECT list, `a, b, c`, each as `alias.a` when an alias is given.
    static func list(_ alias: String? = nil) -> String {
        allCases.map { (alias.map { "\($0)." } ?? "") + $0.name }.joined(separator: ", ")
    }

    /// `messageID` → `message_id`, `highestUID` → `highest_uid`, `uidvalidity` unchanged.
    static func snakeCase(_ s: String) -> String {
        var out = ""
        var previousWasLower = false
        for c in s {
            if c.isUppercase && previousWasLower { out.append("_") }
            out += c.lowercased()
            previousWasLower = c.isLowercase || c.isNumber
        }
        return out
    }
}

extension Row {
    func isNull<C: Columns>(_ c: C) -> Bool { isNull(c.rawValue) }
    func int<C: Columns>(_ c: C) -> Int64 { int(c.rawValue) }
    func text<C: Columns>(_ c: C) -> String { text(c.rawValue) }
    func blob<C: Columns>(_ c: C) -> [UInt8] { blob(c.rawValue) }
    func optionalInt<C: Columns>(_ c: C) -> Int64? { optionalInt(c.rawValue) }
    func optionalText<C: Columns>(_ c: C) -> String? { optionalText(c.rawValue) }
    /// A column of Unix seconds as a date.
    func date<C: Columns>(_ c: C) -> Date { Date(timeIntervalSince1970: TimeInterval(int(c.rawValue))) }
    func optionalDate<C: Columns>(_ c: C) -> Date? { optionalInt(c.rawValue).map { Date(timeIntervalSince1970: TimeInterval($0)) } }
}
