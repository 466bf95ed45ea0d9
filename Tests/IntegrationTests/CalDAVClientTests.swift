import ActivityCore
import ActivityTransport
import Foundation
import Testing

/// The CalDAV client against real Radicale and Xandikos servers loaded with
/// Fixtures/caldav/alice/work/*.ics. Serialized: a dozen Python servers starting at once on a
/// small machine take longer than the same servers one after the other.
@Suite("CalDAV client against Radicale, Xandikos and Cyrus", .serialized)
struct CalDAVClientTests {
    enum Kind: String, CustomStringConvertible, CaseIterable, Sendable {
        case radicale, xandikos, cyrus
        var description: String { rawValue }
    }

    static let users = ["alice": "s3cret-pw"]
    static let fixtures = Repo.path("Fixtures/caldav")
    static let fixtureNames = (try? FileManager.default.contentsOfDirectory(atPath: fixtures + "/alice/work"))?
        .filter { $0.hasSuffix(".ics") }.sorted() ?? []

    static func start(_ kind: Kind) throws -> any CalendarServer {
        switch kind {
        case .radicale: return try Radicale(users: users, collectionsFrom: fixtures)
        case .xandikos: return try Xandikos(users: users, collectionsFrom: fixtures)
        case .cyrus: return try Cyrus(users: users, collectionsFrom: fixtures)
        }
    }

    static func client(_ url: String, password: String = "s3cret-pw", caFile: String? = nil, timeout: Double = 20) throws -> CalDAVClient {
        try CalDAVClient(endpoint: CalDAVEndpoint(url: url, username: "alice", password: password, caFile: caFile,
                                                  account: "alice-cal", timeout: timeout))
    }

    /// The work calendar as discovery reports it.
    static func work(_ server: any CalendarServer) throws -> (CalDAVClient, CalDAVCalendar) {
        let client = try client(server.calendarURL("alice", "work"))
        let calendars = try client.discoverCalendars()
        try #require(calendars.count == 1)
        return (client, calendars[0])
    }

    /// The path a fixture file has on the server, percent-encoded as the client reports it.
    static func path(_ server: any CalendarServer, _ name: String) -> String {
        let encoded = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? name
        return URL(string: server.calendarURL("alice", "work"))!.path + "/" + encoded
    }

    static func fixture(_ name: String) throws -> String {
        try String(contentsOfFile: fixtures + "/alice/work/" + name, encoding: .utf8)
    }

    // MARK: - Discovery

    @Test("discovery from the principal URL finds both of alice's calendars", arguments: Kind.allCases)
    func discoveryFromThePrincipal(kind: Kind) throws {
        let server = try Self.start(kind)
        defer { server.stop() }   // also keeps the server alive to the end
        let calendars = try Self.client(server.principalURL("alice")).discoverCalendars()
        #expect(calendars == ["meetings", "work"].map {
            CalDAVCalendar(url: server.calendarURL("alice", $0), displayName: $0, supportsSyncCollection: true)
        })
    }

    @Test("discovery from the calendar URL returns just that calendar", arguments: Kind.allCases)
    func discoveryFromTheCalendar(kind: Kind) throws {
        let server = try Self.start(kind)
        defer { server.stop() }   // also keeps the server alive to the end
        let client = try Self.client(server.calendarURL("alice", "work"))
        let calendars = try client.discoverCalendars()
        #expect(calendars == [CalDAVCalendar(url: server.calendarURL("alice", "work"), displayName: "work", supportsSyncCollection: true)])
        #expect(client.requests == 1)
    }

    @Test("discovery from the bare server URL goes through the principal", arguments: Kind.allCases)
    func discoveryFromTheServerRoot(kind: Kind) throws {
        let server = try Self.start(kind)
        defer { server.stop() }   // also keeps the server alive to the end
        let calendars = try Self.client(server.base + "/").discoverCalendars()
        #expect(calendars.map(\.url) == [server.calendarURL("alice", "meetings"), server.calendarURL("alice", "work")])
    }

    @Test("a URL that does not exist is a configuration error", arguments: Kind.allCases)
    func missingURLIsAConfigError(kind: Kind) throws {
        let server = try Self.start(kind)
        defer { server.stop() }   // also keeps the server alive to the end
        let url = server.calendarURL("alice", "nosuch")
        let error = try #require(throws: ActivityError.self) { try Self.client(url).discoverCalendars() }
        #expect(error.code == .config)
        #expect(error.message.contains("alice-cal") && error.message.contains("127.0.0.1:\(server.port)"))
        #expect(error.message.contains("url"))
    }

    // MARK: - Sync

    @Test("the first sync-collection lists every item with its etag", arguments: Kind.allCases)
    func initialSyncListsEverything(kind: Kind) throws {
        let server = try Self.start(kind)
        defer { server.stop() }   // also keeps the server alive to the end
        let (client, work) = try Self.work(server)
        let changes = try client.changes(in: work, since: nil)
        #expect(changes.token?.isEmpty == false)
        #expect(changes.deleted.isEmpty)
        #expect(Set(changes.changed.map(\.href)) == Set(Self.fixtureNames.map { Self.path(server, $0) }))
        #expect(changes.changed.allSatisfy { $0.etag.hasPrefix("\"") && $0.etag.count > 2 })
        #expect(Self.fixtureNames.count == 5)
    }

    @Test("multiget returns the calendar data of every listed item", arguments: Kind.allCases)
    func multigetReturnsTheData(kind: Kind) throws {
        let server = try Self.start(kind)
        defer { server.stop() }   // also keeps the server alive to the end
        let (client, work) = try Self.work(server)
        let listed = try client.changes(in: work, since: nil).changed
        let before = client.requests
        let items = try client.fetch(listed.map(\.href), from: work)
        #expect(client.requests == before + 1)
        #expect(items.count == listed.count)
        let etags = Dictionary(uniqueKeysWithValues: listed.map { ($0.href, $0.etag) })
        for item in items {
            #expect(etags[item.href] == item.etag, "\(item.href)")
        }
        let texts = items.map { String(decoding: $0.data, as: UTF8.self) }
        for summary in ["SUMMARY:拜访华为", "SUMMARY:产品演示 - 招商银行", "SUMMARY:回访 - 平安科技",
                        "SUMMARY:Trade show: China Hi-Tech Fair (Shenzhen)", "SUMMARY:Quote review with Acme China"] {
            #expect(texts.contains { $0.contains(summary) }, "\(summary)")
        }
        // Xandikos re-serializes items: RRULE parts reordered, TZID values with spaces quoted.
        #expect(texts.contains { $0.contains("RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=12") || $0.contains("RRULE:FREQ=WEEKLY;COUNT=12;BYDAY=MO") })
        #expect(texts.contains { $0.contains("DTSTART;TZID=China Standard Time:20261119T143000") || $0.contains("DTSTART;TZID=\"China Standard Time\":20261119T143000") })
        #expect(texts.contains { $0.contains("DTSTART;VALUE=DATE:20261118") })
        #expect(texts.allSatisfy { $0.hasPrefix("BEGIN:VCALENDAR") && $0.contains("END:VCALENDAR") })
    }

    @Test("multiget leaves out hrefs that do not exist and accepts relative ones", arguments: Kind.allCases)
    func multigetSkipsMissingItems(kind: Kind) throws {
        let server = try Self.start(kind)
        defer { server.stop() }   // also keeps the server alive to the end
        let (client, work) = try Self.work(server)
        let items = try client.fetch(["visit-huawei.ics", Self.path(server, "gone.ics")], from: work)
        #expect(items.map(\.href) == [Self.path(server, "visit-huawei.ics")])
        #expect(String(decoding: items[0].data, as: UTF8.self).contains("拜访华为"))
    }

    @Test("a second sync with the token reports nothing, in one request", arguments: Kind.allCases)
    func secondSyncIsEmpty(kind: Kind) throws {
        let server = try Self.start(kind)
        defer { server.stop() }   // also keeps the server alive to the end
        let (client, work) = try Self.work(server)
        let first = try client.changes(in: work, since: nil)
        let before = client.requests
        let second = try client.changes(in: work, since: first.token)
        #expect(client.requests == before + 1)
        #expect(second.changed.isEmpty)
        #expect(second.deleted.isEmpty)
        #expect(second.token != nil)
    }

    @Test("an item changed by another client shows up as changed, alone", arguments: Kind.allCases)
    func changedItemShowsUp(kind: Kind) throws {
        let server = try Self.start(kind)
        defer { server.stop() }   // also keeps the server alive to the end
        let (client, work) = try Self.work(server)
        let first = try client.changes(in: work, since: nil)
        let moved = try Self.fixture("visit-huawei.ics")
            .replacingOccurrences(of: "20261117T100000", with: "20261118T100000")
            .replacingOccurrences(of: "20261117T113000", with: "20261118T113000")
            .replacingOccurrences(of: "SEQUENCE:0", with: "SEQUENCE:1")
        try server.put("alice", calendar: "work", name: "visit-huawei.ics", ics: moved)
        let second = try client.changes(in: work, since: first.token)
        let href = Self.path(server, "visit-huawei.ics")
        #expect(second.changed.map(\.href) == [href])
        #expect(second.deleted.isEmpty)
        let oldEtag = first.changed.first { $0.href == href }?.etag
        #expect(second.changed.first?.etag != oldEtag)
        let item = try #require(try client.fetch([href], from: work).first)
        #expect(item.etag == second.changed.first?.etag)
        #expect(String(decoding: item.data, as: UTF8.self).contains("20261118T100000"))
    }

    @Test("an item deleted by another client shows up as deleted", arguments: Kind.allCases)
    func deletedItemShowsUp(kind: Kind) throws {
        let server = try Self.start(kind)
        defer { server.stop() }   // also keeps the server alive to the end
        let (client, work) = try Self.work(server)
        let first = try client.changes(in: work, since: nil)
        try server.delete("alice", calendar: "work", name: "quote-review-acme.ics")
        let second = try client.changes(in: work, since: first.token)
        #expect(second.deleted == [Self.path(server, "quote-review-acme.ics")])
        #expect(second.changed.isEmpty)
        #expect(try client.etags(in: work).count == 4)
    }

    @Test("an unknown sync token raises CalDAVSyncTokenInvalid", arguments: Kind.allCases)
    func invalidTokenIsReported(kind: Kind) throws {
        let server = try Self.start(kind)
        defer { server.stop() }   // also keeps the server alive to the end
        let (client, work) = try Self.work(server)
        // Each server's own token syntax, for a state it never had.
        let token = switch kind {
        case .radicale: "http://radicale.org/ns/sync/" + String(repeating: "0", count: 64)
        case .xandikos: String(repeating: "0", count: 40)
        case .cyrus: "http://cyrusimap.org/ns/sync/1-1"
        }
        #expect(throws: CalDAVSyncTokenInvalid.self) { try client.changes(in: work, since: token) }
        #expect(throws: CalDAVSyncTokenInvalid.self) { try client.changes(in: work, since: "not a token") }
        // And the client is still usable for the full listing that follows.
        #expect(try client.changes(in: work, since: nil).changed.count == 5)
    }

    @Test("the etag fallback lists the members with the same etags as sync-collection", arguments: Kind.allCases)
    func etagFallback(kind: Kind) throws {
        let server = try Self.start(kind)
        defer { server.stop() }   // also keeps the server alive to the end
        let (client, work) = try Self.work(server)
        let listed = try client.changes(in: work, since: nil).changed
        let etags = try client.etags(in: work)
        #expect(etags == Dictionary(uniqueKeysWithValues: listed.map { ($0.href, $0.etag) }))
        #expect(etags[URL(string: work.url)!.path + "/"] == nil)
    }

    // MARK: - Failures

    @Test("a wrong password is a permission error naming account and server, not the password")
    func wrongPassword() throws {
        let server = try Radicale(users: Self.users, collectionsFrom: Self.fixtures)
        defer { server.stop() }   // also keeps the server alive to the end
        let client = try Self.client(server.calendarURL("alice", "work"), password: "wrong-pw-123")
        let error = try #require(throws: ActivityError.self) { try client.discoverCalendars() }
        #expect(error.code == .noPermission)
        #expect(error.message.contains("alice-cal"))
        #expect(error.message.contains("127.0.0.1:\(server.port)"))
        #expect(error.message.contains("username and password"))
        #expect(!error.message.contains("wrong-pw-123"))
    }

    @Test("https with a private CA verifies through caFile, and is refused without it")
    func httpsWithPrivateCA() throws {
        let server = try Radicale(users: Self.users, collectionsFrom: Self.fixtures, tls: true)
        defer { server.stop() }   // also keeps the server alive to the end
        let url = server.calendarURL("alice", "work")
        let client = try Self.client(url, caFile: server.caFile)
        let calendars = try client.discoverCalendars()
        #expect(calendars.map(\.url) == [url])
        #expect(try client.changes(in: calendars[0], since: nil).changed.count == 5)

        let error = try #require(throws: ActivityError.self) { try Self.client(url).discoverCalendars() }
        #expect(error.code == .noPermission)
        #expect(error.message.contains("account alice-cal: localhost:\(server.port): the server's TLS certificate does not verify"), "\(error.message)")
    }

    @Test("a port nobody listens on is unavailable")
    func unreachablePort() throws {
        let port = freePort()
        let client = try Self.client("http://127.0.0.1:\(port)/alice/work/", timeout: 5)
        let error = try #require(throws: ActivityError.self) { try client.discoverCalendars() }
        #expect(error.code == .unavailable)
        #expect(error.message.contains("alice-cal") && error.message.contains("127.0.0.1:\(port)"))
        let calendar = CalDAVCalendar(url: "http://127.0.0.1:\(port)/alice/work/", supportsSyncCollection: true)
        let again = try #require(throws: ActivityError.self) { try client.changes(in: calendar, since: nil) }
        #expect(again.code == .unavailable)
    }
}
