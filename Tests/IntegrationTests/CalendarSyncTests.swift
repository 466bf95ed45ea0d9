import Foundation
import Testing

/// The calendar path end to end against real CalDAV servers: Fixtures/caldav on the server →
/// `activity sync` → store → the instances the ledger counts.
@Suite("Calendar sync against Radicale, Xandikos and Cyrus", .serialized)
struct CalendarSyncTests {
    enum Server: String, CaseIterable, CustomTestStringConvertible {
        case radicale, xandikos, cyrus
        var testDescription: String { rawValue }

        func start() throws -> any CalendarServer {
            switch self {
            case .radicale: return try Radicale(users: ["alice": "pw-alice"], collectionsFrom: Repo.path("Fixtures/caldav"))
            case .xandikos: return try Xandikos(users: ["alice": "pw-alice"], collectionsFrom: Repo.path("Fixtures/caldav"))
            case .cyrus: return try Cyrus(users: ["alice": "pw-alice"], collectionsFrom: Repo.path("Fixtures/caldav"))
            }
        }

        /// A sync token of this server's form that it never issued.
        var bogusToken: String {
            switch self {
            case .radicale: return "http://radicale.org/ns/sync/0000000000000000000000000000000000000000000000000000000000000000"
            case .xandikos: return "0000000000000000000000000000000000000000"
            case .cyrus: return "http://cyrusimap.org/ns/sync/1-1"
            }
        }
    }

    /// Alice's calendar alone: her mail account points nowhere and is not synced.
    func team(_ server: any CalendarServer) throws -> FixtureTeam {
        try FixtureTeam(imapURL: "imap://127.0.0.1:9", caldavURL: server.principalURL("alice"))
    }

    func sync(_ team: FixtureTeam) throws -> Run {
        let r = try team.activity(["sync", "--once", "--account", "alice-cal"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        return r
    }

    func lines(_ team: FixtureTeam, _ weeks: [String] = ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]) throws -> [String] {
        try weeks.flatMap { w in try team.activityLines(w).filter { $0.hasPrefix("alice ") }.map { "\(w) \($0)" } }
    }

    /// Fixtures/caldav/expected.json: the hand-labelled ledger of alice's two calendars alone.
    static let expected: (weeks: [String: [String: Int]], activities: [String]) = {
        let data = (try? Data(contentsOf: URL(fileURLWithPath: Repo.path("Fixtures/caldav/expected.json")))) ?? Data()
        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        var weeks: [String: [String: Int]] = [:]
        for (week, reps) in json["weeks"] as? [String: [String: [String: Int]]] ?? [:] { weeks[week] = reps["alice"] }
        let activities = (json["activities"] as? [[String: String]] ?? []).map { "\($0["week"] ?? "") alice \($0["kind"] ?? "") \($0["org"] ?? "")" }
        return (weeks, activities.sorted())
    }()
    static let weeks = ["2026-W45", "2026-W46", "2026-W47", "2026-W48", "2026-W49"]

    /// "WEEK alice KIND ORG" for every activity of the labelled weeks.
    func kindsAndOrgs(_ team: FixtureTeam) throws -> [String] {
        try lines(team, Self.weeks).map { line in
            let parts = line.split(separator: " ", maxSplits: 3).map(String.init)  // week rep kind "org ref"
            let orgAndRef = parts[3]
            let org = String(orgAndRef[..<(orgAndRef.range(of: " ", options: .backwards)?.lowerBound ?? orgAndRef.endIndex)])
            return "\(parts[0]) \(parts[1]) \(parts[2]) \(org)"
        }.sorted()
    }

    func counts(_ team: FixtureTeam, _ week: String) throws -> [String: Int] {
        (try team.counts(week)["alice"] ?? [:]).filter { $0.value > 0 }
    }

    @Test("the initial sync gives the right instances, and a second sync changes nothing", arguments: Server.allCases)
    func initialAndIdempotent(server kind: Server) throws {
        let server = try kind.start()
        let team = try team(server)
        let first = try sync(team)
        #expect(newItems(first.stdout)["alice-cal"] == 13)
        for (week, expected) in Self.expected.weeks { #expect(try counts(team, week) == expected, "\(week)") }
        #expect(try kindsAndOrgs(team) == Self.expected.activities)
        let before = try lines(team, Self.weeks)
        let second = try sync(team)
        #expect(newItems(second.stdout)["alice-cal"] == 0)
        #expect(try lines(team, Self.weeks) == before)
    }

    @Test("a moved event moves its activity to the new week; a deleted and a cancelled one leave the ledger", arguments: Server.allCases)
    func movedDeletedCancelled(server kind: Server) throws {
        let server = try kind.start()
        let team = try team(server)
        _ = try sync(team)
        let visit = try String(contentsOfFile: Repo.path("Fixtures/caldav/alice/work/visit-huawei.ics"), encoding: .utf8)
        try server.put("alice", calendar: "work", name: "visit-huawei.ics", ics: visit
            .replacingOccurrences(of: "20261117T100000", with: "20261124T100000")
            .replacingOccurrences(of: "20261117T113000", with: "20261124T113000")
            .replacingOccurrences(of: "SEQUENCE:0", with: "SEQUENCE:1"))
        _ = try sync(team)
        #expect(try counts(team, "2026-W47")["visit"] == 2)
        #expect(try counts(team, "2026-W48")["visit"] == 1)

        try server.delete("alice", calendar: "work", name: "quote-review-acme.ics")
        let demo = try String(contentsOfFile: Repo.path("Fixtures/caldav/alice/work/产品演示 招商银行.ics"), encoding: .utf8)
        try server.put("alice", calendar: "work", name: "%E4%BA%A7%E5%93%81%E6%BC%94%E7%A4%BA%20%E6%8B%9B%E5%95%86%E9%93%B6%E8%A1%8C.ics",
                       ics: demo.replacingOccurrences(of: "STATUS:CONFIRMED", with: "STATUS:CANCELLED"))
        _ = try sync(team)
        let w47 = try counts(team, "2026-W47")
        #expect(w47["closing"] == nil)
        #expect(w47["demo"] == 1)       // the other demo at the same bank stays
        #expect(w47["lead"] == 2)       // cmbchina.com and sf-express.com; acme.com.cn left with its quote review
        #expect(w47["follow_up"] == 1)
        // Nothing doubled: the moved visit counts once, in its new week.
        #expect(try lines(team, Self.weeks).filter { $0.contains(" visit huawei.com ") }.count == 1)
    }

    @Test("an invalidated sync token leads to a full resync of the calendar, with nothing counted twice", arguments: Server.allCases)
    func invalidToken(server kind: Server) throws {
        let server = try kind.start()
        let team = try team(server)
        _ = try sync(team)
        let before = try lines(team, Self.weeks)
        let bogus = kind.bogusToken
        let r = try run("/usr/bin/sqlite3", [team.store, "UPDATE calendar_collection SET sync_token = '\(bogus)'"])
        #expect(r.status == 0, "\(r.stderr)")
        try server.delete("alice", calendar: "work", name: "quote-review-acme.ics")
        let resync = try team.activity(["-v", "sync", "--once", "--account", "alice-cal"])
        #expect(resync.status == 0, "\(resync.stderr)")
        #expect(resync.stderr.contains("sync token no longer valid"))
        let after = try lines(team, Self.weeks)
        #expect(after == before.filter { !$0.contains("acme.com.cn") })
    }

    @Test("Cyrus 3.6 before cyrus-imapd#4992 refuses a sync-collection without a token (RFC 6578 3.4): the first listing goes by PROPFIND, later syncs by the collection's token")
    func tokenlessSyncRefused() throws {
        let cyrus = try Cyrus(users: ["alice": "pw-alice"], collectionsFrom: Repo.path("Fixtures/caldav"))
        let proxy = try DAVQuirkProxy(to: cyrus.port)
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:9", caldavURL: proxy.base + "/dav/principals/user/alice/")
        let first = try sync(team)
        #expect(newItems(first.stdout)["alice-cal"] == 13)
        #expect(try kindsAndOrgs(team) == Self.expected.activities)
        let refused = proxy.log.filter { $0.hasSuffix("-> 403 refused") }
        #expect(refused.count == 2, "one refusal per calendar, no retry: \(proxy.log)")
        #expect(proxy.log.filter { $0.hasPrefix("PROPFIND /dav/calendars/user/alice/work/ ") }.count == 1, "\(proxy.log)")
        // The token from the PROPFIND works: the next sync is a sync-collection with it.
        let before = try lines(team, Self.weeks)
        let second = try sync(team)
        #expect(newItems(second.stdout)["alice-cal"] == 0)
        #expect(proxy.log.filter { $0.hasSuffix("-> 403 refused") }.count == 2, "\(proxy.log)")
        try cyrus.delete("alice", calendar: "work", name: "quote-review-acme.ics")
        _ = try sync(team)
        #expect(try lines(team, Self.weeks) == before.filter { !$0.contains("acme.com.cn") })
    }

    @Test("a wrong calendar password exits 77 naming the account")
    func wrongPassword() throws {
        let server = try Radicale(users: ["alice": "pw-alice"], collectionsFrom: Repo.path("Fixtures/caldav"))
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:9", caldavURL: server.principalURL("alice"), calendarPassword: "wrong")
        let r = try team.activity(["sync", "--once", "--account", "alice-cal"])
        #expect(r.status == 77, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("alice-cal"))
        #expect(!(r.stdout + r.stderr).contains("wrong\n"))
    }
}
