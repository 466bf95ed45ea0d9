import Foundation
import Logging
import Testing
import ActivityConfig
import ActivityCore
@testable import ActivityStore
@testable import ActivitySync
import ActivityTransport

/// A whole `sync` run — the three reps' mail (Dovecot's recorded sessions), alice's calendars
/// (Radicale's recorded exchanges), each rep's derivation — replayed into a temporary SQLite store
/// by `SyncRunner`, cut at every crash point of the run as `kill -9` would cut it, and run again:
/// the ledger is the uninterrupted run's, and no rep's `ledger_state` ever says fresh for
/// activities that are not derived from the items the store holds.
@Suite("Run replay")
struct RunReplayTests {
    typealias Crash = TranscriptReplayTests.CrashSwitch
    static let calendarServer = "radicale-caldav"
    /// What `digest` passes, which no sync reaches: cut by hook in DigestCrashTests (the
    /// digest's sender is the CLI's, which only the integration target imports) and by real kills
    /// in DigestTests (`ACTIVITY_CRASH_AT=digest.sent:2`, `digest.marked:2`, a real SMTP sink).
    static let digestPoints: Set<String> = ["digest.marked", "digest.sent"]

    static func runner(path: String, crash: Crash) throws -> SyncRunner {
        let (client, url) = try RecordedCalendarReplayTests.client(calendarServer, "first")
        var config = try RecordedCalendarReplayTests.config(storePath: path, url: url)
        for i in config.accounts.indices where config.accounts[i].kind == .imap {
            let user = config.accounts[i].username
            config.accounts[i].folders = ["INBOX", user == "bob" ? "已发送" : "Sent"]
        }
        var runner = SyncRunner(config: config, store: try Store(path: path),
                                logger: Logger(label: "replay", factory: { _ in SwiftLogNoOpLogHandler() }),
                                suffixes: PublicSuffixList(text: "com\ncn\ncom.cn\n"))
        runner.retry = .once
        runner.jobs = 1
        runner.crashHook = crash.reach
        runner.mailSession = { account in try TranscriptSession(server: "dovecot", user: account.username) }
        runner.calendarSession = { _ in client }
        return runner
    }

    @discardableResult
    static func run(path: String, crash: Crash) throws -> SyncRunner.Outcome {
        let runner = try runner(path: path, crash: crash)
        return runner.runOnce(accounts: runner.config.accounts)
    }

    /// Every rep's activities, every column.
    static func ledger(path: String) throws -> [String] {
        try Store(path: path).db.prepare("SELECT rep, id, kind, step, at, week, org, other_orgs, title, rule, source_type, account, ref FROM activity")
            .map { r in (Int32(0)..<13).map { r.text($0) }.joined(separator: " | ") }.sorted()
    }

    /// The reps whose `ledger_state` says fresh while their activities are not what deriving
    /// the stored items gives.
    static func falselyFresh(path: String) throws -> [String] {
        let runner = try runner(path: path, crash: Crash())
        let store = runner.store
        let stale = Set(try store.staleReps(runner.config.reps.map(\.id)))
        var wrong: [String] = []
        for rep in runner.config.reps where !stale.contains(rep.id) {
            let stored = try store.db.prepare("SELECT id FROM activity WHERE rep = ?").bind(.text(rep.id)).map { $0.text(0) }.sorted()
            let derived = try runner.derivation.verdicts(rep: rep, store: store, now: Date()).flatMap(\.activities).map(\.id).sorted()
            if stored != derived { wrong.append("\(rep.id): \(stored.count) activities stored, \(derived.count) derived") }
        }
        return wrong
    }

    @Test("A run cut at any crash point of the sync and run again derives the uninterrupted run's ledger, and never marks a ledger fresh that is not")
    func cutAtEveryCrashPoint() throws {
        let clean = TranscriptReplayTests.Scratch()
        let counter = Crash()
        let outcome = try Self.run(path: clean.store, crash: counter)
        #expect(outcome.worst == nil, "\(outcome.worst?.message ?? "")")
        #expect(outcome.derived == ["alice", "bob", "carol"])
        let expected = try Self.ledger(path: clean.store)
        #expect(expected.count > 10)
        #expect(try Self.falselyFresh(path: clean.store).isEmpty)
        // Run again: nothing new, the ledger stays.
        #expect(try Self.run(path: clean.store, crash: Crash()).derived.isEmpty)
        #expect(try Self.ledger(path: clean.store) == expected)

        var covered: Set<String> = []
        for point in CrashPoint.all where !Self.digestPoints.contains(point) {
            let passages = counter.reached[point] ?? 0
            #expect(passages >= 1, "\(point) never reached")
            // The run's own points at every passage; the accounts' (which the transcript suites
            // cut at every passage) at their first and last.
            let cuts = point.hasPrefix("sync.") || point.hasPrefix("derive.") ? Array(1...max(1, passages)) : Array(Set([1, max(1, passages)])).sorted()
            for n in cuts {
                let scratch = TranscriptReplayTests.Scratch()
                let crash = Crash(point: point, n: n)
                let cut = try Self.run(path: scratch.store, crash: crash)
                // The number of batch commits of a mail folder can depend on time (commit_interval).
                guard cut.worst?.message.contains("crashed at \(point)") == true else { continue }
                #expect(cut.derived.count < 3 || point == "derive.committed", "\(point):\(n) derived \(cut.derived)")
                let wrong = try Self.falselyFresh(path: scratch.store)
                #expect(wrong.isEmpty, "\(point):\(n) after the cut: \(wrong)")
                let again = try Self.run(path: scratch.store, crash: Crash())
                #expect(again.worst == nil, "\(point):\(n): \(again.worst?.message ?? "")")
                #expect(try Self.ledger(path: scratch.store) == expected, "\(point):\(n)")
                #expect(try Self.falselyFresh(path: scratch.store).isEmpty, "\(point):\(n)")
                covered.insert(point)
            }
        }
        #expect(covered.union(Self.digestPoints) == Set(CrashPoint.all))
    }

    /// Which tests cut each crash point by hook (each also checks it reached the points it
    /// names). A point added to `CrashPoint.all` fails the test below until a test cuts it.
    static let cutBy: [String: [String]] = [
        "mail.before-commit": ["TranscriptReplayTests", "RunReplayTests"],
        "mail.committed": ["TranscriptReplayTests", "RunReplayTests"],
        "calendar.before-commit": ["CalendarReplayTests", "RecordedCalendarReplayTests", "RunReplayTests"],
        "calendar.committed": ["CalendarReplayTests", "RecordedCalendarReplayTests", "RunReplayTests"],
        "sync.accounts-done": ["RunReplayTests"],
        "derive.before-commit": ["RunReplayTests"],
        "derive.committed": ["RunReplayTests"],
        "digest.marked": ["DigestCrashTests (IntegrationTests)"],
        "digest.sent": ["DigestCrashTests (IntegrationTests)"],
    ]

    @Test("Every crash point is cut by some test's hook")
    func everyCrashPointIsCut() {
        #expect(Set(Self.cutBy.keys) == Set(CrashPoint.all),
                "no test named for \(Set(CrashPoint.all).subtracting(Self.cutBy.keys).sorted())")
    }
}
