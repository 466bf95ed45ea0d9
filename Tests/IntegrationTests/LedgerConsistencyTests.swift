import Foundation
import Testing

/// Dedup and determinism across sources: DOMAIN.md's *Dedup and updates*, end to end against
/// real Dovecot and Radicale.
@Suite("One ledger whatever the sources and their order", .serialized)
struct LedgerConsistencyTests {
    static let weeks = ["2026-W45", "2026-W46", "2026-W47", "2026-W48", "2026-W49"]

    func aliceLines(_ team: FixtureTeam) throws -> [String] {
        try Self.weeks.flatMap { w in try team.activityLines(w).filter { $0.hasPrefix("alice ") }.map { "\(w) \($0)" } }
    }

    @Test("syncing the calendar before the mail gives the identical ledger as mail before calendar")
    func calendarBeforeMail() throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let radicale = try Radicale(users: ["alice": "pw-alice"], collectionsFrom: Repo.path("Fixtures/caldav"))
        let imap = "imap://127.0.0.1:\(dovecot.imapPort)"
        let mailFirst = try FixtureTeam(imapURL: imap, caldavURL: radicale.principalURL("alice"))
        let calendarFirst = try FixtureTeam(imapURL: imap, caldavURL: radicale.principalURL("alice"))
        for account in ["alice-mail", "alice-cal"] { #expect(try mailFirst.activity(["sync", "--account", account]).status == 0) }
        for account in ["alice-cal", "alice-mail"] { #expect(try calendarFirst.activity(["sync", "--account", account]).status == 0) }
        let a = try aliceLines(mailFirst), b = try aliceLines(calendarFirst)
        #expect(a.count > 40)
        #expect(a == b)
        // Mail history changes what meetings count as: huawei.com is known from mail, so the
        // calendar's visit yields no lead of its own in 2026-W47.
        #expect(!a.contains { $0.hasPrefix("2026-W47 alice lead huawei.com") })
    }

    @Test("one mailbox reached through two accounts of the same rep counts once", arguments: StoreEngine.allCases)
    func twoAccountsOneRep(engine: StoreEngine) throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let url = "imap://127.0.0.1:\(dovecot.imapPort)"
        let server = try engine.server()
        let team = try FixtureTeam(imapURL: url, extra: """

            [[account]]
            id = "alice-mail-again"
            rep = "alice"
            kind = "imap"
            url = "\(url)"
            username = "alice"
            password_file = "secrets/alice"
            """, postgres: server)
        let r = try team.activity(["sync"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(newItems(r.stdout)["alice-mail-again"] == 0 || newItems(r.stdout)["alice-mail"] == 0)
        let expected = try ExpectedLedger()
        for week in ["2026-W45", "2026-W46", "2026-W47"] {
            #expect(try team.counts(week)["alice"] == expected.weeks[week]?["alice"], "\(week)")
        }
    }

    @Test("a mailed invitation and its calendar copy are one demo, and the calendar copy wins")
    func invitationAndCalendarCopy() throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let radicale = try Radicale(users: ["alice": "pw-alice"], collectionsFrom: Repo.path("Fixtures/caldav"))
        let copy = try String(contentsOfFile: Repo.path("Fixtures/calendar-copies/demo-huaweicloud-calendar-copy.ics"), encoding: .utf8)
        try radicale.put("alice", calendar: "work", name: "demo-huaweicloud.ics", ics: copy)
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)", caldavURL: radicale.principalURL("alice"))
        #expect(try team.activity(["sync"]).status == 0)
        let week = try team.week("2026-W46")
        let alice = (week["reps"] as? [[String: Any]])?.first { $0["rep"] as? String == "alice" }
        let demos = (alice?["activities"] as? [[String: Any]] ?? []).filter { $0["kind"] as? String == "demo" }
        #expect(demos.count == 1)
        #expect(demos.first?["title"] as? String == "产品演示 - 华为云（日历副本）")
        #expect((demos.first?["source"] as? [String: Any])?["account"] as? String == "alice-cal")
    }

    @Test("rebuild re-derives the ledger after a rules change, without the servers", arguments: StoreEngine.allCases)
    func rebuildAfterRulesChange(engine: StoreEngine) throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)", postgres: try engine.server())
        #expect(try team.activity(["sync"]).status == 0)
        #expect(try team.counts("2026-W03")["alice"]?["contact"] == 1)
        dovecot.stop()
        // A deployment decides that mailing product material (产品资料) is part of closing.
        team.dir.write("rules.toml", "[keywords]\nclosing = [\"产品资料\"]\n")
        let config = try String(contentsOfFile: team.config, encoding: .utf8)
        team.dir.write("activity.toml", config.replacingOccurrences(of: "followup_after_days = 7", with: "followup_after_days = 7\nrules = \"rules.toml\""))
        let r = try team.activity(["rebuild"])
        #expect(r.status == 0, "\(r.stderr)")
        let w03 = try team.counts("2026-W03")["alice"]
        #expect(w03?["contact"] == 0)
        #expect(w03?["closing"] == 1)
    }

    @Test("rebuild reads stored mail again from its raw headers: what an older decoder stored wrongly (subject, addresses, thread, date) is read as today, and the ledger comes back", arguments: StoreEngine.allCases)
    func rebuildReparsesStoredHeaders(engine: StoreEngine) throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)", postgres: try engine.server())
        #expect(try team.activity(["sync"]).status == 0)
        let weeks = ["2026-W45", "2026-W46", "2026-W47"]
        let before = try weeks.map { try team.week($0)["reps"] as? [[String: Any]] ?? [] }.map { $0.map { NSDictionary(dictionary: $0) } }
        dovecot.stop()
        // As an older version's decoder might have left it: subjects undecoded, no addresses, one thread, the epoch.
        let garble = "UPDATE mail SET subject = '=?GB2312?B?garbled?=', from_addr = NULL, to_addrs = '', cc_addrs = '', thread_key = 'one', date = 0"
        if let server = try engine.server() {
            try server.psql(garble, database: String(team.storeURL.split(separator: "/").last ?? ""))
        } else {
            #expect(try run("/usr/bin/sqlite3", [team.store, garble]).status == 0)
        }
        let r = try team.activity(["rebuild"])
        #expect(r.status == 0, "\(r.stderr)")
        let after = try weeks.map { try team.week($0)["reps"] as? [[String: Any]] ?? [] }.map { $0.map { NSDictionary(dictionary: $0) } }
        #expect(after == before)
        #expect(try team.activity(["rebuild"]).status == 0, "a second rebuild finds nothing to read differently")
    }
}
