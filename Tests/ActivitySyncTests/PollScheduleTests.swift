import Foundation
import Testing
@testable import ActivitySync

/// The daemon's timetable: intervals, jitter, backoff, the bound on concurrent syncs.
@Suite("Poll schedule")
struct PollScheduleTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func schedule(_ accounts: [(String, String, TimeInterval)], policy: PollSchedule.Policy = .init(), random: Double = 0.5) -> PollSchedule {
        PollSchedule(accounts: accounts.map { (id: $0.0, rep: $0.1, interval: $0.2) }, policy: policy, start: t0, random: { random })
    }

    @Test("first polls are spread over the start window, not fired in the same instant")
    func firstPollsAreSpread() {
        var values = (0..<100).map { Double($0) / 100 }.makeIterator()
        let s = PollSchedule(accounts: (0..<100).map { (id: "a\($0)", rep: "r\($0)", interval: 300) },
                             policy: .init(startSpread: 10), start: t0, random: { values.next()! })
        let offsets = Set(s.entries.map { Int(($0.nextDue.timeIntervalSince(t0) * 100).rounded()) })
        #expect(offsets.count == 100)
        #expect(s.entries.allSatisfy { $0.nextDue.timeIntervalSince(t0) < 10 })
    }

    @Test("a short interval bounds the start window")
    func shortIntervalBoundsTheSpread() {
        let s = schedule([("a", "r", 1)], random: 0.99)
        #expect(s.entries[0].nextDue.timeIntervalSince(t0) < 1)
    }

    @Test("no more syncs start than jobs allow, most overdue first")
    func boundedAndMostOverdueFirst() {
        var values = [0.9, 0.1, 0.5, 0.3].makeIterator()
        var s = PollSchedule(accounts: ["a", "b", "c", "d"].map { (id: $0, rep: $0, interval: 60) }, start: t0,
                             random: { values.next()! })
        #expect(s.start(dueAt: t0 + 20, limit: 2) == ["b", "d"])
        #expect(s.start(dueAt: t0 + 20, limit: 0) == [])
        #expect(s.runningCount == 2)
        #expect(s.start(dueAt: t0 + 20, limit: 2) == ["c", "a"])
    }

    @Test("two accounts of one rep never sync at the same time")
    func oneRepAtATime() {
        var s = schedule([("alice-mail", "alice", 60), ("alice-cal", "alice", 60), ("bob-mail", "bob", 60)], random: 0)
        #expect(s.start(dueAt: t0, limit: 4) == ["alice-mail", "bob-mail"])
        s.finish("alice-mail", succeeded: true, at: t0 + 1, random: { 0.5 })
        #expect(s.start(dueAt: t0 + 1, limit: 4) == ["alice-cal"])
    }

    @Test("after a success the next poll is one interval away, give or take the jitter")
    func successWaitsOneInterval() {
        var s = schedule([("a", "r", 300)])
        _ = s.start(dueAt: t0 + 10, limit: 1)
        #expect(s.finish("a", succeeded: true, at: t0 + 20, random: { 0.5 }) == 300)
        #expect(s.entry("a")?.nextDue == t0 + 320)
        #expect(PollSchedule.delay(interval: 300, failures: 0, policy: .init(), random: 0) == 270)
        #expect(PollSchedule.delay(interval: 300, failures: 0, policy: .init(), random: 0.999_999) > 329.9)
    }

    @Test("failures double the wait each time, up to the cap, and a success resets it")
    func backoffDoublesUpToTheCap() {
        let policy = PollSchedule.Policy(jitter: 0, backoffCap: 3600)
        var s = schedule([("a", "r", 300)], policy: policy)
        var delays: [TimeInterval] = []
        for i in 0..<7 {
            _ = s.start(dueAt: .distantFuture, limit: 1)
            delays.append(s.finish("a", succeeded: false, at: t0 + Double(i), random: { 0.5 }))
        }
        #expect(delays == [300, 600, 1200, 2400, 3600, 3600, 3600])
        #expect(s.entry("a")?.consecutiveFailures == 7)
        _ = s.start(dueAt: .distantFuture, limit: 1)
        #expect(s.finish("a", succeeded: true, at: t0, random: { 0.5 }) == 300)
        #expect(s.entry("a")?.consecutiveFailures == 0)
    }

    @Test("the cap never shortens an interval longer than it")
    func capNeverShortensTheInterval() {
        #expect(PollSchedule.delay(interval: 7200, failures: 5, policy: .init(jitter: 0, backoffCap: 3600), random: 0.5) == 7200)
    }

    @Test("one failing account does not delay the others")
    func failingAccountDoesNotDelayOthers() {
        var s = schedule([("bad", "r1", 60), ("good", "r2", 60)], policy: .init(jitter: 0), random: 0)
        for minute in 0..<10 {
            let now = t0 + Double(minute * 60)
            for id in s.start(dueAt: now, limit: 4) { s.finish(id, succeeded: id == "good", at: now, random: { 0.5 }) }
        }
        #expect(s.entry("good")?.nextDue == t0 + 600)
        // 1, 2, 4 and 8 minutes after its failures at 0, 1, 3 and 7 minutes.
        #expect(s.entry("bad")?.nextDue == t0 + 900)
    }

    @Test("a refused login waits at least the floor (15 minutes) and doubles from there, however short the interval")
    func refusedLoginIsNotHammered() {
        var s = schedule([("a", "r", 30)], policy: .init(jitter: 0))
        _ = s.start(dueAt: t0 + 60, limit: 1)
        #expect(s.finish("a", succeeded: false, loginRefused: true, at: t0, random: { 0.5 }) == 900)
        _ = s.start(dueAt: t0 + 10_000, limit: 1)
        #expect(s.finish("a", succeeded: false, loginRefused: true, at: t0, random: { 0.5 }) == 1800)
        _ = s.start(dueAt: t0 + 10_000, limit: 1)
        #expect(s.finish("a", succeeded: false, at: t0, random: { 0.5 }) == 120, "other failures keep the interval's backoff")
    }
}
