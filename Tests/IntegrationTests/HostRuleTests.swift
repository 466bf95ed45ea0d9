import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// What hosted mail services do that no Debian server does, reproduced by scripts/fault-proxy's
/// host rules in front of a real Dovecot (each rule cites the public report it reproduces: see
/// `scripts/fault-proxy --list-hosts` and HOSTS.md). Dovecot itself accepts what these hosts
/// refuse, so the tests read the bytes the client sent; and through every rule the fixture team's
/// ledger is the one a sync straight from Dovecot gives.
@Suite("Hosted mail quirks through fault-proxy host rules", .serialized)
struct HostRuleTests {
    /// The ledger and the mail it was derived from: what must not depend on the host.
    static let ledgerTables = ["activity", "exchange", "mail", "mail_calendar_part"]

    /// A Dovecot with the fixture mail, and the ledger of a sync straight from it.
    static func plainDovecot() throws -> (Dovecot, StoreSnapshot) {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)")
        let r = try team.activity(["sync", "--once"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        return (dovecot, try StoreSnapshot(store: team.store))
    }

    func expectSameLedger(_ team: FixtureTeam, _ reference: StoreSnapshot, _ what: String) throws {
        let s = try StoreSnapshot(store: team.store)
        #expect(!(reference.tables["activity"] ?? []).isEmpty)
        for table in Self.ledgerTables {
            #expect(s.tables[table] == reference.tables[table], "\(what): \(table) differs: \(s.difference(from: reference))")
        }
    }

    /// Whether a set is ascending, disjoint ranges (what QQ accepts).
    static func ascending(_ set: String) -> Bool {
        var last = 0
        for part in set.split(separator: ",") {
            let ends = part.split(separator: ":").map { $0 == "*" ? Int.max : Int($0) ?? 0 }
            let (lo, hi) = (ends[0], ends.count > 1 ? ends[1] : ends[0])
            if lo > hi || lo <= last { return false }
            last = hi
        }
        return true
    }

    @Test("NetEase: ID is sent after login and before the first EXAMINE, and the ledger is Dovecot's without UIDNEXT or STATUS")
    func neteaseIDGate() throws {
        let (dovecot, reference) = try Self.plainDovecot()
        let proxy = try FaultProxy(to: dovecot.imapPort, rules: ["host=netease"])
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(proxy.port)")
        let r = try team.activity(["sync", "--once"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)\n\(proxy.log)")
        try expectSameLedger(team, reference, "through the NetEase rule")
        #expect(!proxy.fired("answer"), "an EXAMINE was refused: \(proxy.log)")
        for n in 1...proxy.connections {
            let commands = proxy.sent(connection: n).map { $0.split(separator: " ", maxSplits: 1).last.map(String.init) ?? "" }
            let id = try #require(commands.firstIndex { $0.hasPrefix("ID (") }, "connection \(n) sent no ID: \(commands)")
            let examine = try #require(commands.firstIndex { $0.hasPrefix("EXAMINE ") })
            #expect(id < examine)
            #expect(commands[id] == "ID (\"name\" \"activity\" \"version\" \"1.0\" \"vendor\" \"activity\")")
            // 163 advertises neither CONDSTORE nor LIST-EXTENDED: nothing that needs them is sent.
            #expect(!commands.contains { $0.contains("(CONDSTORE)") || $0.contains("RETURN (") }, "\(commands)")
        }
        // Without UIDNEXT, a sync with nothing new asks for UIDs alone, never for headers again.
        let before = proxy.connections
        let again = try team.activity(["sync", "--once"])
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        let resync = ((before + 1)...proxy.connections).flatMap { proxy.sent(connection: $0) }
        #expect(resync.contains { $0.contains("UID FETCH") && $0.hasSuffix(":* (UID)") }, "\(resync)")
        #expect(!resync.contains { $0.contains("BODY.PEEK[HEADER.FIELDS") }, "\(resync)")
        try expectSameLedger(team, reference, "a second sync through the NetEase rule")
    }

    @Test("NetEase without ID advertised: the Unsafe Login NO makes the client send ID once, then EXAMINE again")
    func unsafeLoginThenID() throws {
        let (dovecot, reference) = try Self.plainDovecot()
        let gate = try #require(try run(Repo.path("scripts/fault-proxy"), ["--listen", "1", "--target", "127.0.0.1:1", "--list-hosts"])
            .stdout.split(separator: "\n").first { $0.hasPrefix("    dir=up") && $0.contains("Unsafe Login") }).trimmingCharacters(in: .whitespaces)
        let proxy = try FaultProxy(to: dovecot.imapPort, rules: [
            gate, "count=*,replace=^\\* CAPABILITY .*=>* CAPABILITY IMAP4rev1 LITERAL+ UIDPLUS\\r"])
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(proxy.port)")
        let r = try team.activity(["sync", "--once", "--account", "alice-mail"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)\n\(proxy.log)")
        let commands = proxy.sentCommands.filter { $0.hasPrefix("EXAMINE") || $0.hasPrefix("ID") }
        #expect(commands.prefix(3).map { String($0.prefix(7)) } == ["EXAMINE", "ID (\"na", "EXAMINE"], "\(commands)")
        #expect(commands.filter { $0.hasPrefix("ID") }.count == 1)
        let s = try StoreSnapshot(store: team.store)
        let alice = { (rows: [String]?) in (rows ?? []).filter { $0.contains("alice") } }
        #expect(alice(s.tables["activity"]) == alice(reference.tables["activity"]))
    }

    @Test("QQ Mail: no SPECIAL-USE, Sent Messages beside a non-selectable 其他文件夹; only ascending UID sets are sent; same ledger")
    func qqLayoutAndUIDSets() throws {
        let (dovecot, reference) = try Self.plainDovecot()
        for user in ["alice", "carol"] { try dovecot.imap(user, "RENAME \"Sent\" \"Sent Messages\"") }
        try dovecot.imap("alice", "CREATE \"&UXZO1mWHTvZZOQ-/QQ&kK5O9ouilgU-\"")
        let proxy = try FaultProxy(to: dovecot.imapPort, rules: ["host=qq"])
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(proxy.port)")
        let r = try team.activity(["sync", "--once"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)\n\(proxy.log)")
        try expectSameLedger(team, reference, "through the QQ rule")
        #expect(!proxy.fired("answer"), "a UID set was refused: \(proxy.log)")
        let sets = proxy.sentCommands.filter { $0.hasPrefix("UID ") }.compactMap { $0.split(separator: " ").dropFirst(2).first.map(String.init) }
        #expect(!sets.isEmpty && sets.allSatisfy(Self.ascending), "\(sets)")
        let s = try StoreSnapshot(store: team.store)
        #expect(s.tables["folder_checkpoint"]?.contains { $0.hasPrefix("alice-mail\tSent Messages\t") } == true, "\(s.tables["folder_checkpoint"] ?? [])")
        let check = try team.activity(["config", "check"])
        #expect(check.stdout.contains("sent folder: Sent Messages"), "\(check.stdout)")

        // The rule itself refuses what QQ refuses (Dovecot would answer it).
        let descending = try run("/usr/bin/curl", ["-sS", "-u", "alice:pw-alice", "imap://127.0.0.1:\(proxy.port)/INBOX", "-X", "UID FETCH 5:1 (UID)"])
        #expect(descending.status != 0)
        #expect(proxy.log.contains { $0.contains("BAD UID parameters!") }, "\(proxy.log)")

        // Exmail's wording of the same refusal, for an unsorted set; a sync through it is unaffected.
        let exmail = try FaultProxy(to: dovecot.imapPort, rules: ["host=exmail-sets"])
        let unsorted = try run("/usr/bin/curl", ["-sS", "-u", "alice:pw-alice", "imap://127.0.0.1:\(exmail.port)/INBOX", "-X", "UID FETCH 3,1 (UID)"])
        #expect(unsorted.status != 0)
        #expect(exmail.log.contains { $0.contains("Sequence set is inavlid!") }, "\(exmail.log)")
        let viaExmail = try FixtureTeam(imapURL: "imap://127.0.0.1:\(exmail.port)")
        #expect(try viaExmail.activity(["sync", "--once"]).status == 0)
        try expectSameLedger(viaExmail, reference, "through the Exmail set rule")
    }

    @Test("Tencent Exmail: its one login sentence exits 77 with the server's words and the remedy, and is not retried")
    func exmailLoginSentence() throws {
        let (dovecot, _) = try Self.plainDovecot()
        let proxy = try FaultProxy(to: dovecot.imapPort, rules: ["host=exmail-login"])
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(proxy.port)")
        let r = try team.activity(["sync", "--once", "--account", "alice-mail"])
        #expect(r.status == 77, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("account alice-mail: 127.0.0.1:\(proxy.port): login refused (the server said \"NO Login fail. Account is abnormal"), "\(r.stdout)")
        #expect(r.stdout.contains("Tencent Exmail") && r.stdout.contains("客户端专用密码"), "\(r.stdout)")
        #expect(proxy.connections == 1, "a refused login was tried again: \(proxy.log)")
        #expect(!r.stdout.contains("pw-alice") && !r.stderr.contains("pw-alice"))
    }

    @Test("a NetEase login refusal names the authorization code (授权码) and exits 77")
    func neteaseLoginRefusal() throws {
        let (dovecot, _) = try Self.plainDovecot()
        let proxy = try FaultProxy(to: dovecot.imapPort, rules: [
            "dir=up,on=^(\\S+) (LOGIN|AUTHENTICATE) ,answer=\\1 NO LOGIN Login error or password error\\r\\n",
            "count=*,replace=^\\* OK .*Dovecot.*=>* OK Coremail System IMap Server Ready(163com[10.0.0.1])\\r"])
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(proxy.port)")
        let r = try team.activity(["sync", "--once", "--account", "alice-mail"])
        #expect(r.status == 77, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("NO LOGIN Login error or password error") && r.stdout.contains("授权码"), "\(r.stdout)")
        #expect(proxy.connections == 1)
    }

    @Test("Exchange: BAD User is authenticated but not connected. is transient: the sync reconnects and the ledger is Dovecot's")
    func exchangeNotConnected() throws {
        let (dovecot, reference) = try Self.plainDovecot()
        let proxy = try FaultProxy(to: dovecot.imapPort, rules: ["host=exchange-reconnect"])
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(proxy.port)")
        let r = try team.activity(["sync", "--once"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)\n\(proxy.log)")
        #expect(proxy.fired("answer") && proxy.connections >= 2, "\(proxy.log)")
        try expectSameLedger(team, reference, "through the Exchange reconnect rule")
    }

    @Test("Exchange: Request is throttled waits the suggested backoff and sends the same command again on the same connection")
    func exchangeThrottled() throws {
        let (dovecot, reference) = try Self.plainDovecot()
        let proxy = try FaultProxy(to: dovecot.imapPort, rules: ["host=exchange-throttle"])
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(proxy.port)")
        let started = Date()
        let r = try team.activity(["sync", "--once", "--account", "alice-mail"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)\n\(proxy.log)")
        #expect(Date().timeIntervalSince(started) >= 0.6)
        #expect(proxy.connections == 1, "\(proxy.log)")
        #expect(proxy.log.filter { $0.contains("throttled") }.count == 2, "\(proxy.log)")
        let fetches = proxy.sent(connection: 1).filter { $0.contains("UID FETCH") }.map { $0.split(separator: " ", maxSplits: 1)[1] }
        #expect(fetches.count >= 3 && fetches[0] == fetches[1] && fetches[1] == fetches[2], "\(fetches)")
        let s = try StoreSnapshot(store: team.store)
        let alice = { (rows: [String]?) in (rows ?? []).filter { $0.contains("alice") } }
        #expect(alice(s.tables["activity"]) == alice(reference.tables["activity"]))
    }

    @Test("without CONDSTORE (Coremail, QQ, Aliyun, Exchange) nothing asks for it, and the ledger is Dovecot's")
    func noCondstore() throws {
        let (dovecot, reference) = try Self.plainDovecot()
        let proxy = try FaultProxy(to: dovecot.imapPort, rules: ["host=no-condstore"])
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(proxy.port)")
        let r = try team.activity(["sync", "--once"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(proxy.fired("replace"))
        #expect(!proxy.sentCommands.contains { $0.contains("CONDSTORE") || $0.contains("MODSEQ") }, "\(proxy.sentCommands)")
        try expectSameLedger(team, reference, "without CONDSTORE")
    }

    @Test("Courier's and Cyrus's layout on a real Dovecot: INBOX. namespace, . separator, no SPECIAL-USE; Sent and \\Sent find INBOX.Sent; same ledger")
    func inboxNamespace() throws {
        let (dovecot, reference) = try Self.plainDovecot()
        // Dovecot reconfigured in place (HOSTS.md, verified): `namespace inbox { prefix = INBOX.
        // separator = . }`, and no special_use mailboxes, so SPECIAL-USE is not advertised.
        let conf = dovecot.dir.file("dovecot.conf")
        var text = try String(contentsOfFile: conf, encoding: .utf8)
        text = text.replacingOccurrences(of: "  separator = /\n  prefix =\n", with: "  separator = .\n  prefix = INBOX.\n")
        text = text.replacingOccurrences(of: "  mailbox [^\n]*\\{\n    special_use = [^\n]*\n  \\}\n", with: "", options: .regularExpression)
        try text.write(toFile: conf, atomically: true, encoding: .utf8)
        // base_dir is DIR/run, or the path DIR/base_dir names when that is too long for a socket.
        let base = (try? String(contentsOfFile: dovecot.dir.file("base_dir"), encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? dovecot.dir.file("run")
        let pid = try String(contentsOfFile: base + "/master.pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(kill(pid_t(pid) ?? 0, SIGHUP) == 0)
        usleep(1_000_000)
        let proxy = try FaultProxy(to: dovecot.imapPort, rules: [])
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(proxy.port)")
        let r = try team.activity(["sync", "--once"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(!proxy.sentCommands.contains { $0.contains("RETURN (SPECIAL-USE)") }, "\(proxy.sentCommands)")
        try expectSameLedger(team, reference, "INBOX. namespace")
        let s = try StoreSnapshot(store: team.store)
        #expect(s.tables["folder_checkpoint"]?.contains { $0.hasPrefix("alice-mail\tINBOX.Sent\t") } == true, "\(s.tables["folder_checkpoint"] ?? [])")
        #expect(s.tables["folder_checkpoint"]?.contains { $0.hasPrefix("bob-mail\tINBOX.已发送\t") } == true, "\(s.tables["folder_checkpoint"] ?? [])")

        // A folder named as a mail client shows it, without the prefix (INTERFACE.md).
        let named = try FixtureTeam(imapURL: "imap://127.0.0.1:\(proxy.port)") {
            $0.replacingOccurrences(of: "password_file = \"secrets/alice\"", with: "password_file = \"secrets/alice\"\nfolders = [\"INBOX\", \"Sent\"]")
        }
        let n = try named.activity(["sync", "--once", "--account", "alice-mail"])
        #expect(n.status == 0, "\(n.stdout)\(n.stderr)")
        #expect(proxy.sentCommands.contains("NAMESPACE"))
        let alice = { (rows: [String]?) in (rows ?? []).filter { $0.contains("alice") } }
        #expect(alice(try StoreSnapshot(store: named.store).tables["activity"]) == alice(reference.tables["activity"]))
    }

    @Test("provider = \"qq\" with the account's own url syncs like the plain account; a missing folder gets the preset's checklist")
    func presetUnderExplicitKeys() throws {
        let (dovecot, reference) = try Self.plainDovecot()
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)") {
            $0.replacingOccurrences(of: "kind = \"imap\"\n", with: "provider = \"qq\"\n")
        }
        let r = try team.activity(["sync", "--once"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        try expectSameLedger(team, reference, "with provider = qq and an explicit url")

        let missing = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)") {
            $0.replacingOccurrences(of: "kind = \"imap\"\n", with: "provider = \"qq\"\nfolders = [\"INBOX\", \"其他文件夹/客户\"]\n")
        }
        let check = try missing.activity(["config", "check"])
        #expect(check.status == 78, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("has no folder \"其他文件夹/客户\"") && check.stdout.contains("(qq needs: IMAP/SMTP on in webmail"), "\(check.stdout)")
    }
}
