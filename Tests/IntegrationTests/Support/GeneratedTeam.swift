import Foundation
@testable import ActivityStore
import ActivityCore
#if canImport(Glibc)
import Glibc
#endif

/// The fixture team on a large generated mailbox and calendar (scripts/gen-mailbox), served by a
/// real Dovecot and Radicale, for the crash and fault tests.
final class GeneratedTeam {
    let corpus = TempDir("activity-corpus")
    let dovecot: Dovecot
    let radicale: Radicale
    let messages: Int
    let events: Int

    init(messages: Int, events: Int, seed: Int = 1) throws {
        self.messages = messages
        self.events = events
        let r = try run(Repo.path("scripts/gen-mailbox"), [corpus.path, "--messages", String(messages), "--events", String(events),
                                                           "--seed", String(seed)])
        guard r.status == 0 else { throw HarnessError(description: "gen-mailbox failed: \(r.stderr)") }
        dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: corpus.file("mail"))
        radicale = try Radicale(users: ["alice": "pw-alice"], collectionsFrom: corpus.file("caldav"))
    }

    var imapURL: String { "imap://127.0.0.1:\(dovecot.imapPort)" }
    var caldavURL: String { radicale.principalURL("alice") }

    /// A fresh config and store for the team (every account: three mailboxes, alice's calendar).
    func team(imapURL: String? = nil, caldavURL: String? = nil, extra: String = "", postgres: PostgresServer? = nil,
              edit: @escaping (String) -> String = { $0 }) throws -> FixtureTeam {
        try FixtureTeam(imapURL: imapURL ?? self.imapURL, caldavURL: caldavURL ?? self.caldavURL, extra: extra,
                        postgres: postgres, edit: edit)
    }
}

/// Everything a sync leaves in a store that must not depend on how the sync was interrupted:
/// the ledger (activities and exchanges), the items, where they were found, and the checkpoints.
/// Bookkeeping that legitimately differs (account_status, ledger_state versions) is left out.
struct StoreSnapshot: Equatable {
    var tables: [String: [String]]

    static let queries: [(String, String)] = [
        ("activity", "SELECT id, rep, kind, step, at, week, org, other_orgs, title, rule, source_type, account, ref, adjustment, counted FROM activity"),
        ("adjustment", "SELECT id, action, rep, activity, kind, from_kind, org, to_org, activity_at, title, ref, revokes, made_by, made_at, reason FROM adjustment"),
        ("exchange", "SELECT rep, org, at, direction FROM exchange"),
        ("mail", "SELECT rep, key, message_id, date, date_source, from_addr, to_addrs, cc_addrs, subject, thread_key, automated, account, hex(headers) FROM mail"),
        ("mail_calendar_part", "SELECT m.key, p.position, hex(p.body) FROM mail_calendar_part p JOIN mail m ON m.id = p.mail_id"),
        ("mail_location", "SELECT l.account, l.folder, l.uidvalidity, l.uid, m.key FROM mail_location l JOIN mail m ON m.id = l.mail_id"),
        ("folder_checkpoint", "SELECT account, folder, uidvalidity, uidnext, highest_uid, highestmodseq FROM folder_checkpoint"),
        ("calendar_collection", "SELECT account, url, display_name, sync_token FROM calendar_collection"),
        ("calendar_object", "SELECT account, calendar, href, etag, hex(data) FROM calendar_object"),
        ("malformed_item", "SELECT account, location, ref, kind, reason FROM malformed_item"),
    ]

    init(store path: String) throws {
        try self.init(SQLiteDatabase(path: path, readOnly: true))
    }

    /// The snapshot of a store of either engine (bytes compared as upper-case hex on both).
    init(location: StoreLocation) throws {
        guard case .postgres = location else {
            if case .sqlite(let path) = location { try self.init(store: path) } else { fatalError() }
            return
        }
        try self.init(Store(location: location).db)
    }

    private init(_ db: any Connection) throws {
        var tables: [String: [String]] = [:]
        let hex = try! NSRegularExpression(pattern: "hex\\(([a-z_.]+)\\)")
        for (name, query) in StoreSnapshot.queries {
            var sql = query
            if db.dialect.isPostgres {
                sql = hex.stringByReplacingMatches(in: sql, range: NSRange(sql.startIndex..., in: sql), withTemplate: "upper(encode($1, 'hex'))")
            }
            let rows = try db.prepare(sql).map { row in
                (0..<row.columnCount).map { row.isNull($0) ? "∅" : row.text($0) }.joined(separator: "\t")
            }
            tables[name] = rows.sorted()
        }
        self.tables = tables
    }

    var activityCount: Int { tables["activity"]?.count ?? 0 }

    /// The same with every loopback `host:port` written `HOST` (a calendar's URL names the port
    /// of the server or of the proxy in front of it).
    var withoutPorts: StoreSnapshot {
        let pattern = try! NSRegularExpression(pattern: "(127\\.0\\.0\\.1|localhost):[0-9]+")
        var copy = self
        for (name, rows) in tables {
            copy.tables[name] = rows.map { row in
                pattern.stringByReplacingMatches(in: row, range: NSRange(row.startIndex..., in: row), withTemplate: "HOST")
            }.sorted()
        }
        return copy
    }

    /// What differs, table by table, for a failure message (the first few rows each way).
    func difference(from other: StoreSnapshot) -> String {
        var out: [String] = []
        for (name, _) in StoreSnapshot.queries {
            let a = Set(tables[name] ?? []), b = Set(other.tables[name] ?? [])
            guard a != b else { continue }
            let missing = b.subtracting(a).sorted().prefix(3), extra = a.subtracting(b).sorted().prefix(3)
            out.append("\(name): \(a.count) rows vs \(b.count); missing \(Array(missing)); extra \(Array(extra))")
        }
        return out.isEmpty ? "identical" : out.joined(separator: "\n")
    }
}

/// `activity` started in the background (stdout and stderr to files), to be killed or waited for.
final class RunningActivity {
    let process = Process()
    private let dir = TempDir("activity-bg")

    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        process.executableURL = URL(fileURLWithPath: Repo.binary)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["ACTIVITY_LOG"] = "warning"
        for (k, v) in environment { env[k] = v }
        process.environment = env
        FileManager.default.createFile(atPath: dir.file("out"), contents: nil)
        FileManager.default.createFile(atPath: dir.file("err"), contents: nil)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle(forWritingAtPath: dir.file("out"))
        process.standardError = FileHandle(forWritingAtPath: dir.file("err"))
        try process.run()
    }

    /// SIGKILL, as `kill -9` would; true if the process was still running.
    @discardableResult
    func kill9() -> Bool {
        let alive = process.isRunning
        if alive { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return alive && process.terminationReason == .uncaughtSignal
    }

    func wait() -> Run {
        process.waitUntilExit()
        return Run(status: process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus,
                   stdout: (try? String(contentsOfFile: dir.file("out"), encoding: .utf8)) ?? "",
                   stderr: (try? String(contentsOfFile: dir.file("err"), encoding: .utf8)) ?? "")
    }
}

/// scripts/fault-proxy in front of a server: cuts, stalls, delays or corrupts the stream at a
/// chosen byte of chosen connections (see the script for the rules). Stopped when dropped.
final class FaultProxy {
    let port: Int
    let dir = TempDir("activity-proxy")
    private let process = Process()

    init(to targetPort: Int, rules: [String]) throws {
        port = freePort()
        process.executableURL = URL(fileURLWithPath: Repo.path("scripts/fault-proxy"))
        process.arguments = ["--listen", String(port), "--target", "127.0.0.1:\(targetPort)", "--log", dir.file("log"),
                             "--dump-up", dir.file("up")] + rules
        process.standardInput = FileHandle.nullDevice
        FileManager.default.createFile(atPath: dir.file("out"), contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: dir.file("out"))
        process.standardError = FileHandle(forWritingAtPath: dir.file("out"))
        try process.run()
        // Ready once it says so: it prints its banner after binding the port. (A probe
        // connection would count as connection 1 and take that connection's faults.)
        for _ in 0..<200 {
            if !process.isRunning { throw HarnessError(description: "fault-proxy exited: \(output)") }
            if output.hasPrefix("fault-proxy:") { return }
            usleep(25_000)
        }
        throw HarnessError(description: "fault-proxy did not start listening: \(output)")
    }

    /// The events the proxy logged: `conn N accepted`, `conn N down cut at B`, ...
    var log: [String] {
        ((try? String(contentsOfFile: dir.file("log"), encoding: .utf8)) ?? "").split(separator: "\n")
            .map { $0.split(separator: " ", maxSplits: 1).last.map(String.init) ?? "" }
    }

    /// What the client sent on each connection forwarded upstream, whole, in connection order
    /// (as it sent it, before any rule; connections answered by `respond=` are not there).
    var requests: [String] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir.file("up"))) ?? []).filter { $0.hasSuffix(".up") }
        return names.sorted { (Int($0.dropFirst(5).dropLast(3)) ?? 0) < (Int($1.dropFirst(5).dropLast(3)) ?? 0) }
            .map { String(decoding: FileManager.default.contents(atPath: dir.file("up/" + $0)) ?? Data(), as: UTF8.self) }
    }

    /// The lines the client sent on connection `n` (1-based), as it sent them (before any rule).
    func sent(connection n: Int) -> [String] {
        let data = FileManager.default.contents(atPath: dir.file("up/conn-\(n).up")) ?? Data()
        return String(decoding: data, as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.isEmpty }
    }

    /// The commands the client sent on every connection, in order, without their tags.
    var sentCommands: [String] {
        (1...max(1, connections)).flatMap { n in
            sent(connection: n).map { line in line.split(separator: " ", maxSplits: 1).dropFirst().first.map(String.init) ?? line }
        }
    }

    /// How many connections reached the proxy.
    var connections: Int { log.filter { $0.hasSuffix(" accepted") }.count }

    /// Whether a fault was applied (`cut`, `stall`, `replace`, `respond`...).
    func fired(_ action: String) -> Bool { log.contains { $0.contains(" \(action)") } }

    private var output: String { (try? String(contentsOfFile: dir.file("out"), encoding: .utf8)) ?? "" }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    deinit { stop() }
}
