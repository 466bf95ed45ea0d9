/// Where the ledger is kept: an SQLite file (the embedded default) or a PostgreSQL database
/// that several sync machines share. Parsed from `ledger.store`, `--store` and `store copy`.
public enum StoreLocation: Sendable, Equatable, CustomStringConvertible {
    /// An absolute path to an SQLite file.
    case sqlite(path: String)
    /// A libpq connection URI (`postgres://USER@HOST:PORT/DB?sslmode=…`), as written; libpq's
    /// PGPASSWORD, ~/.pgpass, service files and sslmode apply when it is opened.
    case postgres(url: String)

    /// Parses `sqlite:PATH`, `sqlite://PATH`, `postgres://…` or `postgresql://…`; `resolve`
    /// makes an SQLite path absolute (relative to the config file, or the working directory).
    public static func parse(_ text: String, resolve: (String) -> String) -> Result<StoreLocation, StoreURLProblem> {
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            let rest = text.drop(while: { $0 != "/" }).dropFirst(2)
            guard !rest.isEmpty, !rest.hasPrefix("/") || rest.count > 1 else { return .failure(.postgresWithoutHost) }
            return .success(.postgres(url: text))
        }
        var path = text
        if path.hasPrefix("sqlite://") { path = String(path.dropFirst("sqlite://".count)) }
        else if path.hasPrefix("sqlite:") { path = String(path.dropFirst("sqlite:".count)) }
        else if path.contains("://") { return .failure(.unknownScheme) }
        guard !path.isEmpty else { return .failure(.sqliteWithoutPath) }
        return .success(.sqlite(path: resolve(path)))
    }

    /// Why a store URL was refused, in words for an error message.
    public enum StoreURLProblem: Error, Sendable, CustomStringConvertible {
        case unknownScheme, sqliteWithoutPath, postgresWithoutHost
        public var description: String {
            switch self {
            case .unknownScheme: return "is not a store URL (write sqlite:activity.db or postgres://USER@HOST:PORT/DB)"
            case .sqliteWithoutPath: return "needs a path: sqlite:activity.db"
            case .postgresWithoutHost: return "needs a host and a database: postgres://USER@HOST:PORT/DB"
            }
        }
    }

    public var isPostgres: Bool {
        if case .postgres = self { return true }
        return false
    }

    /// The location for messages and logs: a PostgreSQL URL without its password.
    public var description: String {
        switch self {
        case .sqlite(let path): return path
        case .postgres(let url): return StoreLocation.redacted(url)
        }
    }

    /// `postgres://user:secret@host/db` → `postgres://user@host/db`; a `password=` query
    /// parameter goes too.
    public static func redacted(_ url: String) -> String {
        guard let scheme = url.range(of: "://") else { return url }
        var out = url
        let authorityEnd = url[scheme.upperBound...].firstIndex(where: { $0 == "/" || $0 == "?" }) ?? url.endIndex
        let authority = url[scheme.upperBound..<authorityEnd]
        if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
            out = String(url[..<colon]) + String(url[at...])
        }
        if let q = out.firstIndex(of: "?") {
            let params = out[out.index(after: q)...].split(separator: "&").filter { !$0.lowercased().hasPrefix("password=") }
            out = String(out[..<q]) + (params.isEmpty ? "" : "?" + params.joined(separator: "&"))
        }
        return out
    }
}

