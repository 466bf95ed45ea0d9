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
/// time (so a calendar takes several transactions).
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
