import Foundation
import Testing

/// `kill -9` at any moment of a sync, then a normal sync, gives exactly the store of an
/// uninterrupted sync: the same activities, items, locations and checkpoints. In the manner of
/// isync's tests, which interrupt mbsync at every journal step: here at every named crash point
/// (ACTIVITY_CRASH_AT, see Sources/ActivitySync/CrashPoint.swift) and at random moments, on
/// 3,000 generated messages over three mailboxes and 300 events in alice's calendar.
/// scripts/soak-crash does the same at a larger scale, for as long as you let it.
@Suite("Crash safety against Dovecot and Radicale", .serialized)
struct CrashSafetyTests {
    static let messages = 3000
    static let events = 300

    /// A clean, uninterrupted sync of the team into a fresh store.
    func reference(_ g: GeneratedTeam) throws -> (StoreSnapshot, TimeInterval) {
        let team = try g.team()
        let started = Date()
        let r = try team.activity(["sync", "--once"])
        let took = Date().timeIntervalSince(started)
        #expect(r.status == 0, "the reference sync failed: \(r.stdout)\(r.stderr)")
        let snapshot = try StoreSnapshot(store: team.store)
        #expect(snapshot.activityCount > 1000, "the generated team should give a large ledger")
        #expect(snapshot.tables["mail"]?.count == Self.messages)
        #expect(snapshot.tables["calendar_object"]?.count == Self.events)
        return (snapshot, took)
    }

    /// Finishes with a normal sync and checks the store against the reference.
    func finishAndCompare(_ team: FixtureTeam, with reference: StoreSnapshot, _ what: String) throws {
        let r = try team.activity(["sync", "--once"])
        #expect(r.status == 0, "\(what): the sync after the crash failed: \(r.stdout)\(r.stderr)")
        let after = try team.snapshot()
        #expect(after == reference, "\(what): \(after.difference(from: reference))")
        let status = try team.activity(["status", "--format", "json"])
        #expect(status.stdout.contains("\"stale_reps\": []"), "\(what): a rep's ledger is still stale: \(status.stdout)")
    }

    /// Every journal step of ActivitySync, some at a later occurrence (the 4th mail batch, the
    /// 3rd calendar batch, the second rep's derivation). scripts/soak-crash goes through more.
    static let crashPoints = [
        "mail.before-commit", "mail.committed:4", "calendar.before-commit", "calendar.committed:3",
        "sync.accounts-done", "derive.before-commit:2", "derive.committed",
    ]

    @Test("a kill at every crash point of a first sync, then a normal sync, gives the uninterrupted store")
    func killAtEveryCrashPoint() throws {
        let g = try GeneratedTeam(messages: Self.messages, events: Self.events)
        let (reference, _) = try reference(g)
        for point in Self.crashPoints {
            let team = try g.team()
            let crashed = try team.activity(["sync", "--once"], environment: ["ACTIVITY_CRASH_AT": point])
            #expect(crashed.status == 128 + SIGKILL, "\(point): the sync should have been killed there (status \(crashed.status))")
            try finishAndCompare(team, with: reference, point)
        }
    }

    @Test("a kill between storing new items and deriving, or between two reps, is made good by the next sync",
          arguments: StoreEngine.allCases)
    func killBetweenItemsAndLedger(engine: StoreEngine) throws {
        // Everyone synced; then new mail for alice and bob and a moved event, and a sync that
        // dies after storing them (or after deriving alice only). The next sync brings nothing
        // new: before the ledger_state marker it left alice's and bob's ledgers stale for good.
        for point in ["sync.accounts-done", "derive.committed", "derive.before-commit:2"] {
            let fresh = try GeneratedTeam(messages: 600, events: 60, seed: 7)
            let team = try fresh.team(postgres: try engine.server())
            #expect(try team.activity(["sync", "--once"]).status == 0)
            try fresh.dovecot.deliver(user: "alice", folder: "Sent", file: Repo.path("Fixtures/new-items/new-quote.eml"))
            try fresh.dovecot.deliver(user: "bob", file: Repo.path("Fixtures/new-items/new-quote.eml"))
            let crashed = try team.activity(["sync", "--once"], environment: ["ACTIVITY_CRASH_AT": point])
            #expect(crashed.status == 128 + SIGKILL, "\(point)")
            let reference = try fresh.team()
            #expect(try reference.activity(["sync", "--once"]).status == 0)
            try finishAndCompare(team, with: try StoreSnapshot(store: reference.store), "new mail, then \(point)")
            #expect(try team.activityLines("2026-W47").contains("alice closing newco.com.cn 20261120093000.new-quote@hxsoft.cn"))
        }
    }

    @Test("20 kills at random moments of a first sync, in chains of four, then a normal sync: the uninterrupted store")
    func killAtRandomMoments() throws {
        let g = try GeneratedTeam(messages: Self.messages, events: Self.events)
        let (reference, took) = try reference(g)
        var rng = SystemRandomNumberGenerator()
        var kills = 0
        for chain in 1...5 {
            let team = try g.team()
            var delays: [Int] = []
            // Each sync resumes the last one, so there is less left to do each time: a sync that
            // finished before its kill halves the range the next delay is drawn from.
            var upper = max(60, Int(took * 1000))
            var tries = 0
            while delays.count < 4 && tries < 12 {
                tries += 1
                let ms = Int.random(in: 20...upper, using: &rng)
                let sync = try RunningActivity(["--config", team.config, "sync", "--once"])
                usleep(useconds_t(ms * 1000))
                if sync.kill9() {
                    delays.append(ms)
                    kills += 1
                } else {
                    upper = max(40, upper / 2)
                }
            }
            try finishAndCompare(team, with: reference, "chain \(chain), killed after \(delays) ms")
        }
        #expect(kills >= 20, "only \(kills) syncs were still running when killed")
    }
}
