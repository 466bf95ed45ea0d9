import Foundation
import Logging
import Testing
import ActivityConfig
import ActivityCore
@testable import ActivityStore
@testable import ActivitySync
import ActivityTransport

/// The mail sync replayed over sessions recorded from real servers (Fixtures/transcripts), into
/// a temporary SQLite store, and cut at every crash point as `kill -9` would cut it: what the
/// store holds after the sync is run again is what an uninterrupted sync stores, and no
/// checkpoint ever passes a UID that is not stored.
@Suite("Transcript replay")
struct TranscriptReplayTests {
    /// `dovecot-faults`: Dovecot with a garbled BODYSTRUCTURE and a garbled UID in each INBOX
    /// (see Fixtures/transcripts/README.md), so the unreadable answers' rule is cut too.
    static let servers = ["dovecot", "cyrus", "courier", "dovecot-faults"]
    static let users = ["alice", "bob", "carol"]

    /// The crash the hook throws: like SIGKILL, nothing after it runs (a transaction it cuts is
    /// rolled back, as SQLite's journal does when the store is next opened).
    struct SimulatedCrash: Error {}

    /// Throws at the `n`-th passage of `point`; counts every passage of every point.
    final class CrashSwitch {
        let point: String?
        let n: Int
        var reached: [String: Int] = [:]
        init(point: String? = nil, n: Int = 0) { self.point = point; self.n = n }
        func reach(_ name: String) throws {
            reached[name, default: 0] += 1
            if name == point && reached[name] == n { throw SimulatedCrash() }
        }
    }

    /// What a sync leaves in the store, for one account: mail by key, where each was found,
    /// the folders' checkpoints and the malformed records.
    struct Snapshot: Equatable, CustomStringConvertible {
        var mail: [String]
        var locations: [String]
        var checkpoints: [String]
        var malformed: [String]
        var description: String {
            "\(mail.count) mail, \(locations.count) locations, checkpoints \(checkpoints), \(malformed.count) malformed"
        }
    }

    /// A temporary directory with the store, removed when the test is done.
    final class Scratch {
        let path: String
        init() {
            path = NSTemporaryDirectory() + "activity-replay-\(UUID().uuidString)"
            try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        var store: String { path + "/activity.db" }
        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    static func config(storePath: String) throws -> Config {
        let template = try String(contentsOf: TranscriptSession.directory("dovecot")
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("demo/activity.toml.in"), encoding: .utf8)
        let text = template.replacingOccurrences(of: "{{IMAP_URL}}", with: "imap://127.0.0.1:143")
            .replacingOccurrences(of: "{{STORE}}", with: "sqlite:" + storePath)
        return try Config.parse(text: text, path: "/nonexistent/activity.toml")
    }

    static func account(_ config: Config, server: String, user: String) throws -> Config.Account {
        var account = try #require(config.accounts.first { $0.id == "\(user)-mail" })
        let sent = user == "bob" ? "已发送" : "Sent"
        account.folders = ["INBOX", server.hasPrefix("dovecot") ? sent : "INBOX." + sent]
        return account
    }

    /// One sync of `user`'s recorded session into the store at `path`, with small batches (so a
    /// folder takes several transactions) and no commits by time (so the run is the same every
    /// time).
    static func sync(server: String, user: String, path: String, crash: CrashSwitch) throws -> AccountSyncResult {
        let config = try self.config(storePath: path)
        let store = try Store(path: path)
        var sync = MailSync(store: store, config: config, logger: Logger(label: "replay", factory: { _ in SwiftLogNoOpLogHandler() }))
        sync.batchSize = 4
        sync.commitInterval = .greatestFiniteMagnitude
        sync.crashHook = crash.reach
        let session = try TranscriptSession(server: server, user: user)
        return try sync.sync(account: try account(config, server: server, user: user), over: session)
    }

    static func snapshot(path: String, user: String) throws -> Snapshot {
        let store = try Store(path: path)
        let account = "\(user)-mail"
        let mail = try store.mails(rep: user).map { "\($0.item.key) \($0.item.calendarParts.count)" }.sorted()
        let locations = try store.db.prepare("SELECT folder, uidvalidity, uid FROM mail_location WHERE account = ?")
            .bind(.text(account)).map { "\($0.text(0)) \($0.int(1)) \($0.int(2))" }.sorted()
        var checkpoints: [String] = []
        for folder in try store.checkpointFolders(account: account).sorted() {
            if let c = try store.checkpoint(account: account, folder: folder) {
                checkpoints.append("\(folder) \(c.uidValidity) \(c.highestUID) \(c.uidNext.map(String.init) ?? "-") \(c.highestModSeq.map(String.init) ?? "-")")
            }
        }
        let malformed = try store.db.prepare("SELECT location, ref, reason FROM malformed_item WHERE account = ?")
            .bind(.text(account)).map { "\($0.text(0)) \($0.text(1)) \($0.text(2))" }.sorted()
        return Snapshot(mail: mail, locations: locations, checkpoints: checkpoints, malformed: malformed)
    }

    /// Every folder's checkpoint covers only stored UIDs: each UID the server has at or below
    /// it has a location in the store.
    static func checkpointsCoverOnlyStored(path: String, server: String, user: String) throws -> [String] {
        let store = try Store(path: path)
        let account = "\(user)-mail"
        let session = try TranscriptSession(server: server, user: user)
        var problems: [String] = []
        for folder in try store.checkpointFolders(account: account) {
            guard let c = try store.checkpoint(account: account, folder: folder) else { continue }
            let stored = Set(try store.db.prepare("SELECT uid FROM mail_location WHERE account = ? AND folder = ?")
                .bind(.text(account), .text(folder)).map { UInt32($0.int(0)) })
            for uid in session.recordedUIDs(folder: folder) where uid <= c.highestUID && !stored.contains(uid) {
                problems.append("\(folder): checkpoint \(c.highestUID) passes UID \(uid), which is not stored")
            }
        }
        return problems
    }

    @Test("A sync replayed from each server's transcript stores every message of the folders, once")
    func uninterrupted() throws {
        for server in Self.servers {
            for user in Self.users {
                let scratch = Scratch()
                let result = try Self.sync(server: server, user: user, path: scratch.store, crash: CrashSwitch())
                let snapshot = try Self.snapshot(path: scratch.store, user: user)
                let messages = try TranscriptSession(server: server, user: user).recordedMessageCount
                #expect(snapshot.locations.count == messages, "\(server) \(user): \(snapshot)")
                #expect(result.fetched == messages, "\(server) \(user)")
                #expect(snapshot.checkpoints.count == 2, "\(server) \(user): \(snapshot)")
                // The garbled BODYSTRUCTURE: stored from its header fields, and recorded.
                #expect(snapshot.malformed.count == (server.hasSuffix("-faults") ? 1 : 0), "\(server) \(user): \(snapshot.malformed)")
                // Run again: nothing new, nothing changes.
                _ = try Self.sync(server: server, user: user, path: scratch.store, crash: CrashSwitch())
                #expect(try Self.snapshot(path: scratch.store, user: user) == snapshot, "\(server) \(user)")
            }
        }
    }

    @Test("A sync cut at any crash point and run again stores what an uninterrupted one does, and no checkpoint passes an unstored UID",
          arguments: servers)
    func cutAtEveryCrashPoint(server: String) throws {
        var covered: Set<String> = []
        for user in Self.users {
            let clean = Scratch()
            let counter = CrashSwitch()
            _ = try Self.sync(server: server, user: user, path: clean.store, crash: counter)
            let expected = try Self.snapshot(path: clean.store, user: user)
            for point in CrashPoint.all where point.hasPrefix("mail.") {
                let passages = counter.reached[point] ?? 0
                #expect(passages > 1, "\(server) \(user): \(point) reached \(passages) times")
                for n in 1...max(1, passages) {
                    let scratch = Scratch()
                    #expect(throws: SimulatedCrash.self, "\(server) \(user) \(point):\(n)") {
                        try Self.sync(server: server, user: user, path: scratch.store, crash: CrashSwitch(point: point, n: n))
                    }
                    let cut = try Self.checkpointsCoverOnlyStored(path: scratch.store, server: server, user: user)
                    #expect(cut.isEmpty, "\(server) \(user) \(point):\(n) after the cut: \(cut)")
                    _ = try Self.sync(server: server, user: user, path: scratch.store, crash: CrashSwitch())
                    let again = try Self.snapshot(path: scratch.store, user: user)
                    #expect(again == expected, """
                        \(server) \(user) \(point):\(n): \(again) instead of \(expected); \
                        locations missing \(Set(expected.locations).subtracting(again.locations).sorted()), \
                        extra \(Set(again.locations).subtracting(expected.locations).sorted())
                        """)
                    covered.insert(point)
                }
            }
        }
        #expect(covered == Set(CrashPoint.all.filter { $0.hasPrefix("mail.") }))
    }
}
