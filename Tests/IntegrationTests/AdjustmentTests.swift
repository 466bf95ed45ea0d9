import Foundation
import Testing

/// Corrections (issue 15, DOMAIN.md "Corrections"): the fixture team synced from a real Dovecot
/// and alice's calendar from a real Radicale, then adjusted with `activity adjust` as a manager
/// would in the weekly review. Every count is read back through `week`, `export` and `explain`.
@Suite("Adjustments against Dovecot and Radicale", .serialized)
struct AdjustmentTests {
    static let week = "2026-W47"

    /// The team with mail and alice's calendars, synced.
    func syncedTeam(postgres: PostgresServer? = nil) throws -> (FixtureTeam, Dovecot, Radicale) {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let radicale = try Radicale(users: ["alice": "pw-alice"], collectionsFrom: Repo.path("Fixtures/caldav"))
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)", caldavURL: radicale.principalURL("alice"),
                                   postgres: postgres)
        let sync = try team.activity(["sync", "--once"])
        guard sync.status == 0 else { throw HarnessError(description: "sync failed: \(sync.stderr)") }
        return (team, dovecot, radicale)
    }

    func alice(_ team: FixtureTeam) throws -> [String: Any] {
        let json = try team.week(Self.week)
        return try #require((json["reps"] as? [[String: Any]])?.first { $0["rep"] as? String == "alice" })
    }

    func counts(_ team: FixtureTeam) throws -> [String: Int] {
        try alice(team)["counts"] as? [String: Int] ?? [:]
    }

    func activities(_ team: FixtureTeam) throws -> [[String: Any]] {
        try alice(team)["activities"] as? [[String: Any]] ?? []
    }

    /// The id of alice's activity of this kind whose title starts so.
    func id(_ team: FixtureTeam, kind: String, title: String) throws -> String {
        let a = try #require(try activities(team).first { $0["kind"] as? String == kind && ($0["title"] as? String ?? "").hasPrefix(title) },
                             "no \(kind) titled \(title)…")
        return try #require(a["id"] as? String)
    }

    func activity(_ team: FixtureTeam, id: String) throws -> [String: Any]? {
        try activities(team).first { $0["id"] as? String == id }
    }

    /// `adjust …`, which must succeed.
    @discardableResult
    func adjust(_ team: FixtureTeam, _ args: [String]) throws -> String {
        let r = try team.activity(["adjust"] + args + ["--by", "wang"])
        #expect(r.status == 0, "adjust \(args): \(r.stderr)")
        return r.stdout
    }

    func list(_ team: FixtureTeam, _ extra: [String] = []) throws -> [[String: Any]] {
        let r = try team.activity(["adjust", "list", "--format", "json"] + extra)
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        return json["adjustments"] as? [[String: Any]] ?? []
    }

    /// Counts as they should be after `changes` to `base`.
    func expected(_ base: [String: Int], _ changes: [String: Int]) -> [String: Int] {
        var out = base
        for (k, d) in changes { out[k, default: 0] += d }
        return out
    }

    func exportTotals(_ team: FixtureTeam) throws -> [String: Int] {
        let r = try team.activity(["export", "--from", Self.week, "--to", Self.week, "--format", "json"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        var out: [String: Int] = [:]
        for t in json["totals"] as? [[String: Any]] ?? [] where t["rep"] as? String == "alice" {
            out[t["kind"] as? String ?? ""] = t["actual"] as? Int
        }
        return out
    }

    @Test("each adjustment changes exactly the counts it should, in week and export, and all of them survive rebuild, resync, a UIDVALIDITY reset and a lost sync token")
    func eachActionChangesExactlyItsCounts() throws {
        let (team, dovecot, radicale) = try syncedTeam()
        defer { withExtendedLifetime(radicale) {} }
        let base = try counts(team)

        // One customer under two names: the calendar's "拜访华为（坂田基地）" and huawei.com's
        // invitation "拜访华为", both Tue 10:00, counted as two visits.
        let hint = try #require(try activities(team).first { ($0["org"] as? String) == "hint:华为 坂田基地" })
        #expect(hint["kind"] as? String == "visit")
        try adjust(team, ["alias", "hint:华为 坂田基地", "--to", "huawei.com", "--reason", "坂田基地 is Huawei's campus"])
        #expect(try counts(team) == expected(base, ["visit": -1]))
        #expect(try !activities(team).contains { ($0["org"] as? String ?? "").hasPrefix("hint:") })
        #expect((try alice(team)["stages"] as? [String: Int])?["hint:华为 坂田基地"] == nil)

        // A personal follow-up that is not a customer: void. It stays listed, marked, and leaves counts.
        let personal = try id(team, kind: "follow_up", title: "跟进：小微企业版试用反馈")
        try adjust(team, ["void", personal, "--reason", "私人朋友，不是客户"])
        #expect(try counts(team) == expected(base, ["visit": -1, "follow_up": -1]))
        let voided = try #require(try activity(team, id: personal))
        #expect(voided["counted"] as? Bool == false)
        let mark = try #require(voided["adjusted"] as? [String: Any])
        #expect(mark["action"] as? String == "void" && mark["by"] as? String == "wang" && mark["reason"] as? String == "私人朋友，不是客户")
        #expect(mark["from_kind"] as? String == "follow_up")

        // An online "交流" that was a demo: reclassify.
        let online = try id(team, kind: "contact", title: "华信CRM 线上交流")
        try adjust(team, ["reclassify", online, "--kind", "demo", "--reason", "线上交流其实是产品演示"])
        #expect(try counts(team) == expected(base, ["visit": -1, "follow_up": -1, "contact": -1, "demo": 1]))
        let reclassified = try #require(try activity(team, id: online), "a reclassified activity keeps its id")
        #expect(reclassified["kind"] as? String == "demo" && reclassified["step"] as? Int == 5)
        #expect((reclassified["adjusted"] as? [String: Any])?["from_kind"] as? String == "contact")

        // A visit booked by phone: add. It is credited, with a manual source, and creates no lead.
        let added = try adjust(team, ["add", "--rep", "alice", "--kind", "visit", "--at", "2026-11-20T15:00", "--org", "Huawei.com",
                                      "--title", "电话约见 拜访华为", "--reason", "booked by phone"])
        let addedID = try #require(added.split(separator: " ").last.map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) })
        let after = expected(base, ["follow_up": -1, "contact": -1, "demo": 1])
        #expect(try counts(team) == after)
        let manual = try #require(try activity(team, id: addedID))
        #expect(manual["at"] as? String == "2026-11-20T15:00:00+08:00" && manual["org"] as? String == "huawei.com")
        let source = try #require(manual["source"] as? [String: Any])
        #expect(source["type"] as? String == "manual" && source["by"] as? String == "wang")

        // The export counts what the week counts, and carries every adjustment.
        let totals = try exportTotals(team)
        for (kind, n) in after { #expect(totals[kind] == n, "export total \(kind)") }
        let export = try team.activity(["export", "--from", Self.week, "--to", Self.week, "--format", "json"])
        let exported = try #require(try JSONSerialization.jsonObject(with: Data(export.stdout.utf8)) as? [String: Any])
        #expect((exported["adjustments"] as? [[String: Any]])?.compactMap { $0["id"] as? Int } == [1, 2, 3, 4])

        // All of it holds when derived again from the store, after a resync, and after a UIDVALIDITY reset.
        let adjusted = try activities(team).map { NSDictionary(dictionary: $0) }
        #expect(try team.activity(["rebuild"]).status == 0)
        #expect(try counts(team) == after)
        #expect(try activities(team).map { NSDictionary(dictionary: $0) } == adjusted)
        let again = try team.activity(["sync", "--once"])
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        #expect(try counts(team) == after)
        dovecot.stop()
        let enumerator = FileManager.default.enumerator(atPath: dovecot.maildir + "/alice")
        while let f = enumerator?.nextObject() as? String {
            let name = (f as NSString).lastPathComponent
            if name == "dovecot-uidlist" || name.hasPrefix("dovecot.index") || name.hasPrefix("dovecot.list.index") {
                try FileManager.default.removeItem(atPath: dovecot.maildir + "/alice/" + f)
            }
        }
        sleep(1)
        try dovecot.restart(users: FixtureTeam.users)
        let resync = try team.activity(["-v", "sync", "--once", "--account", "alice-mail"])
        #expect(resync.stderr.contains("UIDVALIDITY changed"), "\(resync.stderr)")
        #expect(try counts(team) == after)
        #expect(try activities(team).map { NSDictionary(dictionary: $0) } == adjusted)

        // A lost sync token: alice's calendars are listed again from scratch; the reclassified
        // meeting (a calendar event) keeps its adjustment.
        let token = "http://radicale.org/ns/sync/0000000000000000000000000000000000000000000000000000000000000000"
        #expect(try run("/usr/bin/sqlite3", [team.store, "UPDATE calendar_collection SET sync_token = '\(token)'"]).status == 0)
        let calendars = try team.activity(["-v", "sync", "--once", "--account", "alice-cal"])
        #expect(calendars.stderr.contains("sync token no longer valid"), "\(calendars.stderr)")
        #expect(try counts(team) == after)
        #expect(try activities(team).map { NSDictionary(dictionary: $0) } == adjusted)

        // Revoke restores: the void withdrawn, the follow-up counts again.
        try adjust(team, ["revoke", "2", "--reason", "是客户，弄错了"])
        #expect(try counts(team) == expected(after, ["follow_up": 1]))
        #expect(try activity(team, id: personal)?["adjusted"] == nil)

        // The audit list: complete, in the order made, the revoke an entry of its own.
        let entries = try list(team)
        #expect(entries.compactMap { $0["id"] as? Int } == [1, 2, 3, 4, 5])
        #expect(entries.compactMap { $0["action"] as? String } == ["alias", "void", "reclassify", "add", "revoke"])
        #expect((entries[1]["revoked"] as? [String: Any])?["reason"] as? String == "是客户，弄错了")
        #expect(entries.allSatisfy { $0["by"] as? String == "wang" && $0["orphaned"] as? Bool == false })
        #expect(try list(team, ["--rep", "bob"]).compactMap { $0["id"] as? Int } == [1], "bob's list holds only the alias")
        #expect(try list(team, ["--week", "2026-W46"]).compactMap { $0["id"] as? Int } == [1])
    }

    @Test("two adjustments of one activity in a row resolve as the later one; revoking the later brings back the earlier")
    func laterAdjustmentWins() throws {
        let (team, dovecot, radicale) = try syncedTeam()
        defer { withExtendedLifetime((dovecot, radicale)) {} }
        let base = try counts(team)
        let online = try id(team, kind: "contact", title: "华信CRM 线上交流")
        try adjust(team, ["reclassify", online, "--kind", "demo", "--reason", "演示"])
        try adjust(team, ["reclassify", online, "--kind", "visit", "--reason", "其实是面谈"])
        #expect(try counts(team) == expected(base, ["contact": -1, "visit": 1]))
        #expect(try activity(team, id: online)?["kind"] as? String == "visit")
        try adjust(team, ["void", online, "--reason", "不算"])
        #expect(try counts(team) == expected(base, ["contact": -1]))
        try adjust(team, ["revoke", "3", "--reason", "算"])
        try adjust(team, ["revoke", "2", "--reason", "还是演示"])
        #expect(try counts(team) == expected(base, ["contact": -1, "demo": 1]))

        // explain shows the rule, then each adjustment and which one is in effect.
        let explain = try team.activity(["explain", online])
        #expect(explain.stdout.contains("by rule meeting:online-first-contact"), "\(explain.stdout)")
        #expect(explain.stdout.contains("adjusted: #1 reclassify contact→demo by wang"), "\(explain.stdout)")
        #expect(explain.stdout.contains("(in effect)") && explain.stdout.contains("(revoked by #5, wang)"), "\(explain.stdout)")
        let ruleLine = try #require(explain.stdout.range(of: "by rule meeting:online-first-contact"))
        let adjustedLine = try #require(explain.stdout.range(of: "adjusted: #1"))
        #expect(ruleLine.lowerBound < adjustedLine.lowerBound)
    }

    @Test("an adjustment whose activity a rules change removes is kept, listed as orphaned and counted by status; it attaches again when the activity comes back")
    func orphanedAfterRulesChange() throws {
        let (team, dovecot, radicale) = try syncedTeam()
        defer { withExtendedLifetime((dovecot, radicale)) {} }
        let online = try id(team, kind: "contact", title: "华信CRM 线上交流")
        try adjust(team, ["reclassify", online, "--kind", "demo", "--reason", "演示"])
        // A rules file that puts the meeting's words on the ignore list removes the activity.
        team.dir.write("rules.toml", "[meetings]\nignore = [\"线上交流\"]\n")
        let text = try String(contentsOfFile: team.config, encoding: .utf8)
        try text.replacingOccurrences(of: "followup_after_days = 7\n", with: "followup_after_days = 7\nrules = \"rules.toml\"\n")
            .write(toFile: team.config, atomically: true, encoding: .utf8)
        #expect(try team.activity(["rebuild"]).status == 0)
        #expect(try activity(team, id: online) == nil)
        let entry = try #require(try list(team).first)
        #expect(entry["orphaned"] as? Bool == true && entry["reason"] as? String == "演示")
        let status = try team.activity(["status", "--format", "json"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        #expect((json["adjustments"] as? [String: Any])?["orphaned"] as? [Int] == [1])
        #expect(try team.activity(["status"]).stdout.contains("1 orphaned"))
        // The rules changed back: the adjustment applies again.
        try text.write(toFile: team.config, atomically: true, encoding: .utf8)
        #expect(try team.activity(["rebuild"]).status == 0)
        #expect(try activity(team, id: online)?["kind"] as? String == "demo")
        #expect(try list(team).first?["orphaned"] as? Bool == false)
    }

    @Test("bad input: an unknown activity (65), a kind that does not exist, a rep outside the config, a time outside any week, an empty reason (64), each named")
    func badInput() throws {
        let (team, dovecot, radicale) = try syncedTeam()
        defer { withExtendedLifetime((dovecot, radicale)) {} }
        let online = try id(team, kind: "contact", title: "华信CRM 线上交流")
        let cases: [([String], Int32, String)] = [
            (["void", "0123456789abcdef", "--reason", "x"], 65, "activity 0123456789abcdef: not in the ledger"),
            (["reclassify", online, "--kind", "meeting", "--reason", "x"], 64, "--kind meeting: no such kind"),
            (["add", "--rep", "dave", "--kind", "visit", "--at", "2026-11-20T15:00", "--org", "a.com", "--title", "t", "--reason", "x"], 64, "--rep dave: no such rep"),
            (["add", "--rep", "alice", "--kind", "visit", "--at", "2026-02-30T10:00", "--org", "a.com", "--title", "t", "--reason", "x"], 64, "--at 2026-02-30T10:00: no such time"),
            (["add", "--rep", "alice", "--kind", "visit", "--at", "next tuesday", "--org", "a.com", "--title", "t", "--reason", "x"], 64, "--at next tuesday: not a time"),
            (["void", online, "--reason", "  "], 64, "--reason is required"),
            (["void", online], 64, "--reason is required"),
            (["revoke", "9", "--reason", "x"], 65, "adjustment 9: there is none"),
            (["alias", "huawei.com", "--to", "huawei.com", "--reason", "x"], 64, "the two names are the same"),
        ]
        for (args, code, message) in cases {
            let r = try team.activity(["adjust"] + args)
            #expect(r.status == code, "\(args): \(r.status) \(r.stderr)")
            #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
        }
        #expect(try list(team).isEmpty, "nothing was recorded")
    }

    @Test("adjustments go along with store copy to PostgreSQL: the copy reads the same week, and a rebuild there keeps them")
    func storeCopyKeepsAdjustments() throws {
        let (team, dovecot, radicale) = try syncedTeam()
        defer { withExtendedLifetime((dovecot, radicale)) {} }
        try adjust(team, ["alias", "hint:华为 坂田基地", "--to", "huawei.com", "--reason", "同一客户"])
        try adjust(team, ["void", try id(team, kind: "follow_up", title: "跟进：小微企业版试用反馈"), "--reason", "私人"])
        let server = try PostgresServer.shared()
        let postgres = try server.database()
        let copy = try team.activity(["store", "copy", "--from", "sqlite:\(team.store)", "--to", postgres], environment: server.environment)
        #expect(copy.status == 0, "\(copy.stdout)\(copy.stderr)")
        let week = ["week", "--all", "--week", Self.week, "--format", "json"]
        let here = try team.activity(week).stdout
        #expect(try team.activity(["--store", postgres] + week, environment: server.environment).stdout == here)
        #expect(try team.activity(["--store", postgres, "rebuild"], environment: server.environment).status == 0)
        #expect(try team.activity(["--store", postgres] + week, environment: server.environment).stdout == here)
        let list = ["adjust", "list", "--format", "json"]
        #expect(try team.activity(["--store", postgres] + list, environment: server.environment).stdout == team.activity(list).stdout)
        // The next adjustment on PostgreSQL takes the next number.
        let more = try team.activity(["--store", postgres, "adjust", "revoke", "2", "--reason", "客户", "--by", "wang"], environment: server.environment)
        #expect(more.status == 0 && more.stdout.contains("adjustment #3 recorded"), "\(more.stdout)\(more.stderr)")
    }
}
