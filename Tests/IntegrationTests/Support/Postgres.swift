import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real PostgreSQL 15 on loopback, started by scripts/postgres-instance in its own directory
/// (initdb, pg_ctl as the `postgres` user, no system service). The role `activity` logs in with
/// a password over TCP, as a sync machine would; `database()` hands each test a fresh database.
final class PostgresServer: @unchecked Sendable {
    static let password = "pg-secret"
    let dir = TempDir("activity-postgres")
    let port: Int
    private let lock = NSLock()
    private var databases = 0

    /// One server for the tests that only need a database of their own, started on first use
    /// and stopped when the test process exits. (Not a `static let`: a process started inside
    /// a lazy global's initializer is never seen to exit by Foundation.)
    static func shared() throws -> PostgresServer {
        try sharedLock.withLock {
            if let s = sharedServer { return s }
            let s = try PostgresServer()
            sharedServer = s
            atexit { PostgresServer.sharedServer?.stop() }
            return s
        }
    }
    private static let sharedLock = NSLock()
    nonisolated(unsafe) private static var sharedServer: PostgresServer?

    init() throws {
        port = loopbackPortOutsideEphemeralRange()
        let r = try run(Repo.path("scripts/postgres-instance"),
                        ["start", dir.path, "--port", String(port), "--user", "activity:\(PostgresServer.password)"])
        // For the stores this test process opens itself; commands get it in their environment.
        setenv("PGPASSWORD", PostgresServer.password, 1)
        guard r.status == 0 else {
            throw HarnessError(description: "PostgreSQL did not start (is it installed? run scripts/install-deps): \(r.stdout)\(r.stderr)")
        }
    }

    /// The environment a client needs: the password as libpq reads it.
    var environment: [String: String] { ["PGPASSWORD": PostgresServer.password] }

    /// A new empty database owned by `activity`; its URL (without the password).
    func database() throws -> String {
        let name = lock.withLock { databases += 1; return "ledger_\(getpid())_\(databases)" }
        try psql("CREATE DATABASE \(name) OWNER activity")
        return url(name)
    }

    func url(_ database: String) -> String { "postgres://activity@127.0.0.1:\(port)/\(database)" }

    /// Runs SQL as the superuser over the server's private socket.
    @discardableResult
    func psql(_ sql: String, database: String = "postgres") throws -> String {
        let r = try run("/usr/bin/setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", "--",
                                              "/usr/bin/psql", "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-h", dir.path,
                                              "-p", String(port), "-U", "postgres", "-d", database, "-c", sql])
        guard r.status == 0 else { throw HarnessError(description: "psql \(sql): \(r.stderr)") }
        return r.stdout
    }

    /// Stops and starts the server: every connection is cut, as in a database restart.
    func restart() throws {
        let r = try run(Repo.path("scripts/postgres-instance"), ["restart", dir.path])
        guard r.status == 0 else { throw HarnessError(description: "PostgreSQL did not restart: \(r.stderr)") }
    }

    func stop() { _ = try? run(Repo.path("scripts/postgres-instance"), ["stop", dir.path]) }

    deinit { stop() }
}

/// A free TCP port on 127.0.0.1 below the kernel's ephemeral range (32768–60999), so that no
/// client's outgoing connection can take it between now and the server's start.
func loopbackPortOutsideEphemeralRange() -> Int {
    for _ in 0..<200 {
        let port = Int.random(in: 20_000..<32_000)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
        close(fd)
        if ok { return port }
    }
    return freePort()
}
