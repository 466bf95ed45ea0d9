import Foundation
import Testing

/// The mail path end to end against a real Dovecot: fixtures on the server → sync → store →
/// `activity week`.
@Suite("Mail sync against Dovecot", .serialized)
struct MailSyncTests {
    @Test("the fixture team's weeks give exactly the labelled counts and activities")
    func fixtureCountsMatchTheLabels() throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)")
        let sync = try team.activity(["sync", "--once"])
        #expect(sync.status == 0, "sync failed: \(sync.stderr)")
        let expected = try ExpectedLedger()
        #expect(!expected.weeks.isEmpty)
        for (week, reps) in expected.weeks.sorted(by: { $0.key < $1.key }) {
            let actual = try team.counts(week)
            for (rep, counts) in reps {
                #expect(actual[rep] == counts, "\(week) \(rep)")
            }
        }
        // The activities themselves, not only their number.
        var expectedLines: [String] = []
        var weeks: Set<String> = []
        for a in expected.activities {
            // Labels write Message-IDs with angle brackets; the ledger keeps them without.
            let ref = (a["message_id"] as? String).map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "<>")) } ?? "?"
            expectedLines.append("\(a["rep"] as? String ?? "") \(a["kind"] as? String ?? "") \(a["org"] as? String ?? "") \(ref)")
            weeks.insert(a["week"] as? String ?? "")
        }
        var actualLines: [String] = []
        for w in weeks { actualLines += try team.activityLines(w) }
        let withoutNoID = { (lines: [String]) in lines.filter { !$0.contains("no-message-id:") && !$0.hasSuffix(" ?") }.sorted() }
        #expect(withoutNoID(actualLines) == withoutNoID(expectedLines))
        #expect(actualLines.count == expectedLines.count)
    }

    @Test("a second sync changes nothing, and a new message is fetched alone")
    func resyncIsIdempotentAndIncremental() throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)")
        #expect(try team.activity(["sync"]).status == 0)
        let before = try team.week("2026-W47")
        let again = try team.activity(["sync", "--once"])
        #expect(again.status == 0)
        #expect(newItems(again.stdout) == ["alice-mail": 0, "bob-mail": 0, "carol-mail": 0], "\(again.stdout)")
        #expect(NSDictionary(dictionary: try team.week("2026-W47")).isEqual(to: before))

        try dovecot.deliver(user: "alice", folder: "Sent", file: Repo.path("Fixtures/new-items/new-quote.eml"))
        let third = try team.activity(["sync", "--once", "--account", "alice-mail"])
        #expect(third.status == 0)
        #expect(newItems(third.stdout) == ["alice-mail": 1], "\(third.stdout)")
        let lines = try team.activityLines("2026-W47")
        #expect(lines.contains("alice closing newco.com.cn 20261120093000.new-quote@hxsoft.cn"))
        #expect(lines.contains("alice lead newco.com.cn 20261120093000.new-quote@hxsoft.cn"))
    }

    @Test("a quote sent late on Sunday whose Date has no zone counts at the server's receive time, in that Sunday's week")
    func zonelessDateCountsAtInternalDate() throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)")
        #expect(try team.activity(["sync", "--once"]).status == 0)
        // Date: Sun, 15 Nov 2026 23:50:00 (no zone; read as UTC it would be Monday 07:50 in China, week 47).
        // The server received it at 23:50:30 +0800 that Sunday.
        try dovecot.deliver(user: "alice", folder: "Sent", file: Repo.path("Fixtures/dates/sunday-quote-no-zone.eml"),
                            receivedAt: Date(timeIntervalSince1970: 1_794_757_830))
        #expect(try team.activity(["sync", "--once", "--account", "alice-mail"]).status == 0)
        let line = "alice closing newco.com.cn 20261115235000.quote-v2@hxsoft.cn"
        #expect(try team.activityLines("2026-W46").contains(line))
        #expect(!(try team.activityLines("2026-W47").contains(line)))
        // The rule holds when the ledger is derived again from the store alone.
        #expect(try team.activity(["rebuild"]).status == 0)
        #expect(try team.activityLines("2026-W46").contains(line))
    }

    @Test("a new UIDVALIDITY makes a full resync of the folder, with nothing counted twice", arguments: StoreEngine.allCases)
    func uidValidityReset(engine: StoreEngine) throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)", postgres: try engine.server())
        #expect(try team.activity(["sync"]).status == 0)
        let before = try (["2026-W45", "2026-W46", "2026-W47"]).flatMap { try team.activityLines($0) }
        // Dovecot keeps UIDVALIDITY in dovecot-uidlist and its indexes: remove them and restart.
        dovecot.stop()
        let enumerator = FileManager.default.enumerator(atPath: dovecot.maildir + "/alice")
        while let f = enumerator?.nextObject() as? String {
            let name = (f as NSString).lastPathComponent
            if name == "dovecot-uidlist" || name.hasPrefix("dovecot.index") || name == "dovecot.list.index" || name.hasPrefix("dovecot.list.index") {
                try FileManager.default.removeItem(atPath: dovecot.maildir + "/alice/" + f)
            }
        }
        sleep(1)  // a UIDVALIDITY is a timestamp: make sure it differs
        try dovecot.restart(users: FixtureTeam.users)
        let resync = try team.activity(["-v", "sync", "--once", "--account", "alice-mail"])
        #expect(resync.status == 0, "\(resync.stderr)")
        #expect(resync.stderr.contains("UIDVALIDITY changed"), "the resync should say why it fetched everything again")
        #expect(newItems(resync.stdout) == ["alice-mail": 0], "\(resync.stdout)")
        let after = try (["2026-W45", "2026-W46", "2026-W47"]).flatMap { try team.activityLines($0) }
        #expect(after == before)
    }

    @Test("IMAPS with a private CA verifies through ca_file, and fails with 77 without it")
    func imapsWithPrivateCA() throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"), tls: true)
        let port = try #require(dovecot.imapsPort)
        let ca = try #require(dovecot.ca)
        let trusted = try FixtureTeam(imapURL: "imaps://localhost:\(port)") {
            $0.replacingOccurrences(of: "password_file = \"secrets/", with: "ca_file = \"\(ca.file("ca.pem"))\"\npassword_file = \"secrets/")
        }
        let ok = try trusted.activity(["sync", "--once"])
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
        #expect(try trusted.counts("2026-W47") == (try ExpectedLedger()).weeks["2026-W47"])

        let untrusted = try FixtureTeam(imapURL: "imaps://localhost:\(port)")
        let refused = try untrusted.activity(["sync", "--once", "--account", "alice-mail"])
        #expect(refused.status == 77)
        #expect(refused.stdout.contains("account alice-mail: localhost:\(port): the server's TLS certificate does not verify"), "\(refused.stdout)")
    }

    @Test("a wrong password exits 77 and names the account, never the password")
    func wrongPassword() throws {
        let dovecot = try Dovecot(users: FixtureTeam.users)
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)")
        team.dir.write("secrets/alice", "not-the-password\n", mode: 0o600)
        let r = try team.activity(["sync", "--once", "--account", "alice-mail"])
        #expect(r.status == 77)
        #expect(r.stdout.contains("account alice-mail"))
        #expect(r.stdout.contains("login refused"))
        #expect(!(r.stdout + r.stderr).contains("not-the-password"))
        let status = try team.activity(["status", "--format", "json"])
        #expect(status.stdout.contains("\"state\": \"failing\""))
        #expect(!status.stdout.contains("not-the-password"))
    }

    @Test("an unreachable server exits 69 while the other accounts still sync, and status names the failure")
    func oneAccountDown() throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let dead = freePort()
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)") {
            $0.replacingOccurrences(of: "id = \"carol-mail\"\nrep = \"carol\"\nkind = \"imap\"\nurl = \"imap://127.0.0.1:\(dovecot.imapPort)\"",
                                    with: "id = \"carol-mail\"\nrep = \"carol\"\nkind = \"imap\"\nurl = \"imap://127.0.0.1:\(dead)\"")
        }
        let r = try team.activity(["sync", "--once"])
        #expect(r.status == 69, "\(r.stdout)\(r.stderr)")
        #expect(newItems(r.stdout)["alice-mail"] != nil)
        #expect(newItems(r.stdout)["carol-mail"] == nil)
        #expect(r.stdout.contains("carol-mail  failed"))
        let expected = try ExpectedLedger()
        #expect(try team.counts("2026-W47")["alice"] == expected.weeks["2026-W47"]?["alice"])
        let status = try team.activity(["status", "--format", "json"])
        let json = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
        let accounts = json?["accounts"] as? [[String: Any]] ?? []
        let carol = accounts.first { $0["account"] as? String == "carol-mail" }
        #expect(carol?["state"] as? String == "failing")
        #expect((carol?["last_error"] as? String)?.contains("127.0.0.1:\(dead)") == true)
        #expect(accounts.first { $0["account"] as? String == "alice-mail" }?["state"] as? String == "ok")
    }
}

/// `activity sync`'s table: new items per account that synced.
func newItems(_ table: String) -> [String: Int] {
    var out: [String: Int] = [:]
    for line in table.split(separator: "\n") {
        let cells = line.split(separator: " ", omittingEmptySubsequences: true)
        if cells.count >= 3, cells[1] == "ok", let n = Int(cells[2]) { out[String(cells[0])] = n }
    }
    return out
}

@Suite("Sync order does not change the ledger", .serialized)
struct SyncOrderTests {
    static let weeks = ["2025-W24", "2026-W03", "2026-W06", "2026-W45", "2026-W46", "2026-W47"]

    func ledger(_ team: FixtureTeam) throws -> [String] {
        try SyncOrderTests.weeks.flatMap { try team.activityLines($0) }
    }

    @Test("Sent before INBOX, and accounts one by one in reverse order, give the identical ledger")
    func folderAndAccountOrder() throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let url = "imap://127.0.0.1:\(dovecot.imapPort)"
        let normal = try FixtureTeam(imapURL: url)
        #expect(try normal.activity(["sync"]).status == 0)

        let reversed = try FixtureTeam(imapURL: url) {
            $0.replacingOccurrences(of: "password_file = \"secrets/", with: "folders = [\"\\\\Sent\", \"INBOX\"]\npassword_file = \"secrets/")
        }
        for account in ["carol-mail", "bob-mail", "alice-mail"] {
            #expect(try reversed.activity(["sync", "--account", account]).status == 0)
        }
        let a = try ledger(normal), b = try ledger(reversed)
        #expect(!a.isEmpty)
        #expect(a == b)
    }
}

@Suite("Explain agrees with the ledger")
struct ExplainLedgerTests {
    @Test("every activity of the fixture team's week is explained by the rule and organisation the ledger shows")
    func explainEveryActivity() throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)")
        #expect(try team.activity(["sync"]).status == 0)
        var explained = 0
        for w in ["2026-W45", "2026-W46", "2026-W47"] {
            let week = try team.week(w)
            for rep in week["reps"] as? [[String: Any]] ?? [] {
                for a in rep["activities"] as? [[String: Any]] ?? [] {
                    let id = try #require(a["id"] as? String)
                    let r = try team.activity(["explain", id, "--format", "json"])
                    #expect(r.status == 0, "\(id): \(r.stderr)")
                    let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
                    let item = (json?["items"] as? [[String: Any]])?.first
                    let acts = item?["activities"] as? [[String: Any]] ?? []
                    #expect(acts.contains { $0["kind"] as? String == a["kind"] as? String && $0["org"] as? String == a["org"] as? String
                        && $0["rule"] as? String == a["rule"] as? String }, "\(id) \(a)")
                    explained += 1
                }
            }
        }
        #expect(explained == 79)  // the labelled activities of the three weeks, the invitation's demo included
    }
}
