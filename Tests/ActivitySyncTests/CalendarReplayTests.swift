import Foundation
import Logging
import Testing
import ActivityConfig
import ActivityCore
@testable import ActivityStore
@testable import ActivitySync
import ActivityTransport

/// A CalDAV account that serves the fixture calendars (Fixtures/caldav/alice, what the
/// integration tests load into Radicale and Xandikos) as a server with sync-collection would:
/// each state of the collections has a token, `changes(since:)` answers the difference from an
/// earlier state, an unknown token is refused, and calendar-multiget answers two objects at a
/// time (so a calendar takes several transactions). Kept beside the recordings of real servers
/// (`RecordedCalendarReplayTests` below) for that: there each calendar is fetched by one
/// multiget, so no cut falls between two batches of one calendar.
final class FixtureCalendarSession: CalendarSession {
    static let origin = "http://127.0.0.1:5232"
    /// Each state: token → calendar URL → href → (etag, data).
    private var states: [(token: String, calendars: [String: [String: (etag: String, data: [UInt8])]])] = []

    init() throws {
        let root = TranscriptSession.directory("dovecot").deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("caldav/alice")
        var calendars: [String: [String: (etag: String, data: [UInt8])]] = [:]
        for name in ["meetings", "work"] {
            let dir = root.appendingPathComponent(name)
            let url = "\(Self.origin)/alice/\(name)/"
            for file in try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() where file.hasSuffix(".ics") {
                let data = [UInt8](try Data(contentsOf: dir.appendingPathComponent(file)))
                calendars[url, default: [:]]["/alice/\(name)/\(file)"] = (Self.etag(data), data)
            }
        }
        states.append(("t1", calendars))
    }

    /// The next state: `href` removed from the first calendar, and another object there changed.
    func change() {
        var calendars = states.last!.calendars
        let url = "\(Self.origin)/alice/meetings/"
        let hrefs = calendars[url]!.keys.sorted()
        calendars[url]![hrefs[0]] = nil
        var changed = calendars[url]![hrefs[1]]!
        changed.data += Array("\n".utf8)
        changed.etag = Self.etag(changed.data)
        calendars[url]![hrefs[1]] = changed
        states.append(("t\(states.count + 1)", calendars))
    }

    static func etag(_ data: [UInt8]) -> String {
        var h = FNV1a64()
        for b in data { h.add(b) }
        return "\"\(h.hex)\""
    }

    var current: [String: [String: (etag: String, data: [UInt8])]] { states.last!.calendars }
    var token: String { states.last!.token }

    func discoverCalendars() throws -> [CalDAVCalendar] {
        current.keys.sorted().map { CalDAVCalendar(url: $0, displayName: nil, supportsSyncCollection: true) }
    }

    func changes(in calendar: CalDAVCalendar, since token: String?) throws -> CalDAVChanges {
        let now = current[calendar.url] ?? [:]
        guard let token else {
            return CalDAVChanges(token: self.token, changed: now.map { ($0.key, $0.value.etag) }, deleted: [])
        }
        guard let then = states.first(where: { $0.token == token })?.calendars[calendar.url] else { throw CalDAVSyncTokenInvalid() }
        return CalDAVChanges(token: self.token, changed: now.filter { then[$0.key]?.etag != $0.value.etag }.map { ($0.key, $0.value.etag) },
                             deleted: then.keys.filter { now[$0] == nil })
    }

    func etags(in calendar: CalDAVCalendar) throws -> [String: String] {
        (current[calendar.url] ?? [:]).mapValues(\.etag)
    }

    func fetch(_ hrefs: [String], from calendar: CalDAVCalendar, each deliver: ([CalDAVItem]) throws -> Void) throws {
        let objects = current[calendar.url] ?? [:]
        var start = 0
        while start < hrefs.count {
            let batch = hrefs[start..<min(start + 2, hrefs.count)]
            try deliver(batch.compactMap { href in objects[href].map { CalDAVItem(href: href, etag: $0.etag, data: $0.data) } })
            start += 2
        }
    }

    func isOnThisServer(_ url: String) -> Bool { url.hasPrefix(Self.origin) }
    func collectionExists(_ url: String) throws -> Bool { current[url] != nil }
}

/// The calendar sync over the fixture calendars, into a temporary SQLite store, cut at every
/// calendar crash point and run again.
@Suite("Calendar replay")
struct CalendarReplayTests {
    typealias Crash = TranscriptReplayTests.CrashSwitch

    static func sync(_ session: FixtureCalendarSession, path: String, crash: Crash) throws {
        let config = try TranscriptReplayTests.config(storePath: path)
        var account = try #require(config.accounts.first { $0.id == "alice-mail" })
        account.id = "alice-cal"
        account.kind = .caldav
        account.url = FixtureCalendarSession.origin + "/alice/"
        account.calendars = []
        var sync = CalendarSync(store: try Store(path: path), logger: Logger(label: "replay", factory: { _ in SwiftLogNoOpLogHandler() }))
        sync.crashHook = crash.reach
        _ = try sync.sync(account: account, over: session)
    }

    /// Every calendar's objects (href and etag) and token.
    static func snapshot(path: String) throws -> [String] {
        let store = try Store(path: path)
        var out: [String] = []
        for (url, token) in try store.calendars(account: "alice-cal") {
            out.append("\(url) token \(token ?? "-")")
            for (href, etag) in try store.calendarETags(account: "alice-cal", calendar: url).sorted(by: { $0.key < $1.key }) {
                out.append("\(href) \(etag)")
            }
        }
        return out
    }

    /// A stored token covers only stored objects: where a calendar's token is the server's
    /// present one, the store holds exactly the server's objects.
    static func tokensCoverOnlyStored(path: String, session: FixtureCalendarSession) throws -> [String] {
        let store = try Store(path: path)
        var problems: [String] = []
        for (url, token) in try store.calendars(account: "alice-cal") where token == session.token {
            let stored = try store.calendarETags(account: "alice-cal", calendar: url)
            let server = (session.current[url] ?? [:]).mapValues(\.etag)
            if stored != server { problems.append("\(url): token \(token ?? "-") saved, but the store has \(stored.count) of \(server.count) objects as the server has them") }
        }
        return problems
    }

    @Test("A calendar sync cut at any crash point, first or incremental, and run again stores what an uninterrupted one does")
    func cutAtEveryCrashPoint() throws {
        // Uninterrupted: a first sync, then one after a deletion and a change.
        let clean = TranscriptReplayTests.Scratch()
        let counter = Crash()
        let session = try FixtureCalendarSession()
        try Self.sync(session, path: clean.store, crash: counter)
        let first = try Self.snapshot(path: clean.store)
        session.change()
        try Self.sync(session, path: clean.store, crash: counter)
        let expected = try Self.snapshot(path: clean.store)
        #expect(first != expected)
        #expect(expected.contains { $0.hasSuffix("token t2") })

        var covered: Set<String> = []
        for point in CrashPoint.all where point.hasPrefix("calendar.") {
            let passages = counter.reached[point] ?? 0
            #expect(passages > 2, "\(point) reached \(passages) times")
            for n in 1...max(1, passages) {
                let scratch = TranscriptReplayTests.Scratch()
                let server = try FixtureCalendarSession()
                let crash = Crash(point: point, n: n)
                for step in 0..<2 {
                    if step == 1 { server.change() }
                    do {
                        try Self.sync(server, path: scratch.store, crash: crash)
                    } catch is TranscriptReplayTests.SimulatedCrash {
                        let cut = try Self.tokensCoverOnlyStored(path: scratch.store, session: server)
                        #expect(cut.isEmpty, "\(point):\(n) after the cut: \(cut)")
                        try Self.sync(server, path: scratch.store, crash: Crash())
                        covered.insert(point)
                    }
                    if step == 0 { #expect(try Self.snapshot(path: scratch.store) == first, "\(point):\(n)") }
                }
                #expect(try Self.snapshot(path: scratch.store) == expected, "\(point):\(n)")
            }
        }
        #expect(covered == Set(CrashPoint.all.filter { $0.hasPrefix("calendar.") }))
    }
}

/// The calendar sync replayed from HTTP exchanges recorded from real servers
/// (Fixtures/transcripts/SERVER-caldav, by scripts/record-caldav-transcripts): the live
/// `CalDAVClient` — discovery, sync-collection, calendar-multiget, the multistatus and iCalendar
/// parsing — over a `DAVReplay` in place of the network, into a temporary SQLite store, a first
/// sync and an incremental one (an event added, one changed, one deleted), cut at every passage
/// through the calendar crash points and run again.
@Suite("Calendar replay from recorded servers")
struct RecordedCalendarReplayTests {
    typealias Crash = TranscriptReplayTests.CrashSwitch
    static let servers = ["radicale-caldav", "xandikos-caldav"]
    static let phases = ["first", "changed"]
    /// A fixed moment after the recorded events (2026-11), so the ledger window never moves.
    static let now = Date(timeIntervalSince1970: 1_796_601_600)   // 2026-12-07

    /// The fixture team with alice's calendar account at the recorded server's URL.
    static func config(storePath: String, url: String) throws -> Config {
        let fixtures = TranscriptSession.directory("dovecot").deletingLastPathComponent().deletingLastPathComponent()
        let team = try String(contentsOf: fixtures.appendingPathComponent("demo/activity.toml.in"), encoding: .utf8)
        let calendars = try String(contentsOf: fixtures.appendingPathComponent("demo/calendar-accounts.toml.in"), encoding: .utf8)
        let text = (team + calendars).replacingOccurrences(of: "{{IMAP_URL}}", with: "imap://127.0.0.1:143")
            .replacingOccurrences(of: "{{STORE}}", with: "sqlite:" + storePath)
            .replacingOccurrences(of: "{{CALDAV_URL}}", with: url)
        return try Config.parse(text: text, path: "/nonexistent/activity.toml")
    }

    static func exchanges(_ server: String, _ phase: String) throws -> [DAVExchange] {
        try DAVTranscript.load(TranscriptSession.directory(server).appendingPathComponent("\(phase).jsonl").path)
    }

    /// A live client whose requests the recording answers.
    static func client(_ server: String, _ phase: String) throws -> (CalDAVClient, url: String) {
        let recorded = try exchanges(server, phase)
        let url = try #require(recorded.first?.url)   // the first request: the account's URL
        let client = try CalDAVClient(endpoint: CalDAVEndpoint(url: url, username: "alice", password: "", account: "alice-cal"),
                                      transport: DAVReplay(recorded))
        return (client, url)
    }

    static func sync(_ server: String, _ phase: String, path: String, crash: Crash) throws {
        let (client, url) = try client(server, phase)
        let config = try config(storePath: path, url: url)
        let account = try #require(config.accounts.first { $0.id == "alice-cal" })
        var sync = CalendarSync(store: try Store(path: path), logger: Logger(label: "replay", factory: { _ in SwiftLogNoOpLogHandler() }))
        sync.crashHook = crash.reach
        _ = try sync.sync(account: account, over: client)
    }

    /// What the store holds of alice's calendars: per calendar its token and each object's etag
    /// and data.
    struct Calendars: Equatable {
        var tokens: [String: String] = [:]
        var objects: [String: [String: String]] = [:]
    }

    static func calendars(path: String) throws -> Calendars {
        let store = try Store(path: path)
        var out = Calendars()
        for (url, token) in try store.calendars(account: "alice-cal") { out.tokens[url] = token ?? "-" }
        for o in try store.calendarObjects(accounts: ["alice-cal"]) {
            out.objects[o.calendar, default: [:]][o.href] = "\(o.etag) \(String(decoding: o.data, as: UTF8.self))"
        }
        return out
    }

    /// alice's ledger derived from the store (every column the week and export read).
    static func ledger(path: String, url: String) throws -> [String] {
        let config = try config(storePath: path, url: url)
        let store = try Store(path: path)
        let derivation = Derivation(config: config, suffixes: PublicSuffixList(text: "com\ncn\ncom.cn\n"))
        try derivation.rederive(rep: try #require(config.rep("alice")), store: store, now: now)
        return try store.db.prepare("SELECT id, kind, step, at, week, org, title, rule, source_type, account, ref FROM activity WHERE rep = 'alice'")
            .map { r in (Int32(0)..<11).map { r.text($0) }.joined(separator: " | ") }.sorted()
    }

    @Test("A replayed sync of each recorded server stores its events, and the incremental one adds, changes and deletes",
          arguments: servers)
    func uninterrupted(server: String) throws {
        let scratch = TranscriptReplayTests.Scratch()
        let url = try Self.client(server, "first").url
        try Self.sync(server, "first", path: scratch.store, crash: Crash())
        let first = try Self.calendars(path: scratch.store)
        #expect(first.objects.count == 2, "\(first.objects.keys)")
        #expect(first.objects.values.map(\.count).reduce(0, +) == 13)
        #expect(first.tokens.values.allSatisfy { $0 != "-" })
        #expect(first.objects.values.flatMap(\.values).contains { $0.contains("SUMMARY:产品演示 - 招商银行") })
        let before = try Self.ledger(path: scratch.store, url: url)
        try Self.sync(server, "changed", path: scratch.store, crash: Crash())
        let changed = try Self.calendars(path: scratch.store)
        let hrefs = Set(changed.objects.values.flatMap(\.keys))
        #expect(hrefs.contains { $0.hasSuffix("/work/visit-pingan-renewal.ics") })
        #expect(!hrefs.contains { $0.hasSuffix("/meetings/declined.ics") })
        #expect(changed.objects.values.flatMap(\.values).contains { $0.contains("SUMMARY:拜访华为（改期）") })
        #expect(changed.tokens != first.tokens)
        let after = try Self.ledger(path: scratch.store, url: url)
        #expect(after != before)
    }

    @Test("A replayed sync cut at any calendar crash point, first or incremental, and run again stores and derives what an uninterrupted one does",
          arguments: servers)
    func cutAtEveryCrashPoint(server: String) throws {
        let url = try Self.client(server, "first").url
        let clean = TranscriptReplayTests.Scratch()
        let counter = Crash()
        var expected: [String: Calendars] = [:]
        for phase in Self.phases {
            try Self.sync(server, phase, path: clean.store, crash: counter)
            expected[phase] = try Self.calendars(path: clean.store)
        }
        let ledger = try Self.ledger(path: clean.store, url: url)
        var covered: Set<String> = []
        for point in CrashPoint.all where point.hasPrefix("calendar.") {
            let passages = counter.reached[point] ?? 0
            #expect(passages >= 4, "\(server): \(point) reached \(passages) times")
            for n in 1...max(1, passages) {
                let scratch = TranscriptReplayTests.Scratch()
                let crash = Crash(point: point, n: n)
                for phase in Self.phases {
                    do {
                        try Self.sync(server, phase, path: scratch.store, crash: crash)
                    } catch is TranscriptReplayTests.SimulatedCrash {
                        // A token stored is the uninterrupted run's only with that run's objects.
                        let cut = try Self.calendars(path: scratch.store)
                        let want = try #require(expected[phase])
                        for (calendar, token) in cut.tokens where token == want.tokens[calendar] {
                            #expect(cut.objects[calendar] ?? [:] == want.objects[calendar] ?? [:],
                                    "\(server) \(point):\(n) \(phase): \(calendar)'s token saved before its objects")
                        }
                        try Self.sync(server, phase, path: scratch.store, crash: Crash())
                        covered.insert(point)
                    }
                    #expect(try Self.calendars(path: scratch.store) == expected[phase], "\(server) \(point):\(n) \(phase)")
                }
                #expect(try Self.ledger(path: scratch.store, url: url) == ledger, "\(server) \(point):\(n)")
            }
        }
        #expect(covered == Set(CrashPoint.all.filter { $0.hasPrefix("calendar.") }))
    }
}
