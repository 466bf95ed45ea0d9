import Foundation
import Testing
@testable import ActivityCore

@Suite("ISO weeks")
struct ISOWeekTests {
    let shanghai = TimeZone(identifier: "Asia/Shanghai")!
    let utc = TimeZone(identifier: "UTC")!

    func instant(_ s: String) -> Date { ISO8601DateFormatter().date(from: s)! }

    @Test("Sunday 23:30 in Beijing and Sunday 20:00 UTC (Monday 04:00 in Beijing) land in different weeks")
    func sundayNight() {
        #expect(ISOWeek(containing: instant("2026-11-22T23:30:00+08:00"), in: shanghai).description == "2026-W47")
        #expect(ISOWeek(containing: instant("2026-11-22T20:00:00Z"), in: shanghai).description == "2026-W48")
        #expect(ISOWeek(containing: instant("2026-11-22T20:00:00Z"), in: utc).description == "2026-W47")
    }

    @Test("2026 starts on a Thursday, so it has 53 weeks; 2027-W01 starts on 4 January; 2027-W53 does not exist")
    func yearEnd() {
        #expect(ISOWeek.weeksIn(year: 2026) == 53)
        #expect(ISOWeek("2026-W53")!.start(in: shanghai) == instant("2026-12-28T00:00:00+08:00"))
        #expect(ISOWeek("2026-W53")!.next.description == "2027-W01")
        #expect(ISOWeek.weeksIn(year: 2027) == 52)
        #expect(ISOWeek("2027-W53") == nil)
        #expect(ISOWeek("2027-W52")!.next.description == "2028-W01")
        let start = ISOWeek("2027-W01")!.start(in: shanghai)
        #expect(start == instant("2027-01-04T00:00:00+08:00"))
        #expect(ISOWeek.weeksIn(year: 2020) == 53)
        #expect(ISOWeek("2020-W53")!.next.description == "2021-W01")
        #expect(ISOWeek("2021-W01")!.previous.description == "2020-W53")
    }

    @Test("Friday 1 January 2027 belongs to the last week of 2026, 2026-W53")
    func januaryFirst() {
        #expect(ISOWeek(containing: instant("2027-01-01T12:00:00+08:00"), in: shanghai).description == "2026-W53")
        #expect(ISOWeek(containing: instant("2027-01-04T00:30:00+08:00"), in: shanghai).description == "2027-W01")
        #expect(ISOWeek(containing: instant("2027-01-03T17:00:00Z"), in: shanghai).description == "2027-W01")
    }

    @Test("a week runs from Monday midnight to the next Monday midnight in its zone")
    func bounds() {
        let w = ISOWeek("2026-W47")!
        #expect(w.start(in: shanghai) == instant("2026-11-16T00:00:00+08:00"))
        #expect(w.end(in: shanghai) == instant("2026-11-23T00:00:00+08:00"))
        let ny = TimeZone(identifier: "America/New_York")!
        #expect(ISOWeek("2026-W45")!.start(in: ny) == instant("2026-11-02T00:00:00-05:00"))
    }
}

@Suite("Targets and attainment")
struct TargetTests {
    let plan = TargetPlan(
        defaults: [.lead: 11, .visit: 2, .demo: 1, .closing: 0.5],
        tenure: [.init(fromMonth: 0, toMonth: 3, targets: [.lead: 5]),
                 .init(fromMonth: 3, toMonth: 6, targets: [.visit: 6]),
                 .init(fromMonth: 6, toMonth: nil, targets: [.visit: 10])],
        teams: ["east": [.visit: 8]],
        reps: ["alice": [.lead: 12]])

    func day(_ y: Int, _ m: Int, _ d: Int) -> DateComponents { DateComponents(year: y, month: m, day: d) }

    @Test("each layer overrides only the kinds it names: rep › team › tenure › default")
    func precedence() {
        let t = plan.targets(rep: "alice", team: "east", startDate: day(2026, 3, 1), monday: day(2026, 11, 16))
        #expect(t[.lead] == 12)      // rep
        #expect(t[.visit] == 8)      // team over tenure (month 8 → 10)
        #expect(t[.demo] == 1)       // default
        #expect(t[.closing] == 0.5)  // fractional default
        let bob = plan.targets(rep: "bob", team: nil, startDate: day(2026, 9, 1), monday: day(2026, 11, 16))
        #expect(bob[.lead] == 5)     // tenure: month 2 is in [0, 3)
        #expect(bob[.visit] == 2)    // the band names only leads; visits stay at the default
    }

    @Test("a rep in months 0–3 has 5 leads a week, 3–6 six visits, after 6 ten visits")
    func tenureBands() {
        #expect(plan.targets(rep: "x", team: nil, startDate: day(2026, 10, 1), monday: day(2026, 11, 16))[.lead] == 5)
        #expect(plan.targets(rep: "x", team: nil, startDate: day(2026, 7, 1), monday: day(2026, 11, 16))[.visit] == 6)
        #expect(plan.targets(rep: "x", team: nil, startDate: day(2026, 1, 1), monday: day(2026, 11, 16))[.visit] == 10)
    }

    @Test("whole months count anniversaries on or before Monday, clamped at month ends")
    func wholeMonths() {
        #expect(TargetPlan.wholeMonths(from: day(2026, 1, 31), to: day(2026, 2, 28)) == 1)
        #expect(TargetPlan.wholeMonths(from: day(2026, 1, 31), to: day(2026, 2, 27)) == 0)
        #expect(TargetPlan.wholeMonths(from: day(2028, 1, 31), to: day(2028, 2, 29)) == 1)
        #expect(TargetPlan.wholeMonths(from: day(2026, 3, 1), to: day(2026, 6, 1)) == 3)
        #expect(TargetPlan.wholeMonths(from: day(2026, 3, 2), to: day(2026, 6, 1)) == 2)
        #expect(TargetPlan.wholeMonths(from: day(2026, 12, 1), to: day(2026, 11, 16)) == nil)
    }

    @Test("status: met at 100 %, near at 80 %, behind below; half a closing a week is met by one")
    func status() {
        #expect(Attainment(target: 2, actual: 2).status == .met)
        #expect(Attainment(target: 5, actual: 4).status == .near)
        #expect(Attainment(target: 5, actual: 3).status == .behind)
        #expect(Attainment(target: 0.5, actual: 1).status == .met)
        #expect(Attainment(target: 6, actual: 2).roundedRatio == 0.3333)
        #expect(Attainment(target: 6, actual: 8).remaining == 0)
    }
}
