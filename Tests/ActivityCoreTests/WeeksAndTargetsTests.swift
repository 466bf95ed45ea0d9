import Foundation
import Testing
@testable import ActivityCore
import ActivityConfig

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

@Suite("Week boundaries in several zones")
struct WeekZoneTests {
    func zone(_ id: String) -> TimeZone { TimeZone(identifier: id)! }
    func instant(_ s: String) -> Date { ISO8601DateFormatter().date(from: s)! }
    func week(_ s: String, _ z: String) -> String { ISOWeek(containing: instant(s), in: zone(z)).description }

    @Test("Monday 08:00 UTC is Monday in Kiritimati, Shanghai and New York but still Sunday in Pago Pago")
    func oneInstantManyWeeks() {
        let t = "2026-11-23T08:00:00Z"
        #expect(week(t, "Pacific/Kiritimati") == "2026-W48")  // +14: Monday 22:00
        #expect(week(t, "Asia/Shanghai") == "2026-W48")       // +8: Monday 16:00
        #expect(week(t, "America/New_York") == "2026-W48")    // −5: Monday 03:00
        #expect(week(t, "Pacific/Pago_Pago") == "2026-W47")   // −11: Sunday 21:00
        #expect(week("2026-11-22T10:30:00Z", "Pacific/Kiritimati") == "2026-W48")  // Monday 00:30 there
        #expect(week("2026-11-22T10:30:00Z", "Asia/Kolkata") == "2026-W47")        // Sunday 16:00 there
    }

    @Test("a week starts at midnight in its own zone, half-hour offsets included")
    func startsAtLocalMidnight() {
        let w = ISOWeek("2026-W47")!
        #expect(w.start(in: zone("Asia/Kolkata")) == instant("2026-11-16T00:00:00+05:30"))
        #expect(w.start(in: zone("Australia/Adelaide")) == instant("2026-11-16T00:00:00+10:30"))
        #expect(w.start(in: zone("Pacific/Kiritimati")) == instant("2026-11-16T00:00:00+14:00"))
        #expect(w.start(in: zone("America/St_Johns")) == instant("2026-11-16T00:00:00-03:30"))
    }

    @Test("the week daylight saving time ends in lasts 169 hours, in New York and in Berlin; Shanghai's weeks are always 168")
    func daylightSavingWeeks() {
        func hours(_ w: String, _ z: String) -> Double {
            let week = ISOWeek(w)!
            return week.end(in: zone(z)).timeIntervalSince(week.start(in: zone(z))) / 3600
        }
        #expect(hours("2026-W44", "America/New_York") == 169)  // clocks go back on Sunday 1 November
        #expect(hours("2026-W45", "America/New_York") == 168)
        #expect(hours("2026-W43", "Europe/Berlin") == 169)     // clocks go back on Sunday 25 October
        #expect(hours("2026-W13", "Europe/Berlin") == 167)     // and forward on Sunday 29 March
        for w in ["2026-W13", "2026-W43", "2026-W44", "2026-W53"] { #expect(hours(w, "Asia/Shanghai") == 168) }
        #expect(ISOWeek("2026-W45")!.start(in: zone("America/New_York")) == instant("2026-11-02T00:00:00-05:00"))
        #expect(ISOWeek("2026-W44")!.start(in: zone("America/New_York")) == instant("2026-10-26T00:00:00-04:00"))
    }

    @Test("the last hour of 2026-W53 in New York is already 2027-W01 in Shanghai")
    func yearEndAcrossZones() {
        let t = "2027-01-03T23:30:00-05:00"
        #expect(week(t, "America/New_York") == "2026-W53")
        #expect(week(t, "Asia/Shanghai") == "2027-W01")
        #expect(ISOWeek("2026-W53")!.start(in: zone("America/New_York")) == instant("2026-12-28T00:00:00-05:00"))
        #expect(ISOWeek("2026-W53")!.end(in: zone("Pacific/Kiritimati")) == instant("2027-01-04T00:00:00+14:00"))
        #expect(week("2025-12-29T00:00:00+08:00", "Asia/Shanghai") == "2026-W01")  // a Monday of December
        #expect(week("2025-12-28T23:59:00+08:00", "Asia/Shanghai") == "2025-W52")
    }

    @Test("a rep's timezone decides their weeks: the config's override becomes the rep's profile zone")
    func repZoneOverride() throws {
        let config = try Config.parse(text: """
            [ledger]
            timezone = "Asia/Shanghai"
            [[rep]]
            id = "alice"
            emails = ["alice@hxsoft.cn"]
            [[rep]]
            id = "dave"
            emails = ["dave@hxsoft.cn"]
            timezone = "America/New_York"
            """, path: "/tmp/activity.toml")
        let alice = config.profile(config.rep("alice")!), dave = config.profile(config.rep("dave")!)
        #expect(alice.timeZone.identifier == "Asia/Shanghai")
        #expect(dave.timeZone.identifier == "America/New_York")
        // A mail dave sends on Sunday evening at home counts in the week it is in New York.
        let sent = instant("2026-11-22T19:00:00-05:00")
        #expect(ISOWeek(containing: sent, in: dave.timeZone).description == "2026-W47")
        #expect(ISOWeek(containing: sent, in: alice.timeZone).description == "2026-W48")
    }

    @Test("weeks iterate across year ends: 2026 has 53, 2025 and 2027 have 52")
    func ranges() {
        func range(_ a: String, _ b: String) -> [String] { ISOWeek.range(from: ISOWeek(a)!, to: ISOWeek(b)!).map(\.description) }
        #expect(range("2026-W51", "2027-W02") == ["2026-W51", "2026-W52", "2026-W53", "2027-W01", "2027-W02"])
        #expect(range("2025-W51", "2026-W02") == ["2025-W51", "2025-W52", "2026-W01", "2026-W02"])
        #expect(range("2020-W53", "2021-W01") == ["2020-W53", "2021-W01"])
        #expect(range("2026-W47", "2026-W47") == ["2026-W47"])
        #expect(range("2026-W47", "2026-W46").isEmpty)
        #expect(ISOWeek.count(from: ISOWeek("2026-W40")!, to: ISOWeek("2026-W47")!) == 8)
        #expect(ISOWeek.count(from: ISOWeek("2026-W40")!, to: ISOWeek("2027-W05")!) == 19)
        #expect(ISOWeek.count(from: ISOWeek("2026-W01")!, to: ISOWeek("2027-W52")!) == 105)
        #expect(ISOWeek.count(from: ISOWeek("2024-W01")!, to: ISOWeek("2026-W53")!) == range("2024-W01", "2026-W53").count)
        #expect(ISOWeek.count(from: ISOWeek("2026-W47")!, to: ISOWeek("2026-W46")!) == 0)
    }

    @Test("a week's Monday is the same calendar date in every zone")
    func mondays() {
        #expect(ISOWeek("2026-W53")!.monday == DateComponents(year: 2026, month: 12, day: 28))
        #expect(ISOWeek("2027-W01")!.monday == DateComponents(year: 2027, month: 1, day: 4))
        #expect(ISOWeek("2020-W01")!.monday == DateComponents(year: 2019, month: 12, day: 30))
        let w = ISOWeek("2026-W47")!
        for z in ["Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Shanghai"] {
            let local = ISOWeek.calendar(zone(z)).dateComponents([.year, .month, .day], from: w.start(in: zone(z)))
            #expect(local == w.monday)
        }
    }
}

@Suite("Target precedence, fractions and thresholds")
struct TargetPrecedenceTests {
    // Every layer names a different mix of kinds, so each kind shows which layer won.
    let plan = TargetPlan(
        defaults: [.lead: 11, .visit: 2, .demo: 1, .closing: 0.5],
        tenure: [.init(fromMonth: 0, toMonth: 3, targets: [.lead: 5, .demo: 2]),
                 .init(fromMonth: 3, toMonth: nil, targets: [.visit: 6])],
        teams: ["east": [.visit: 8, .demo: 3], "north": [:]],
        reps: ["alice": [.visit: 9], "zero": [.closing: 0]])

    func day(_ y: Int, _ m: Int, _ d: Int) -> DateComponents { DateComponents(year: y, month: m, day: d) }
    let monday = DateComponents(year: 2026, month: 11, day: 16)

    @Test("default only: a rep with no team, start date or override gets the defaults and nothing else")
    func defaultLayer() {
        let t = plan.targets(rep: "x", team: nil, startDate: nil, monday: monday)
        #expect(t == [.lead: 11, .visit: 2, .demo: 1, .closing: 0.5])
        #expect(t[.qualified] == nil && t[.payment] == nil && t[.followUp] == nil)
    }

    @Test("tenure band over default, only for the kinds the band names")
    func tenureLayer() {
        let t = plan.targets(rep: "x", team: nil, startDate: day(2026, 10, 1), monday: monday)  // month 1
        #expect(t == [.lead: 5, .visit: 2, .demo: 2, .closing: 0.5])
    }

    @Test("team over tenure band over default")
    func teamLayer() {
        let t = plan.targets(rep: "x", team: "east", startDate: day(2026, 10, 1), monday: monday)
        #expect(t[.demo] == 3)     // team over the band's 2
        #expect(t[.visit] == 8)    // team over the default's 2
        #expect(t[.lead] == 5)     // band; the team names no leads
        #expect(t[.closing] == 0.5)
        // A team with no targets, and a team the plan does not know, change nothing.
        #expect(plan.targets(rep: "x", team: "north", startDate: nil, monday: monday) == plan.targets(rep: "x", team: nil, startDate: nil, monday: monday))
        #expect(plan.targets(rep: "x", team: "west", startDate: nil, monday: monday) == plan.targets(rep: "x", team: nil, startDate: nil, monday: monday))
    }

    @Test("rep over team over tenure band over default, kind by kind")
    func repLayer() {
        let t = plan.targets(rep: "alice", team: "east", startDate: day(2026, 10, 1), monday: monday)
        #expect(t == [.lead: 5, .visit: 9, .demo: 3, .closing: 0.5])
    }

    @Test("a target of 0 at any layer removes the kind from the targets")
    func zeroMeansNoTarget() {
        let t = plan.targets(rep: "zero", team: "east", startDate: nil, monday: monday)
        #expect(t[.closing] == nil)
        #expect(t[.visit] == 8)
    }

    @Test("tenure bands use whole months to the week's Monday: [0, 3) then [3, …); none before the start date or without one")
    func tenureBoundaries() {
        // Start 16 August: Monday 16 November is the third anniversary exactly.
        #expect(plan.targets(rep: "x", team: nil, startDate: day(2026, 8, 16), monday: monday)[.visit] == 6)
        #expect(plan.targets(rep: "x", team: nil, startDate: day(2026, 8, 16), monday: monday)[.lead] == 11)
        // Start 17 August: the anniversary is the day after, still months 0–3.
        #expect(plan.targets(rep: "x", team: nil, startDate: day(2026, 8, 17), monday: monday)[.lead] == 5)
        // A rep who starts after the week: no band applies.
        #expect(plan.targets(rep: "x", team: nil, startDate: day(2026, 12, 1), monday: monday)[.lead] == 11)
        #expect(plan.targets(rep: "x", team: nil, startDate: nil, monday: monday)[.lead] == 11)
    }

    @Test("fractional targets: half a closing a week is met by one, behind with none; 2 of 2.5 is near")
    func fractions() {
        #expect(Attainment(target: 0.5, actual: 0).status == .behind)
        #expect(Attainment(target: 0.5, actual: 0).remaining == 0.5)
        #expect(Attainment(target: 0.5, actual: 1).ratio == 2)
        #expect(Attainment(target: 0.5, actual: 1).status == .met)
        #expect(Attainment(target: 2.5, actual: 2).status == .near)
        #expect(Attainment(target: 2.5, actual: 2).roundedRatio == 0.8)
        #expect(Attainment(target: 1.5, actual: 1).roundedRatio == 0.6667)
        // Eight weeks of half a closing is a period target of 4.
        #expect(Attainment(target: 8 * 0.5, actual: 3).roundedRatio == 0.75)
    }

    @Test("thresholds: exactly 80 % is near and exactly 100 % met; a hair below each is the status below")
    func thresholds() {
        for (actual, target) in [(4, 5.0), (8, 10.0), (12, 15.0), (2, 2.5), (40, 50.0)] {
            #expect(Attainment(target: target, actual: actual).status == .near, "\(actual)/\(target)")
        }
        for (actual, target) in [(1, 1.0), (6, 6.0), (1, 0.5), (11, 11.0), (3, 1.5)] {
            #expect(Attainment(target: target, actual: actual).status == .met, "\(actual)/\(target)")
        }
        #expect(Attainment(target: 10_000, actual: 7_999).status == .behind)
        #expect(Attainment(target: 10_000, actual: 9_999).status == .near)
        #expect(Attainment(target: 11, actual: 0).status == .behind)
        // The status is judged from the exact ratio, not the rounded one the JSON shows.
        #expect(Attainment(target: 100_000, actual: 99_999).roundedRatio == 1)
        #expect(Attainment(target: 100_000, actual: 99_999).status == .near)
        #expect(Attainment.judge(0.8) == .near && Attainment.judge(0.79999) == .behind && Attainment.judge(1) == .met)
    }
}

@Suite("Weeks in progress")
struct InProgressWeekTests {
    let shanghai = TimeZone(identifier: "Asia/Shanghai")!
    let newYork = TimeZone(identifier: "America/New_York")!
    let week = ISOWeek("2026-W47")!

    func instant(_ s: String) -> Date { ISO8601DateFormatter().date(from: s)! }

    func build(_ zone: TimeZone, now: String, visits: Int = 2, target: Double = 6) -> RepWeek {
        let rep = RepProfile(id: "alice", name: "王丽", team: "east", emails: ["alice@hxsoft.cn"], timeZone: zone)
        let activities = (0..<visits).map { i in
            Activity(rep: "alice", kind: .visit, at: instant("2026-11-17T10:00:00+08:00").addingTimeInterval(Double(i) * 3600),
                     org: "acme.com.cn", title: "拜访华为", rule: "keyword:拜访", sourceType: .caldav, account: "alice-cal", ref: "v\(i)")
        }
        return RepWeek.build(rep: rep, week: week, activities: activities, reached: ["acme.com.cn": 6], exchanges: [],
                             targets: [.visit: target, .closing: 0.5], followUpAfterDays: 7, now: instant(now))
    }

    @Test("on Wednesday the week is in progress with what is still needed and five days left, Wednesday included")
    func midWeek() {
        let w = build(shanghai, now: "2026-11-18T10:00:00+08:00")
        #expect(w.inProgress)
        let visit = w.targets.first { $0.kind == .visit }!
        #expect(visit.daysLeft == 5)
        #expect(visit.attainment.remaining == 4)
        #expect(visit.attainment.status == .behind)  // judged from attainment, as in a finished week
        let closing = w.targets.first { $0.kind == .closing }!
        #expect(closing.attainment.remaining == 0.5)
    }

    @Test("days left: 7 at Monday midnight, 1 on Sunday night, none once the week is over")
    func daysLeft() {
        #expect(build(shanghai, now: "2026-11-16T00:00:00+08:00").targets.first?.daysLeft == 7)
        #expect(build(shanghai, now: "2026-11-22T23:59:00+08:00").targets.first?.daysLeft == 1)
        let over = build(shanghai, now: "2026-11-23T00:00:00+08:00")
        #expect(!over.inProgress)
        #expect(over.targets.allSatisfy { $0.daysLeft == nil })
        // A week that has not started yet has all seven days left.
        #expect(build(shanghai, now: "2026-11-10T09:00:00+08:00").targets.first?.daysLeft == 7)
    }

    @Test("remaining never goes below zero once the target is met")
    func remainingFloor() {
        let w = build(shanghai, now: "2026-11-18T10:00:00+08:00", visits: 8)
        let visit = w.targets.first { $0.kind == .visit }!
        #expect(visit.attainment.remaining == 0)
        #expect(visit.attainment.status == .met)
    }

    @Test("at Monday 09:00 in Shanghai the week is over there but has a day left in New York")
    func zoneDecidesProgress() {
        let now = "2026-11-23T09:00:00+08:00"  // Sunday 20:00 in New York
        #expect(!build(shanghai, now: now).inProgress)
        let ny = build(newYork, now: now)
        #expect(ny.inProgress)
        #expect(ny.targets.first?.daysLeft == 1)
    }

    @Test("stages take the highest step reached before the week's end, this week's activities included")
    func stages() {
        let w = build(shanghai, now: "2026-11-30T00:00:00+08:00")
        #expect(w.stages.map(\.org) == ["acme.com.cn"])
        #expect(w.stages.first?.step == 6)  // a closing before this week's visits
    }
}
