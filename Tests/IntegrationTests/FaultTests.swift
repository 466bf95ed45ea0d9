import Foundation
import Testing

/// Server faults between activity and real servers, made by scripts/fault-proxy: a connection
/// cut in the middle of a literal, a corrupted byte, an unexpected BYE, NO and BAD answers, a
/// slow server, a server restarted mid-sync, a stalled TLS handshake, HTTP 5xx, a cut or
/// truncated multistatus. A sync retries (3 tries) and never records a checkpoint past what it
/// stored; once the fault is gone, the store is exactly that of a sync without faults.
@Suite("Server faults through a fault-injecting proxy", .serialized)
struct FaultTests {
    static let messages = 900
    static let events = 150

    /// The generated team, and the stores of a clean sync of alice's mail alone and of alice's
    /// calendar alone.
    static func setUp() throws -> (GeneratedTeam, mail: StoreSnapshot, calendar: StoreSnapshot) {
        let g = try GeneratedTeam(messages: messages, events: events, seed: 3)
        var snapshots: [StoreSnapshot] = []
        for account in ["alice-mail", "alice-cal"] {
            let team = try g.team()
            let r = try team.activity(["sync", "--once", "--account", account])
            #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
            snapshots.append(try StoreSnapshot(store: team.store).withoutPorts)
        }
        return (g, snapshots[0], snapshots[1])
    }

    /// Every checkpoint covers only stored items: each UID at or below a folder's highest_uid
    /// that the server has (per the reference) is stored; a calendar's sync token is only
    /// recorded with every item it covers.
    func checkpointsCoverOnlyStoredItems(_ store: String, reference: StoreSnapshot, _ what: String) throws {
        let s = try StoreSnapshot(store: store).withoutPorts
        let stored = Set(s.tables["mail_location"] ?? [])
        for row in s.tables["folder_checkpoint"] ?? [] {
            let c = row.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            let (account, folder, highest) = (c[0], c[1], Int(c[4]) ?? 0)
            for location in reference.tables["mail_location"] ?? [] {
                let l = location.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                if l[0] == account && l[1] == folder && (Int(l[3]) ?? 0) <= highest {
                    #expect(stored.contains(location), "\(what): \(account) \(folder): checkpoint at UID \(highest) but UID \(l[3]) is not stored")
                }
            }
        }
        for row in s.tables["calendar_collection"] ?? [] where !row.hasSuffix("\t∅") {
            #expect(Set(s.tables["calendar_object"] ?? []) == Set(reference.tables["calendar_object"] ?? []),
                    "\(what): a sync token was recorded without all the calendar's items")
        }
    }

    /// Syncs alice's mail (or calendar) through the proxy and expects `status`; checks that no
    /// checkpoint is past what is stored.
    func syncThrough(_ proxy: FaultProxy, _ g: GeneratedTeam, reference: StoreSnapshot, imap: Bool, expect status: Int32,
                     timeout: String? = nil, _ what: String) throws -> (FixtureTeam, Run) {
        let url = imap ? "imap://127.0.0.1:\(proxy.port)" : nil
        let dav = imap ? nil : "http://127.0.0.1:\(proxy.port)/alice/"
        let team = try g.team(imapURL: url, caldavURL: dav) { text in
            guard let timeout else { return text }
            return text.replacingOccurrences(of: "password_file = ", with: "timeout = \"\(timeout)\"\npassword_file = ")
        }
        let r = try team.activity(["sync", "--once", "--account", imap ? "alice-mail" : "alice-cal"])
        #expect(r.status == status, "\(what): \(r.stdout)\(r.stderr)\n\(proxy.log)")
        try checkpointsCoverOnlyStoredItems(team.store, reference: reference, what)
        return (team, r)
    }

    /// The store is exactly the reference's (ports aside).
    func sameAsReference(_ team: FixtureTeam, _ reference: StoreSnapshot, _ what: String) throws {
        let s = try StoreSnapshot(store: team.store).withoutPorts
        #expect(s == reference, "\(what): \(s.difference(from: reference))")
    }

    /// IMAP faults on the first connection only: the retry (a new connection) succeeds. Alice's
    /// mailbox answers about 118 KB of FETCH for INBOX, then as much for Sent.
    static let healingIMAPFaults: [(what: String, rules: [String], action: String, reconnects: Bool)] = [
        ("a connection cut in the middle of a header literal", ["conn=1,at=60000,cut"], "cut", true),
        ("a connection reset (RST) in the middle of Sent's FETCH", ["conn=1,at=150000,reset"], "reset", true),
        ("a corrupted byte where a response starts", ["conn=1,replace=^\\* 40 FETCH=>( 40 FETCH"], "replace", true),
        ("an unexpected BYE", ["conn=1,replace=^(\\* 40 FETCH .*)=>* BYE Server shutting down\\r\\n\\1"], "replace", true),
        ("NO to EXAMINE", ["conn=1,replace=^(s\\d+) OK \\[READ-ONLY\\].*=>\\1 NO [UNAVAILABLE] Temporary failure\\r"], "replace", true),
        ("BAD after a whole FETCH", ["conn=1,replace=^(s\\d+) OK Fetch completed.*=>\\1 BAD Internal error\\r"], "replace", true),
        ("a second fault on the retry", ["conn=1-2,at=100000,cut"], "cut", true),
        ("a slow server (400 KB/s after a pause)", ["at=2000,slow=400000", "at=100,delay=0.5"], "slow", false),
        // Not retried: read again on the same connection.
        ("a FETCH answer whose UID is garbled (fetched again by its sequence number)",
         ["conn=1,replace=^\\* 40 FETCH \\(UID 40 =>* 40 FETCH (U!D 40 "], "replace", false),
        ("one BODYSTRUCTURE garbled once (fetched again, whole)",
         ["conn=1,after=^\\* \\d+ FETCH \\(UID 40 ,replace=^ BODYSTRUCTURE \\(=> BODYSTRUCTURE (((("], "replace", false),
    ]

    @Test("an IMAP fault that passes is retried (or the answer read again) and the store ends as without it")
    func imapFaultsThatPass() throws {
        let (g, reference, _) = try Self.setUp()
        for (what, rules, action, reconnects) in Self.healingIMAPFaults {
            let proxy = try FaultProxy(to: g.dovecot.imapPort, rules: rules)
            let (team, r) = try syncThrough(proxy, g, reference: reference, imap: true, expect: 0, timeout: "3s", what)
            #expect(proxy.fired(action), "\(what): the fault did not happen: \(proxy.log)")
            #expect(reconnects ? proxy.connections >= 2 : proxy.connections == 1, "\(what): \(proxy.log) \(r.stderr)")
            try sameAsReference(team, reference, what)
        }
    }

    @Test("a BODYSTRUCTURE the reader cannot take, every time: the mail is stored from its headers and recorded as malformed")
    func unreadableBodyStructure() throws {
        let (g, reference, _) = try Self.setUp()
        // Unbalanced parentheses in INBOX message 40's BODYSTRUCTURE, in the FETCH and in the
        // refetch with BODYSTRUCTURE (only the first folder: Sent's UID 40 comes after count=2).
        let rule = "conn=1,count=2,after=^\\* \\d+ FETCH \\(UID 40 ,replace=^ BODYSTRUCTURE \\(=> BODYSTRUCTURE (((("
        let proxy = try FaultProxy(to: g.dovecot.imapPort, rules: [rule])
        let (team, _) = try syncThrough(proxy, g, reference: reference, imap: true, expect: 0, "bad BODYSTRUCTURE")
        #expect(proxy.connections == 1)
        let s = try StoreSnapshot(store: team.store).withoutPorts
        #expect(s.tables["mail_location"] == reference.tables["mail_location"])
        let malformed = s.tables["malformed_item"] ?? []
        #expect(malformed.count == 1, "\(malformed) \(proxy.log)")
        #expect(malformed.allSatisfy { $0.contains("stored from its header fields alone") }, "\(malformed)")
        let status = try team.activity(["status"])
        #expect(status.stdout.contains("Malformed items"), "\(status.stdout)")
        let ref = try #require(malformed.first?.split(separator: "\t").dropFirst(2).first.map(String.init))
        let explained = try team.activity(["explain", ref, "--format", "json"])
        #expect(explained.status == 0, "\(explained.stderr)")
        #expect(explained.stdout.contains("\"malformed\": \"malformed: its FETCH answer could not be read"), "\(explained.stdout)")
    }

    @Test("a fault on every try fails with 75 naming the account, and nothing past what was stored is checkpointed")
    func imapFaultThatStays() throws {
        let (g, reference, _) = try Self.setUp()
        let proxy = try FaultProxy(to: g.dovecot.imapPort, rules: ["at=60000,cut"])
        let (team, r) = try syncThrough(proxy, g, reference: reference, imap: true, expect: 75, "cut on every try")
        #expect(proxy.connections == 3)
        #expect(r.stdout.contains("account alice-mail: 127.0.0.1:\(proxy.port): the server closed the connection"), "\(r.stdout)")
        #expect(r.stdout.contains("after 3 tries"))
        // What was committed before each cut stays; the next sync without the fault completes it.
        let fixed = try String(contentsOfFile: team.config, encoding: .utf8)
            .replacingOccurrences(of: "imap://127.0.0.1:\(proxy.port)", with: g.imapURL)
        try fixed.write(toFile: team.config, atomically: true, encoding: .utf8)
        #expect(try team.activity(["sync", "--once", "--account", "alice-mail"]).status == 0)
        try sameAsReference(team, reference, "after the fault went away")
    }

    @Test("Dovecot restarted in the middle of a sync: the sync reconnects and completes")
    func serverRestartedMidSync() throws {
        let (g, reference, _) = try Self.setUp()
        // Slowed down so that the restart falls in the middle of the FETCH.
        let proxy = try FaultProxy(to: g.dovecot.imapPort, rules: ["conn=1,at=3000,slow=150000"])
        let team = try g.team(imapURL: "imap://127.0.0.1:\(proxy.port)")
        let sync = try RunningActivity(["--config", team.config, "sync", "--once", "--account", "alice-mail"])
        usleep(1_200_000)
        try g.dovecot.restart(users: FixtureTeam.users)
        let r = sync.wait()
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(proxy.connections >= 2, "the restart should have cut the first connection: \(proxy.log)")
        try checkpointsCoverOnlyStoredItems(team.store, reference: reference, "restart")
        try sameAsReference(team, reference, "restart")
    }

    @Test("a stalled TLS handshake times out and is retried; stalled on every try it is 69, unreachable")
    func stalledTLSHandshake() throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"), tls: true)
        let port = try #require(dovecot.imapsPort)
        let ca = try #require(dovecot.ca)
        func team(_ proxy: FaultProxy) throws -> FixtureTeam {
            try FixtureTeam(imapURL: "imaps://localhost:\(proxy.port)") {
                $0.replacingOccurrences(of: "password_file = \"secrets/", with: "ca_file = \"\(ca.file("ca.pem"))\"\ntimeout = \"1s\"\npassword_file = \"secrets/")
            }
        }
        let once = try FaultProxy(to: port, rules: ["conn=1,at=0,stall"])
        let t1 = try team(once)
        let ok = try t1.activity(["sync", "--once", "--account", "alice-mail"])
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
        #expect(once.fired("stall") && once.connections == 2)
        #expect(try t1.counts("2026-W47")["alice"] == (try ExpectedLedger()).weeks["2026-W47"]?["alice"])

        let always = try FaultProxy(to: port, rules: ["at=0,stall"])
        let t2 = try team(always)
        let started = Date()
        let down = try t2.activity(["sync", "--once", "--account", "alice-mail"])
        #expect(down.status == 69, "\(down.stdout)\(down.stderr)")
        #expect(down.stdout.contains("account alice-mail: localhost:\(always.port): no answer within 1 s"), "\(down.stdout)")
        #expect(Date().timeIntervalSince(started) < 15)
    }

    /// CalDAV faults. Radicale answers HTTP/1.0 and closes after each answer, so connection N is
    /// request N: 1 PROPFIND of the principal, 2 PROPFIND of the home, 3 sync-collection
    /// REPORT, 4 and 5 calendar-multiget of 100 and 50 items.
    static let healingCalDAVFaults: [(String, String, String)] = [
        ("HTTP 503 to the sync-collection REPORT", "conn=3,respond=HTTP/1.1 503 Service Unavailable\\r\\nRetry-After: 1\\r\\nContent-Length: 0\\r\\nConnection: close\\r\\n\\r\\n", "respond"),
        ("HTTP 500 to a multiget", "conn=5,respond=HTTP/1.1 500 Internal Server Error\\r\\nContent-Length: 0\\r\\nConnection: close\\r\\n\\r\\n", "respond"),
        ("a multiget answer cut in the middle (gzip: about 13 KB)", "conn=4,at=6000,cut", "cut"),
        ("a truncated multistatus (well framed, unreadable XML)",
         "conn=4,respond=HTTP/1.1 207 Multi-Status\\r\\nContent-Type: application/xml; charset=utf-8\\r\\nContent-Length: 93\\r\\nConnection: close\\r\\n\\r\\n<?xml version=\"1.0\"?><multistatus xmlns=\"DAV:\"><response><href>/alice/work/x.ics</href><pro",
         "respond"),
        ("a connection refused at discovery", "conn=1,refuse", "refused"),
    ]

    @Test("a CalDAV fault that passes is retried and the store ends as without it")
    func calDAVFaultsThatPass() throws {
        let (g, _, reference) = try Self.setUp()
        for (what, rule, action) in Self.healingCalDAVFaults {
            let proxy = try FaultProxy(to: g.radicale.port, rules: [rule])
            let (team, _) = try syncThrough(proxy, g, reference: reference, imap: false, expect: 0, what)
            #expect(proxy.fired(action), "\(what): the fault did not happen: \(proxy.log)")
            try sameAsReference(team, reference, what)
        }
    }

    @Test("HTTP 503 on every try fails with 75 naming the account and the status; no sync token is recorded")
    func calDAVFaultThatStays() throws {
        let (g, _, reference) = try Self.setUp()
        let proxy = try FaultProxy(to: g.radicale.port, rules: [
            "conn=5-,respond=HTTP/1.1 503 Service Unavailable\\r\\nContent-Length: 0\\r\\nConnection: close\\r\\n\\r\\n"])
        let (team, r) = try syncThrough(proxy, g, reference: reference, imap: false, expect: 75, "503 on every try")
        #expect(r.stdout.contains("account alice-cal: 127.0.0.1:\(proxy.port): the server answered HTTP 503"), "\(r.stdout)")
        let s = try StoreSnapshot(store: team.store)
        // The first multiget's 100 items are stored, the token is not.
        #expect(s.tables["calendar_object"]?.count == 100)
        #expect(s.tables["calendar_collection"]?.allSatisfy { $0.hasSuffix("\t∅") } ?? true)
    }
}
