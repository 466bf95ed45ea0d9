import Foundation
import Testing

/// Wrong configuration and credentials: a wrong password, an expired token, a certificate that
/// does not verify, a host that does not answer. Each fails its account only, with the exit
/// code of INTERFACE.md and a message naming the account; no secret ever appears in any output,
/// log (debug level included), or the store.
@Suite("Credentials and secrets against Dovecot and Radicale", .serialized)
struct CredentialTests {
    @Test("an expired access token from password_command is 77, named as such; the token appears nowhere")
    func expiredToken() throws {
        let dovecot = try Dovecot(users: FixtureTeam.users)
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)") {
            // The token helper prints a token the server no longer takes.
            $0.replacingOccurrences(of: "password_file = \"secrets/alice\"", with: "password_command = \"cat secrets/alice-token\"")
        }
        team.dir.write("secrets/alice-token", "ya29.expired-token-4f9c2e\n", mode: 0o600)
        let r = try run(Repo.binary, ["--config", team.config, "-v", "sync", "--once", "--account", "alice-mail"], cwd: team.dir.path)
        #expect(r.status == 77, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("account alice-mail: 127.0.0.1:\(dovecot.imapPort): login refused"), "\(r.stdout)")
        #expect(r.stdout.contains("password_command may print an access token that has expired"), "\(r.stdout)")
        #expect(!(r.stdout + r.stderr).contains("expired-token-4f9c2e"))
    }

    @Test("no password, right or wrong, appears in any output, at debug level, or in the store")
    func secretsNeverLeak() throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"), tls: true)
        let radicale = try Radicale(users: ["alice": "pw-alice"], collectionsFrom: Repo.path("Fixtures/caldav"))
        let wrong = ["wrong-Xq7-imap", "wrong-Xq7-dav"]
        var outputs: [String] = []
        var stores: [String] = []
        func record(_ team: FixtureTeam, _ arguments: [String], expect status: Int32) throws {
            let r = try team.activity(["-v"] + arguments, environment: ["BOB_IMAP_PASSWORD": "pw-bob"])
            #expect(r.status == status, "\(arguments): \(r.stdout)\(r.stderr)")
            outputs.append(r.stdout + r.stderr)
        }
        // Everything right: mail over IMAPS with the private CA, and the calendar.
        let ca = try #require(dovecot.ca).file("ca.pem")
        let good = try FixtureTeam(imapURL: "imaps://localhost:\(try #require(dovecot.imapsPort))", caldavURL: radicale.principalURL("alice")) {
            $0.replacingOccurrences(of: "password_file = \"secrets/alice\"", with: "ca_file = \"\(ca)\"\npassword_file = \"secrets/alice\"")
              .replacingOccurrences(of: "password_file = \"secrets/bob\"", with: "ca_file = \"\(ca)\"\npassword_env = \"BOB_IMAP_PASSWORD\"")
              .replacingOccurrences(of: "password_file = \"secrets/carol\"", with: "ca_file = \"\(ca)\"\npassword_file = \"secrets/carol\"")
        }
        try record(good, ["sync", "--once"], expect: 0)
        try record(good, ["status", "--format", "json"], expect: 0)
        try record(good, ["week", "--all", "--week", "2026-W47", "--format", "json"], expect: 0)
        try record(good, ["config", "check"], expect: 0)
        stores.append(good.store)

        // Wrong passwords, a certificate that does not verify, a host that does not answer.
        let bad = try FixtureTeam(imapURL: "imaps://localhost:\(try #require(dovecot.imapsPort))", caldavURL: radicale.principalURL("alice"),
                                  calendarPassword: wrong[1]) {
            $0.replacingOccurrences(of: "password_file = \"secrets/alice\"", with: "ca_file = \"\(ca)\"\npassword_file = \"secrets/alice\"")
              .replacingOccurrences(of: "url = \"imaps://localhost:\(dovecot.imapsPort!)\"\nusername = \"carol\"",
                                    with: "url = \"imap://127.0.0.1:\(freePort())\"\nusername = \"carol\"")
        }
        bad.dir.write("secrets/alice", wrong[0] + "\n", mode: 0o600)
        try record(bad, ["sync", "--once", "--account", "alice-mail"], expect: 77)
        try record(bad, ["sync", "--once", "--account", "alice-cal"], expect: 77)
        try record(bad, ["sync", "--once", "--account", "bob-mail"], expect: 77)     // no ca_file: the certificate does not verify
        try record(bad, ["sync", "--once", "--account", "carol-mail"], expect: 69)
        try record(bad, ["status"], expect: 0)
        try record(bad, ["config", "check"], expect: 77)
        stores.append(bad.store)
        #expect(outputs.joined().contains("account alice-mail: localhost:\(dovecot.imapsPort!): login refused"))
        #expect(outputs.joined().contains("account alice-cal: 127.0.0.1:\(radicale.port): the server refused the login"))
        #expect(outputs.joined().contains("account bob-mail: localhost:\(dovecot.imapsPort!): the server's TLS certificate does not verify"))
        #expect(outputs.joined().contains("account carol-mail: 127.0.0.1:"))

        let secrets = Array(FixtureTeam.users.values) + wrong
        for secret in secrets {
            for (i, output) in outputs.enumerated() {
                #expect(!output.contains(secret), "output \(i) shows the secret \(secret)")
            }
            for store in stores {
                for file in [store, store + "-wal", store + "-shm"] {
                    guard let bytes = FileManager.default.contents(atPath: file) else { continue }
                    #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(file) holds the secret \(secret)")
                }
            }
        }
    }
}
