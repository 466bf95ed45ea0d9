import Foundation
import Testing

/// The calendar path end to end against real CalDAV servers: Fixtures/caldav on the server →
/// `activity sync` → store → the instances the ledger counts.
@Suite("Calendar sync against Radicale and Xandikos", .serialized)
struct CalendarSyncTests {
    enum Server: String, CaseIterable, CustomTestStringConvertible {
        case radicale, xandikos
        var testDescription: String { rawValue }

        func start() throws -> any CalendarServer {
            switch self {
            case .radicale: return try Radicale(users: ["alice": "pw-alice"], collectionsFrom: Repo.path("Fixtures/caldav"))
            case .xandikos: return try Xandikos(users: ["alice": "pw-alice"], collectionsFrom: Repo.path("Fixtures/caldav"))
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

    /// What Fixtures/caldav/alice/work gives alice with no mail history: a weekly 回访 with 平安科技 from
    /// 2 November (12 Mondays), 拜访华为 on the 17th, the demo at 招商银行 on the 19th, the quote review
    /// with Acme on the 20th; the all-day trade show has no keyword and no attendee: nothing.
    static let expectedCounts: [String: [String: Int]] = [
        "2026-W45": ["lead": 1, "follow_up": 1],
        "2026-W46": ["follow_up": 1],
        "2026-W47": ["lead": 3, "follow_up": 1, "visit": 1, "demo": 1, "closing": 1],
        "2026-W48": ["follow_up": 1],
    ]

    func counts(_ team: FixtureTeam, _ week: String) throws -> [String: Int] {
        (try team.counts(week)["alice"] ?? [:]).filter { $0.value > 0 }
    }

    @Test("the initial sync gives the right instances, and a second sync changes nothing", arguments: Server.allCases)
    func initialAndIdempotent(server kind: Server) throws {
        let server = try kind.start()
        let team = try team(server)
        let first = try sync(team)
        #expect(newItems(first.stdout)["alice-cal"] == 5)
        for (week, expected) in Self.expectedCounts { #expect(try counts(team, week) == expected, "\(week)") }
        let before = try lines(team)
        let second = try sync(team)
        #expect(newItems(second.stdout)["alice-cal"] == 0)
        #expect(try lines(team) == before)
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
        #expect(try counts(team, "2026-W47")["visit"] == nil)
        #expect(try counts(team, "2026-W48")["visit"] == 1)

        try server.delete("alice", calendar: "work", name: "quote-review-acme.ics")
        let demo = try String(contentsOfFile: Repo.path("Fixtures/caldav/alice/work/产品演示 招商银行.ics"), encoding: .utf8)
        try server.put("alice", calendar: "work", name: "%E4%BA%A7%E5%93%81%E6%BC%94%E7%A4%BA%20%E6%8B%9B%E5%95%86%E9%93%B6%E8%A1%8C.ics",
                       ics: demo.replacingOccurrences(of: "STATUS:CONFIRMED", with: "STATUS:CANCELLED"))
        _ = try sync(team)
        let w47 = try counts(team, "2026-W47")
        #expect(w47["closing"] == nil)
        #expect(w47["demo"] == nil)
        #expect(w47["follow_up"] == 1)
        // Store and ledger agree with the server: 4 objects left, nothing doubled.
        #expect(try lines(team).filter { $0.contains(" visit ") }.count == 1)
    }

    @Test("an invalidated sync token leads to a full resync of the calendar, with nothing counted twice", arguments: Server.allCases)
    func invalidToken(server kind: Server) throws {
        let server = try kind.start()
        let team = try team(server)
        _ = try sync(team)
        let before = try lines(team)
        let bogus = kind == .radicale ? "http://radicale.org/ns/sync/0000000000000000000000000000000000000000000000000000000000000000"
                                      : "0000000000000000000000000000000000000000"
        let r = try run("/usr/bin/sqlite3", [team.store, "UPDATE calendar_collection SET sync_token = '\(bogus)'"])
        #expect(r.status == 0, "\(r.stderr)")
        try server.delete("alice", calendar: "work", name: "quote-review-acme.ics")
        let resync = try team.activity(["-v", "sync", "--once", "--account", "alice-cal"])
        #expect(resync.status == 0, "\(resync.stderr)")
        #expect(resync.stderr.contains("sync token no longer valid"))
        let after = try lines(team)
        #expect(after == before.filter { !$0.contains("acme.com.cn") })
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
