import Foundation
import Testing
import ActivityCore
#if canImport(Glibc)
import Glibc
#endif

/// The whole program on PostgreSQL against the real servers: the same ledger as SQLite, several
/// workers on one database (leases), a worker killed mid-sync, a database restart mid-sync.
@Suite("PostgreSQL store and several workers against Dovecot and Radicale", .serialized)
struct PostgresStoreTests {
    @Test("the fixture team synced into PostgreSQL leaves the same store and weeks as into SQLite, row by row")
    func postgresLedgerEqualsSQLite() throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let radicale = try Radicale(users: ["alice": "pw-alice"], collectionsFrom: Repo.path("Fixtures/caldav"))
        let imap = "imap://127.0.0.1:\(dovecot.imapPort)", caldav = radicale.principalURL("alice")
        let sqlite = try FixtureTeam(imapURL: imap, caldavURL: caldav)
        let postgres = try FixtureTeam(imapURL: imap, caldavURL: caldav, postgres: try PostgresServer.shared())
        for team in [sqlite, postgres] {
            let r = try team.activity(["sync", "--once"])
            #expect(r.status == 0, "\(team.storeURL): \(r.stdout)\(r.stderr)")
        }
        let reference = try sqlite.snapshot()
        #expect(reference.activityCount > 20)
        let synced = try postgres.snapshot()
        #expect(synced == reference, "\(synced.difference(from: reference))")
        for week in ["2026-W46", "2026-W47"] {
            #expect(try postgres.activityLines(week) == sqlite.activityLines(week))
            #expect(try postgres.counts(week) == sqlite.counts(week))
        }
        let export = ["export", "--from", "2026-W40", "--to", "2026-W48", "--format", "json"]
        #expect(try postgres.activity(export).stdout == sqlite.activity(export).stdout)
        // Rebuild re-derives from the stored items to the same ledger.
        #expect(try postgres.activity(["rebuild"]).status == 0)
        #expect(try postgres.snapshot() == reference)
        // status names no holder once the syncs are done.
        let status = try postgres.status()
        #expect(status.count == 4 && status.values.allSatisfy { $0["holder"] is NSNull && $0["state"] as? String == "ok" })
    }

    @Test("two sync --once started at the same moment on one database count nothing twice")
    func twoSyncsAtOnceCountNothingTwice() throws {
        let g = try GeneratedTeam(messages: 2000, events: 200)
        let reference = try g.team()
        #expect(try reference.activity(["sync", "--once"]).status == 0)
        let team = try g.team(postgres: try PostgresServer.shared())
        let arguments = ["--config", team.config, "sync", "--once", "--progress", "never"]
        let first = try RunningActivity(arguments, environment: team.storeEnvironment)
        let second = try RunningActivity(arguments, environment: team.storeEnvironment)
        let (a, b) = (first.wait(), second.wait())
        #expect(a.status == 0 && b.status == 0, "\(a.stdout)\(a.stderr)\n---\n\(b.stdout)\(b.stderr)")
        let expected = try StoreSnapshot(store: reference.store)
        let synced = try team.snapshot()
        #expect(synced == expected, "\(synced.difference(from: expected))")
        // Every account was fetched by one of them: new items appear in one table only.
        for account in ["alice-mail", "bob-mail", "carol-mail", "alice-cal"] {
            let news = [a.stdout, b.stdout].compactMap { out in
                out.split(separator: "\n").first { $0.hasPrefix(account + " ") }
                    .map { $0.split(separator: " ", omittingEmptySubsequences: true) }
            }.map { $0.count > 2 ? Int($0[2]) ?? 0 : 0 }
            #expect(news.filter { $0 > 0 }.count == 1, "\(account) fetched by exactly one worker: \(a.stdout)\n\(b.stdout)")
        }
        print("two syncs at once: \(a.stdout.contains("skipped") || b.stdout.contains("skipped") ? "one skipped the other's accounts" : "one finished first")")
    }

    @Test("three daemons share a database; one killed -9 mid-sync loses its accounts to another within lease_timeout")
    func aKilledWorkersAccountsAreTakenOver() throws {
        let g = try GeneratedTeam(messages: 3000, events: 300)
        let reference = try g.team()
        #expect(try reference.activity(["sync", "--once"]).status == 0)
        let leaseTimeout = 3.0
        let team = try g.team(extra: "\n[daemon]\nlease_timeout = \"3s\"\n", postgres: try PostgresServer.shared(),
                              edit: FixtureTeam.polling(every: "1s"))
        // Three machines (ACTIVITY_HOSTNAME; on one host a dead pid's leases would be taken at
        // once). The first daemon takes every account, and dies after its third mail batch.
        func machine(_ name: String) -> [String: String] { team.storeEnvironment.merging(["ACTIVITY_HOSTNAME": name]) { a, _ in a } }
        let doomed = try DaemonProcess(config: team.config, environment: machine("sync-a").merging(["ACTIVITY_CRASH_AT": "mail.committed:3"]) { a, _ in a })
        let holder = "sync-a:\(doomed.pid)"
        let held = try eventually(timeout: 20) { try team.status().values.contains { $0["holder"] as? String == holder } }
        #expect(held != nil, "the first daemon should hold leases: \(doomed.stderr)")
        let others = try ["sync-b", "sync-c"].map { try DaemonProcess(config: team.config, environment: machine($0)) }
        doomed.process.waitUntilExit()
        let died = Date()
        #expect(doomed.process.terminationReason == .uncaughtSignal && doomed.process.terminationStatus == SIGKILL)
        let orphaned = try team.status().filter { $0.value["holder"] as? String == holder }.map(\.key)
        // Its leases run out, and the next poll of another daemon takes each account.
        let takenOver = try eventually(timeout: 30) {
            let status = try team.status()
            return orphaned.allSatisfy { account in
                let h = status[account]?["holder"] as? String
                return (h != nil && h != holder) || (status[account]?["last_success"] as? String).map { $0 > rfc3339Now(died) } == true
            }
        }
        #expect(takenOver != nil, "accounts \(orphaned) were not taken over: \(others.map(\.stderr))")
        if let takenOver {
            print("takeover: \(orphaned.count) accounts of a daemon killed -9 taken over \(String(format: "%.2f", takenOver)) s after its death (lease_timeout \(leaseTimeout) s, poll 1 s)")
            #expect(takenOver <= leaseTimeout + 1 + 2, "taken over after \(takenOver) s")
        }
        let done = try eventually(timeout: 120) {
            let r = try team.activity(["status", "--format", "json"])
            let status = try team.status()
            return status.count == 4 && status.values.allSatisfy { $0["state"] as? String == "ok" && $0["holder"] is NSNull }
                && r.stdout.contains("\"stale_reps\": []")
        }
        #expect(done != nil, "the others should finish every account: \(others.map(\.stderr))")
        for daemon in others { #expect(daemon.stop(SIGTERM).status == 0) }
        let expected = try StoreSnapshot(store: reference.store)
        let synced = try team.snapshot()
        #expect(synced == expected, "\(synced.difference(from: expected))")
    }

    @Test("two daemons on one database fetch each account about once per poll interval between them, not once each")
    func twoDaemonsShareThePolling() throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let radicale = try Radicale(users: ["alice": "pw-alice"], collectionsFrom: Repo.path("Fixtures/caldav"))
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)", caldavURL: radicale.principalURL("alice"),
                                   postgres: try PostgresServer.shared(), edit: FixtureTeam.polling(every: "2s"))
        #expect(try team.activity(["sync", "--once"]).status == 0)
        let daemons = try ["sync-a", "sync-b"].map {
            try DaemonProcess(config: team.config, environment: team.storeEnvironment.merging(["ACTIVITY_HOSTNAME": $0]) { a, _ in a })
        }
        sleep(10)
        for d in daemons { #expect(d.stop(SIGTERM).status == 0) }
        let syncs = daemons.map { $0.stderr.components(separatedBy: "account synced\n").count - 1 }
        // 4 accounts every 2 s for 10 s: about 20 fetches between them (each daemon alone would
        // make as many); the first polls are spread over up to 2 s, so allow some slack.
        print("two daemons, 4 accounts polled every 2 s for 10 s: \(syncs) fetches")
        #expect(syncs.reduce(0, +) <= 30, "\(syncs)")
        #expect(syncs.allSatisfy { $0 > 0 }, "both daemons take part: \(syncs)")
    }

    @Test("a database restart in the middle of a sync is retried like a server fault, and nothing is lost or doubled")
    func aDatabaseRestartMidSyncIsSurvived() throws {
        let g = try GeneratedTeam(messages: 3000, events: 300)
        let reference = try g.team()
        #expect(try reference.activity(["sync", "--once"]).status == 0)
        let server = try PostgresServer()
        let team = try g.team(postgres: server)
        let database = String(team.storeURL.split(separator: "/").last!)
        let sync = try RunningActivity(["--config", team.config, "sync", "--once", "--progress", "never", "--jobs", "2"],
                                       environment: team.storeEnvironment)
        let started = try eventually(timeout: 30) {
            (try? server.psql("SELECT count(*) FROM mail", database: database)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0 > 300
        }
        #expect(started != nil, "the sync should be storing mail")
        try server.restart()
        let r = sync.wait()
        #expect(r.status == 0, "the sync should survive the restart: \(r.stdout)\(r.stderr)")
        // A second sync has nothing left to do; the store is the uninterrupted one.
        #expect(try team.activity(["sync", "--once"]).status == 0)
        let expected = try StoreSnapshot(store: reference.store)
        let synced = try team.snapshot()
        #expect(synced == expected, "\(synced.difference(from: expected))")
    }

    @Test("store copy takes an SQLite ledger into PostgreSQL and back with every table equal, and refuses a target that holds a ledger")
    func storeCopyBothWays() throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let radicale = try Radicale(users: ["alice": "pw-alice"], collectionsFrom: Repo.path("Fixtures/caldav"))
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)", caldavURL: radicale.principalURL("alice"))
        #expect(try team.activity(["sync", "--once"]).status == 0)
        let reference = try team.snapshot()
        let server = try PostgresServer.shared()
        let postgres = try server.database()
        let there = try team.activity(["store", "copy", "--from", "sqlite:\(team.store)", "--to", postgres], environment: server.environment)
        #expect(there.status == 0, "\(there.stdout)\(there.stderr)")
        #expect(there.stdout.contains("every table compared equal"))
        #expect(try StoreSnapshot(location: .postgres(url: postgres)) == reference)
        // The copy is a working store: the weeks read the same, and a sync into it finds nothing new.
        let week = ["week", "--all", "--week", "2026-W47", "--format", "json"]
        #expect(try team.activity(["--store", postgres] + week, environment: server.environment).stdout == team.activity(week).stdout)
        #expect(try team.activity(["--store", postgres, "sync", "--once"], environment: server.environment).status == 0)
        #expect(try StoreSnapshot(location: .postgres(url: postgres)) == reference)

        let again = try team.activity(["store", "copy", "--from", "sqlite:\(team.store)", "--to", postgres], environment: server.environment)
        #expect(again.status == 73, "\(again.stderr)")
        #expect(again.stderr.contains("already holds a ledger"))

        let back = team.dir.file("back.db")
        let home = try team.activity(["store", "copy", "--from", postgres, "--to", "sqlite:\(back)"], environment: server.environment)
        #expect(home.status == 0, "\(home.stdout)\(home.stderr)")
        #expect(try StoreSnapshot(store: back) == reference)
    }

    @Test("a BI tool logged in with the documented read-only role reads ledger_week and ledger_activity, and nothing else")
    func readOnlyRoleReadsTheViews() throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let server = try PostgresServer.shared()
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)", postgres: server)
        #expect(try team.activity(["sync", "--once"]).status == 0)
        let database = String(team.storeURL.split(separator: "/").last!)
        // README, "Running several machines": the role as an administrator creates it.
        let grants = try String(contentsOfFile: Repo.path("scripts/postgres-readonly-role.sql"), encoding: .utf8)
        try server.psql("DO $$ BEGIN CREATE ROLE activity_reader LOGIN PASSWORD 'bi-secret'; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
        try server.psql(grants, database: database)
        func reader(_ sql: String) throws -> Run {
            try run("/usr/bin/psql", ["-X", "-tA", "-v", "ON_ERROR_STOP=1", "postgres://activity_reader@127.0.0.1:\(server.port)/\(database)", "-c", sql],
                    environment: ["PGPASSWORD": "bi-secret"])
        }
        let weeks = try reader("SELECT activities FROM ledger_week WHERE rep = 'alice' AND week = '2026-W47' AND kind = 'closing'")
        #expect(weeks.status == 0, "\(weeks.stderr)")
        let alice = try team.counts("2026-W47")["alice"]?["closing"]
        #expect(Int(weeks.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) == alice)
        let activities = try reader("SELECT count(*) FROM ledger_activity WHERE week = '2026-W47'")
        #expect(activities.status == 0 && Int(activities.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 > 0)
        #expect(try reader("SELECT count(*) FROM mail").status != 0, "mail headers are not for BI tools")
        #expect(try reader("DELETE FROM activity").status != 0)
    }

    @Test("a PostgreSQL store that cannot be reached, or refuses the login, is named without its password, with the documented exit code")
    func unreachableAndRefusedStoresAreNamed() throws {
        let server = try PostgresServer.shared()
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)", postgres: server)
        let down = "postgres://activity:hunter2@127.0.0.1:\(loopbackPortOutsideEphemeralRange())/activity"
        let r = try team.activity(["--store", down, "status"])
        #expect(r.status == 69, "\(r.stderr)")
        #expect(r.stderr.contains("postgres://activity@127.0.0.1:") && !r.stderr.contains("hunter2"), "\(r.stderr)")
        let refused = try team.activity(["sync", "--once"], environment: ["PGPASSWORD": "wrong"])
        #expect(refused.status == 77, "\(refused.stderr)")
        #expect(refused.stderr.contains("PGPASSWORD"), "\(refused.stderr)")
        let bad = try team.activity(["--store", "mysql://db/x", "status"])
        #expect(bad.status == 64, "\(bad.stderr)")
    }
}

/// `date` as `status` writes times (RFC 3339 in the ledger zone, Asia/Shanghai in the fixtures),
/// for comparing with them as text.
func rfc3339Now(_ date: Date) -> String {
    let f = ISO8601DateFormatter()
    f.timeZone = TimeZone(identifier: "Asia/Shanghai")
    f.formatOptions = [.withInternetDateTime]
    return f.string(from: date)
}
