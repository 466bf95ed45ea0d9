import Foundation
import Testing

/// Resets of a part of an account, against real servers: a folder renamed or deleted, a
/// calendar removed, a configured folder or calendar the server does not have; and items the
/// servers hand out that cannot be read. Each is a resync of just that part: nothing counted
/// twice, mail that was seen stays counted (archiving must not erase a rep's work), calendar
/// events follow the server.
@Suite("Resets and malformed items against Dovecot and Radicale", .serialized)
struct ResetTests {
    static let weeks = ["2025-W24", "2026-W03", "2026-W06", "2026-W45", "2026-W46", "2026-W47"]

    func ledger(_ team: FixtureTeam) throws -> [String] {
        try Self.weeks.flatMap { try team.activityLines($0) }
    }

    func folders(_ team: FixtureTeam, account: String) throws -> [String] {
        try team.snapshot().tables["folder_checkpoint"]?
            .filter { $0.hasPrefix(account + "\t") }.map { String($0.split(separator: "\t")[1]) } ?? []
    }

    @Test("Sent renamed on the server (Sent → Sent Messages): a full resync of just that folder, nothing counted twice",
          arguments: StoreEngine.allCases)
    func sentFolderRenamed(engine: StoreEngine) throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)", postgres: try engine.server())
        #expect(try team.activity(["sync"]).status == 0)
        let before = try ledger(team)
        let mails = try team.snapshot().tables["mail"]
        try dovecot.imap("alice", "RENAME \"Sent\" \"Sent Messages\"")
        let r = try team.activity(["-v", "sync", "--once", "--account", "alice-mail"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(newItems(r.stdout) == ["alice-mail": 0], "\(r.stdout)")
        #expect(r.stderr.contains("folder gone from the server"), "\(r.stderr)")
        #expect(try folders(team, account: "alice-mail") == ["INBOX", "Sent Messages"])
        #expect(try ledger(team) == before)
        #expect(try team.snapshot().tables["mail"] == mails)
    }

    @Test("Sent deleted on the server: its mail stays counted, INBOX still syncs, no error", arguments: StoreEngine.allCases)
    func sentFolderDeleted(engine: StoreEngine) throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)", postgres: try engine.server())
        #expect(try team.activity(["sync"]).status == 0)
        let before = try ledger(team)
        try dovecot.imap("alice", "DELETE \"Sent\"")
        let r = try team.activity(["sync", "--once", "--account", "alice-mail"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(try folders(team, account: "alice-mail") == ["INBOX"])
        #expect(try ledger(team) == before, "mail activities persist once seen")
    }

    @Test("a configured folder the server no longer has: exit 78 naming it, the other folders synced, its mail still counted")
    func configuredFolderDeleted() throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        try dovecot.imap("alice", "CREATE \"Archive\"")
        try dovecot.deliver(user: "alice", folder: "Archive", file: Repo.path("Fixtures/new-items/new-quote.eml"))
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)") {
            $0.replacingOccurrences(of: "username = \"alice\"\n", with: "username = \"alice\"\nfolders = [\"INBOX\", \"\\\\Sent\", \"Archive\"]\n")
        }
        #expect(try team.activity(["sync", "--once", "--account", "alice-mail"]).status == 0)
        let quote = "alice closing newco.com.cn 20261120093000.new-quote@hxsoft.cn"
        #expect(try team.activityLines("2026-W47").contains(quote))

        try dovecot.imap("alice", "RENAME \"Archive\" \"Archive 2026\"")
        try dovecot.deliver(user: "alice", file: Repo.path("Fixtures/new-items/newsletter.eml"))
        let r = try team.activity(["sync", "--once", "--account", "alice-mail"])
        #expect(r.status == 78, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("account alice-mail: 127.0.0.1:\(dovecot.imapPort) has no folder \"Archive\"; fix folders in the config"), "\(r.stdout)")
        #expect(r.stdout.contains("Archive 2026"), "the message lists what the server has")
        #expect(try team.activityLines("2026-W47").contains(quote), "mail persists once seen")
        // INBOX was synced all the same: the newsletter is stored (it counts for nothing).
        #expect(try StoreSnapshot(store: team.store).tables["mail"]?.contains { $0.contains("newsletter") || $0.contains("infoq") } == true)
        let status = try team.activity(["status", "--format", "json"])
        #expect(status.stdout.contains("has no folder \\\"Archive\\\""), "\(status.stdout)")
    }

    /// Alice's "work" calendar alone (Fixtures/caldav/alice/work): 11 activities in W45–W48.
    func workCalendarOnly() throws -> TempDir {
        let dir = TempDir("activity-work-only")
        try FileManager.default.createDirectory(atPath: dir.file("alice"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Repo.path("Fixtures/caldav/alice/work"), toPath: dir.file("alice/work"))
        return dir
    }

    func calendarTeam(_ radicale: Radicale, calendars: String? = nil) throws -> FixtureTeam {
        try FixtureTeam(imapURL: "imap://127.0.0.1:9", caldavURL: radicale.principalURL("alice")) { text in
            guard let calendars else { return text }
            return text.replacingOccurrences(of: "password_file = \"secrets/alice-cal\"", with: "password_file = \"secrets/alice-cal\"\ncalendars = \(calendars)")
        }
    }

    func calendarLines(_ team: FixtureTeam) throws -> [String] {
        try ["2026-W45", "2026-W46", "2026-W47", "2026-W48"].flatMap { try team.activityLines($0) }.filter { $0.hasPrefix("alice ") }
    }

    @Test("a calendar removed on the server: its events leave the ledger; a configured calendar that is missing is 78, the others synced")
    func calendarRemoved() throws {
        let work = try workCalendarOnly()
        let radicale = try Radicale(users: ["alice": "pw-alice"], collectionsFrom: work.path)
        let team = try calendarTeam(radicale)
        #expect(try team.activity(["sync", "--once", "--account", "alice-cal"]).status == 0)
        #expect(try calendarLines(team).count == 11)
        let r = try run("/usr/bin/curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "-u", "alice:pw-alice", "-X", "DELETE",
                                          radicale.calendarURL("alice", "work")])
        #expect(r.stdout == "200" || r.stdout == "204", "\(r.stdout)\(r.stderr)")
        let after = try team.activity(["sync", "--once", "--account", "alice-cal"])
        #expect(after.status == 0, "\(after.stdout)\(after.stderr)")
        #expect(try calendarLines(team).isEmpty, "calendar events follow the server")
        #expect(try StoreSnapshot(store: team.store).tables["calendar_object"] == [])

        // Configured by name: work and holidays; only work exists (it is back, empty).
        let again = try Radicale(users: ["alice": "pw-alice"], collectionsFrom: work.path)
        let named = try calendarTeam(again, calendars: "[\"work\", \"holidays\"]")
        let missing = try named.activity(["sync", "--once", "--account", "alice-cal"])
        #expect(missing.status == 78, "\(missing.stdout)\(missing.stderr)")
        #expect(missing.stdout.contains("has no calendar \"holidays\"; fix calendars in the config"), "\(missing.stdout)")
        #expect(try calendarLines(named).count == 11, "work is synced all the same")
    }

    @Test("an invitation whose calendar part cannot be read: the mail counts, the part is recorded, status and explain say so")
    func unreadableInvitation() throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        try dovecot.deliver(user: "alice", folder: "Sent", file: Repo.path("Fixtures/hostile/broken-invite.eml"))
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)")
        let r = try team.activity(["sync", "--once", "--account", "alice-mail"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(try team.activityLines("2026-W48").contains("alice contact newco.com.cn 20261123101500.broken-invite@hxsoft.cn"))
        let status = try team.activity(["status", "--format", "json"])
        let json = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
        let items = json?["malformed_items"] as? [[String: Any]] ?? []
        #expect(items.count == 1, "\(status.stdout)")
        #expect(items.first?["kind"] as? String == "invitation")
        #expect(items.first?["ref"] as? String == "20261123101500.broken-invite@hxsoft.cn")
        #expect((items.first?["reason"] as? String)?.contains("cannot be read") == true)
        let accounts = json?["accounts"] as? [[String: Any]] ?? []
        #expect(accounts.first { $0["account"] as? String == "alice-mail" }?["malformed"] as? Int == 1)
        let explained = try team.activity(["explain", "20261123101500.broken-invite@hxsoft.cn", "--format", "json"])
        #expect(explained.status == 0, "\(explained.stderr)")
        #expect(explained.stdout.contains("\"kind\": \"contact\""), "\(explained.stdout)")
        #expect(explained.stdout.contains("\"malformed\": \"malformed: its invitation (text/calendar part) cannot be read"), "\(explained.stdout)")
    }

    @Test("RFC 5545 3.3.10: a mailed invitation whose RRULE has a misspelt part (UNTL=) is recorded as malformed and its series counts for nothing; the mail still counts (Radicale and Xandikos refuse to store such a series: 400, 500)")
    func misspeltRuleInInvitation() throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        try dovecot.deliver(user: "alice", folder: "Sent", file: Repo.path("Fixtures/recurrence/invite-misspelt-until.eml"))
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)")
        let r = try team.activity(["sync", "--once", "--account", "alice-mail"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        let status = try team.activity(["status", "--format", "json"])
        let json = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
        let items = json?["malformed_items"] as? [[String: Any]] ?? []
        #expect(items.count == 1, "\(status.stdout)")
        #expect(items.first?["kind"] as? String == "invitation")
        #expect((items.first?["reason"] as? String)?.contains("unknown part UNTL") == true, "\(status.stdout)")
        // No weekly 拜访 instance in any week of the series.
        for week in ["2026-W45", "2026-W46", "2026-W47", "2026-W48", "2026-W49", "2026-W50", "2027-W10"] {
            #expect(!(try team.activityLines(week)).contains { $0.hasPrefix("alice visit pingan.com.cn") }, "\(week)")
        }
    }

    @Test("a calendar object the reader refuses: recorded, shown, the other events counted; replaced by a readable one, forgotten")
    func unreadableCalendarObject() throws {
        let work = try workCalendarOnly()
        let radicale = try Radicale(users: ["alice": "pw-alice"], collectionsFrom: work.path)
        let hostile = try String(contentsOfFile: Repo.path("Fixtures/hostile/deeply-nested.ics"), encoding: .utf8)
        try radicale.put("alice", calendar: "work", name: "deeply-nested.ics", ics: hostile)
        let team = try calendarTeam(radicale)
        let r = try team.activity(["sync", "--once", "--account", "alice-cal"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(try calendarLines(team).count == 11, "the other events are counted")
        let status = try team.activity(["status"])
        #expect(status.stdout.contains("Malformed items"), "\(status.stdout)")
        #expect(status.stdout.contains("/alice/work/deeply-nested.ics"), "\(status.stdout)")
        #expect(status.stdout.contains("components nested deeper than 32"), "\(status.stdout)")
        let explained = try team.activity(["explain", "deeply-nested.ics", "--format", "json"])
        #expect(explained.status == 0, "\(explained.stderr)")
        #expect(explained.stdout.contains("\"type\": \"event\""))
        #expect(explained.stdout.contains("components nested deeper than 32"), "\(explained.stdout)")

        // The client fixes it: the record goes, the visit counts.
        let fixed = hostile.components(separatedBy: "\r\n").filter { !$0.contains("X-LEVEL") }.joined(separator: "\r\n")
        try radicale.put("alice", calendar: "work", name: "deeply-nested.ics", ics: fixed)
        #expect(try team.activity(["sync", "--once", "--account", "alice-cal"]).status == 0)
        let json = try team.activity(["status", "--format", "json"])
        #expect(json.stdout.contains("\"malformed_items\": []"), "\(json.stdout)")
        #expect(try team.activityLines("2026-W47").contains { $0.hasPrefix("alice visit hint:") })
    }

    @Test("a series every minute: counted up to the per-calendar limit, recorded as cut, the sync goes on")
    func seriesPastTheLimits() throws {
        let work = try workCalendarOnly()
        let radicale = try Radicale(users: ["alice": "pw-alice"], collectionsFrom: work.path)
        try radicale.put("alice", calendar: "work", name: "every-minute.ics", ics: """
            BEGIN:VCALENDAR\r
            VERSION:2.0\r
            PRODID:-//Hostile client//EN\r
            BEGIN:VEVENT\r
            UID:every-minute@example.com\r
            DTSTAMP:20261101T000000Z\r
            DTSTART:20261101T000000Z\r
            RRULE:FREQ=MINUTELY\r
            SUMMARY:跟进\r
            END:VEVENT\r
            END:VCALENDAR\r

            """)
        let team = try calendarTeam(radicale)
        let r = try team.activity(["sync", "--once", "--account", "alice-cal"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(try calendarLines(team).filter { !$0.contains("every-minute") }.count == 11, "the other events are counted")
        let status = try team.activity(["status", "--format", "json"])
        #expect(status.stdout.contains("/alice/work/every-minute.ics"), "\(status.stdout)")
        #expect(status.stdout.contains("cut by the limits on recurrence"), "\(status.stdout)")
    }
}
