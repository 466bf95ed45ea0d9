import Foundation
import Testing

/// The fixture team's mail on three real IMAP servers: Dovecot 2.3, Cyrus IMAP 3.6 (also with
/// CONDSTORE suppressed, as QQ, NetEase and Exchange have none) and Courier IMAP 5, each from
/// Debian 12 and started privately on loopback. The ledger must be the same, activity by
/// activity, whatever server the mail comes from.
@Suite("The fixture ledger on Dovecot, Cyrus and Courier", .serialized)
struct IMAPServerTests {
    enum Server: String, CaseIterable, CustomTestStringConvertible {
        case dovecot, cyrus, cyrusWithoutCondstore = "cyrus without CONDSTORE", courier
        var testDescription: String { rawValue }

        func start() throws -> any IMAPServer {
            let mail = Repo.path("Fixtures/mail")
            switch self {
            case .dovecot: return try Dovecot(users: FixtureTeam.users, maildirFrom: mail)
            case .cyrus: return try Cyrus(users: FixtureTeam.users, maildirFrom: mail)
            case .cyrusWithoutCondstore: return try Cyrus(users: FixtureTeam.users, maildirFrom: mail, suppress: "CONDSTORE QRESYNC")
            case .courier: return try Courier(users: FixtureTeam.users, maildirFrom: mail)
            }
        }
    }

    static var expected: ExpectedLedger? { try? ExpectedLedger() }
    static var weeks: [String] {
        Array(Set((expected?.activities ?? []).compactMap { $0["week"] as? String })).sorted()
    }

    /// The labelled activities, as `activityLines` prints them (Message-IDs without brackets).
    static var expectedLines: [String] {
        (expected?.activities ?? []).map { a in
            let ref = (a["message_id"] as? String).map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "<>")) } ?? "?"
            return "\(a["rep"] as? String ?? "") \(a["kind"] as? String ?? "") \(a["org"] as? String ?? "") \(ref)"
        }.sorted()
    }

    /// Every activity of the labelled weeks, as "WEEK rep kind org ref".
    func ledger(_ team: FixtureTeam) throws -> [String] {
        try Self.weeks.flatMap { w in try team.activityLines(w).map { "\(w) \($0)" } }
    }

    func sync(_ team: FixtureTeam, _ arguments: [String] = []) throws -> Run {
        let r = try team.activity(["sync", "--once"] + arguments)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        return r
    }

    @Test("the labelled ledger, a no-change resync, and a new message fetched alone", arguments: Server.allCases)
    func fixtureLedger(server kind: Server) throws {
        let server = try kind.start()
        let team = try server.fixtureTeam()
        let first = try sync(team)
        #expect(newItems(first.stdout) == ["alice-mail": 43, "bob-mail": 31, "carol-mail": 26], "\(first.stdout)")
        let dropNoID = { (lines: [String]) in lines.filter { !$0.contains("no-message-id:") && !$0.hasSuffix(" ?") } }
        let actual = try Self.weeks.flatMap { try team.activityLines($0) }.sorted()
        #expect(dropNoID(actual) == dropNoID(Self.expectedLines))
        #expect(actual.count == Self.expectedLines.count)
        for (week, reps) in Self.expected?.weeks ?? [:] {
            let counts = try team.counts(week)
            for (rep, c) in reps { #expect(counts[rep] == c, "\(week) \(rep)") }
        }

        let before = try ledger(team)
        let again = try sync(team)
        #expect(newItems(again.stdout) == ["alice-mail": 0, "bob-mail": 0, "carol-mail": 0], "\(again.stdout)")
        #expect(try ledger(team) == before)

        try server.append(user: "alice", folder: server.folders("alice")[1], file: Repo.path("Fixtures/new-items/new-quote.eml"))
        let third = try sync(team, ["--account", "alice-mail"])
        #expect(newItems(third.stdout) == ["alice-mail": 1], "\(third.stdout)")
        let lines = try team.activityLines("2026-W47")
        #expect(lines.contains("alice closing newco.com.cn 20261120093000.new-quote@hxsoft.cn"))
        #expect(lines.contains("alice lead newco.com.cn 20261120093000.new-quote@hxsoft.cn"))
    }

    @Test("Cyrus and Courier give Dovecot's ledger, activity by activity, messages without a Message-ID included")
    func sameLedgerEverywhere() throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let reference = try dovecot.fixtureTeam()
        _ = try sync(reference)
        let expected = try ledger(reference)
        #expect(expected.count == Self.expectedLines.count)
        for kind in [Server.cyrus, .courier] {
            let server = try kind.start()
            let team = try server.fixtureTeam()
            _ = try sync(team)
            let lines = try ledger(team)
            #expect(lines == expected, "\(kind.rawValue): only there \(Set(lines).subtracting(expected).sorted()), missing \(Set(expected).subtracting(lines).sorted())")
            server.stop()
        }
    }

    @Test("what the servers advertise: Cyrus with CONDSTORE and without it, Courier as shipped (no CONDSTORE, no SPECIAL-USE)")
    func capabilities() throws {
        let cyrus = try Cyrus(users: ["alice": "pw-alice"])
        #expect(try cyrus.capabilities().contains("CONDSTORE"))
        let suppressed = try Cyrus(users: ["alice": "pw-alice"], suppress: "CONDSTORE QRESYNC")
        let caps = try suppressed.capabilities()
        #expect(!caps.isEmpty && !caps.contains("CONDSTORE") && !caps.contains("QRESYNC"), "\(caps)")
        let courier = try Courier(users: ["alice": "pw-alice"])
        let courierCaps = try courier.capabilities()
        #expect(courierCaps.contains("IMAP4rev1") && !courierCaps.contains("CONDSTORE") && !courierCaps.contains("SPECIAL-USE"), "\(courierCaps)")
    }

    @Test("a wrong password on Cyrus and on Courier exits 77 and names the account", arguments: [Server.cyrus, .courier])
    func wrongPassword(server kind: Server) throws {
        let server: any IMAPServer = kind == .cyrus ? try Cyrus(users: FixtureTeam.users) : try Courier(users: FixtureTeam.users)
        let team = try server.fixtureTeam()
        team.dir.write("secrets/alice", "not-the-password\n", mode: 0o600)
        let r = try team.activity(["sync", "--once", "--account", "alice-mail"])
        #expect(r.status == 77, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("account alice-mail"))
        #expect(!(r.stdout + r.stderr).contains("not-the-password"))
    }
}
