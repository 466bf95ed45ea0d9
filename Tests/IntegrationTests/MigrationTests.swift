import Foundation
import Testing
@testable import ActivityStore
import ActivityCore

/// A store written by an older version, opened by this one: the migration keeps the ledger.
@Suite("Schema migrations keep the ledger", .serialized)
struct MigrationTests {
    static let weeks = ["2026-W45", "2026-W46", "2026-W47", "2026-W48", "2026-W49"]

    /// Puts a store back at schema 10 as migration 10 left it: `activity` and `exchange` without
    /// the `row_hash` column of migration 11, and the two activity indexes as they were before
    /// migration 12 put `counted` in them.
    static func backToSchema10(_ location: StoreLocation) throws {
        let db = try Store(location: location).db
        try db.execute("ALTER TABLE activity DROP COLUMN row_hash")
        try db.execute("ALTER TABLE exchange DROP COLUMN row_hash")
        try db.execute("DROP INDEX activity_rep_org_counted")
        try db.execute("DROP INDEX activity_week_rep_kind_counted")
        try db.execute("CREATE INDEX activity_rep_org ON activity (rep, org, at, step)")
        try db.execute("CREATE INDEX activity_week_rep_kind ON activity (week, rep, kind, org)")
        if db.dialect.isPostgres {
            try db.execute("UPDATE activity_schema SET version = 10")
        } else {
            try db.execute("PRAGMA user_version = 10")
        }
    }

    /// A value per activity and exchange row that changes whenever the row is written (SQLite:
    /// a trigger's count; PostgreSQL: the row version `xmin`), to see that a derivation wrote nothing.
    static func writeMarks(_ db: any Connection) throws -> [String] {
        if db.dialect.isPostgres {
            return try db.prepare("SELECT 'a' || id || ':' || xmin::text FROM activity UNION ALL SELECT 'e' || id || ':' || xmin::text FROM exchange")
                .map { $0.text(0) }.sorted()
        }
        return try db.prepare("SELECT n FROM test_writes").map { String($0.int(0)) }
    }

    @Test("a store at schema 10 opened by this version rebuilds to the same ledger, every row with its digest; a second rebuild writes nothing",
          arguments: StoreEngine.allCases)
    func schema10To11(engine: StoreEngine) throws {
        let dovecot = try Dovecot(users: FixtureTeam.users, maildirFrom: Repo.path("Fixtures/mail"))
        let radicale = try Radicale(users: ["alice": "pw-alice"], collectionsFrom: Repo.path("Fixtures/caldav"))
        let team = try FixtureTeam(imapURL: "imap://127.0.0.1:\(dovecot.imapPort)", caldavURL: radicale.principalURL("alice"),
                                   postgres: try engine.server())
        let sync = try team.activity(["sync"])
        #expect(sync.status == 0, "\(sync.stdout)\(sync.stderr)")
        let before = try team.snapshot()
        let weeksBefore = try Self.weeks.map { try team.activityLines($0) }
        #expect(before.activityCount > 40)

        try Self.backToSchema10(team.storeLocation)
        let rebuild = try team.activity(["rebuild"])
        #expect(rebuild.status == 0, "\(rebuild.stdout)\(rebuild.stderr)")
        #expect(try team.snapshot() == before)
        #expect(try Self.weeks.map { try team.activityLines($0) } == weeksBefore)

        let db = try Store(location: team.storeLocation).db
        let version = db.dialect.isPostgres
            ? try db.prepare("SELECT max(version) FROM activity_schema").first { $0.int(0) }
            : try db.prepare("PRAGMA user_version").first { $0.int(0) }
        #expect(version == Int64(Store.schemaVersion))
        for table in ["activity", "exchange"] {
            #expect(try db.prepare("SELECT count(*) FROM \(table) WHERE row_hash IS NULL").first { $0.int(0) } == 0, "\(table)")
            #expect(try db.prepare("SELECT count(*) FROM \(table)").first { $0.int(0) } ?? 0 > 0, "\(table)")
        }

        // Every row now carries its digest: the same derivation again compares equal and writes nothing.
        if !db.dialect.isPostgres {
            try db.execute("""
                CREATE TABLE test_writes (n INTEGER NOT NULL); INSERT INTO test_writes VALUES (0);
                CREATE TRIGGER test_a_i AFTER INSERT ON activity BEGIN UPDATE test_writes SET n = n + 1; END;
                CREATE TRIGGER test_a_u AFTER UPDATE ON activity BEGIN UPDATE test_writes SET n = n + 1; END;
                CREATE TRIGGER test_a_d AFTER DELETE ON activity BEGIN UPDATE test_writes SET n = n + 1; END;
                CREATE TRIGGER test_e_i AFTER INSERT ON exchange BEGIN UPDATE test_writes SET n = n + 1; END;
                CREATE TRIGGER test_e_d AFTER DELETE ON exchange BEGIN UPDATE test_writes SET n = n + 1; END;
                """)
        }
        let marks = try Self.writeMarks(db)
        let again = try team.activity(["rebuild"])
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        #expect(try Self.writeMarks(db) == marks)
        #expect(try team.snapshot() == before)
    }

    @Test("rows compare by their digests: unchanged rows are not written, a row without a digest or with another value is, duplicates of an exchange are kept",
          arguments: StoreEngine.allCases)
    func rowsCompareByDigest(engine: StoreEngine) throws {
        let (location, keep) = try engine.fresh()
        defer { withExtendedLifetime(keep) {} }
        let store = try Store(location: location)
        let zone = StoreContractTests.zone, t = StoreContractTests.tuesday
        let activities = (0..<5).map { StoreContractTests.activity("r\($0)", at: t.addingTimeInterval(Double($0) * 3600)) }
        let exchanges = [Exchange(org: "acme.com.cn", at: t, direction: .outbound), Exchange(org: "acme.com.cn", at: t, direction: .outbound),
                         Exchange(org: "acme.com.cn", at: t.addingTimeInterval(60), direction: .inbound),
                         Exchange(org: "huawei.com", at: t, direction: .inbound)]
        func replace(_ a: [Activity], _ e: [Exchange]) throws -> (Bool, Bool) {
            try store.transaction {
                (try store.replaceActivities(rep: "alice", with: a, timeZone: zone), try store.replaceExchanges(rep: "alice", with: e))
            }
        }
        func count(_ sql: String) throws -> Int64 { try store.db.prepare(sql).first { $0.int(0) } ?? -1 }
        #expect(try replace(activities, exchanges) == (true, true))
        #expect(try replace(activities, exchanges) == (false, false))
        #expect(try count("SELECT count(*) FROM exchange") == 4)
        // Stored before schema 11: no digest, written again (the same values), then equal.
        try store.db.execute("UPDATE activity SET row_hash = NULL WHERE id = '\(activities[2].id)'")
        try store.db.execute("UPDATE exchange SET row_hash = NULL WHERE org = 'huawei.com'")
        #expect(try replace(activities, exchanges) == (true, true))
        #expect(try count("SELECT count(*) FROM activity WHERE row_hash IS NULL") == 0)
        #expect(try count("SELECT count(*) FROM exchange WHERE row_hash IS NULL") == 0)
        #expect(try count("SELECT count(*) FROM exchange") == 4)
        #expect(try replace(activities, exchanges) == (false, false))
        // One value changed, one duplicate gone: just those written.
        var changed = activities
        changed[3].title = "拜访 (改)"
        #expect(try replace(changed, Array(exchanges.dropFirst())) == (true, true))
        #expect(try store.activity(id: activities[3].id)?.title == "拜访 (改)")
        #expect(try count("SELECT count(*) FROM exchange") == 3)
        #expect(try replace(changed, Array(exchanges.dropFirst())) == (false, false))
    }
}
