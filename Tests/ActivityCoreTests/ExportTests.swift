import Foundation
import Testing
@testable import ActivityCore

@Suite("Export: rows, totals, team roll-ups and funnel")
struct LedgerExportTests {
    let plan = TargetPlan(
        defaults: [.lead: 11, .visit: 2, .demo: 1, .closing: 0.5],
        tenure: [.init(fromMonth: 0, toMonth: 3, targets: [.lead: 5])],
        teams: ["east": [.visit: 8]],
        reps: ["alice": [.lead: 12]])
    let teams = [LedgerExport.Team(id: "east", name: "华东区"), LedgerExport.Team(id: "north", name: "华北区"),
                 LedgerExport.Team(id: "west", name: "西区")]
    let alice = LedgerExport.Rep(id: "alice", name: "王丽", team: "east", startDate: DateComponents(year: 2026, month: 3, day: 1))
    // Bob's third month ends on 14 December: his lead target goes from 5 to 11 in 2026-W51.
    let bob = LedgerExport.Rep(id: "bob", name: "张伟", team: "east", startDate: DateComponents(year: 2026, month: 9, day: 14))
    let dan = LedgerExport.Rep(id: "dan", name: "Dan", team: nil, startDate: nil)

    func w(_ s: String) -> ISOWeek { ISOWeek(s)! }

    func build(_ from: String, _ to: String, reps: [LedgerExport.Rep]? = nil, counts: [String: [ISOWeek: [Kind: Int]]] = [:],
               orgs: [String: [Kind: Int]] = [:]) -> LedgerExport {
        LedgerExport.build(from: w(from), to: w(to), reps: reps ?? [alice, bob, dan], teams: teams, plan: plan,
                           counts: counts, organisations: orgs)
    }

    @Test("one row per rep, week and kind, in that order, with the week's target and attainment, or none")
    func rows() {
        let e = build("2026-W46", "2026-W47", counts: ["alice": [w("2026-W47"): [.visit: 2, .lead: 3]]])
        #expect(e.rows.count == 3 * 2 * 9)
        #expect(e.rows.prefix(9).map(\.kind) == Kind.allCases)
        #expect(e.rows.map(\.rep).prefix(19).last == "bob")
        let visit = e.rows.first { $0.rep == "alice" && $0.week == w("2026-W47") && $0.kind == .visit }!
        #expect(visit.actual == 2 && visit.target == 8)  // team east
        #expect(visit.attainment?.roundedRatio == 0.25 && visit.attainment?.status == .behind)
        let lead = e.rows.first { $0.rep == "alice" && $0.week == w("2026-W47") && $0.kind == .lead }!
        #expect(lead.target == 12)  // rep override
        let qualified = e.rows.first { $0.rep == "alice" && $0.kind == .qualified }!
        #expect(qualified.attainment == nil && qualified.target == nil)
        let idle = e.rows.first { $0.rep == "alice" && $0.week == w("2026-W46") && $0.kind == .visit }!
        #expect(idle.actual == 0 && idle.attainment?.status == .behind)
        #expect(e.rows.first { $0.rep == "dan" && $0.kind == .visit }?.target == 2)  // no team: the default
    }

    @Test("across the year end 2026-W53 is a week of its own, and targets follow tenure week by week")
    func yearEnd() {
        let e = build("2026-W50", "2027-W01", reps: [bob], counts: ["bob": [w("2026-W53"): [.lead: 4], w("2027-W01"): [.lead: 1]]])
        #expect(e.weeks.map(\.description) == ["2026-W50", "2026-W51", "2026-W52", "2026-W53", "2027-W01"])
        let leads = e.rows.filter { $0.kind == .lead }
        #expect(leads.map(\.target) == [5, 11, 11, 11, 11])  // month 3 from Monday 14 December (W51)
        #expect(leads.map(\.actual) == [0, 0, 0, 4, 1])
        let total = e.totals.first { $0.kind == .lead }!
        #expect(total.actual == 5 && total.target == 49)
    }

    @Test("period totals sum the weeks' actuals and targets, fractional targets included")
    func totals() {
        let counts: [String: [ISOWeek: [Kind: Int]]] = ["alice": [
            w("2026-W40"): [.closing: 1, .payment: 2], w("2026-W44"): [.closing: 2], w("2026-W47"): [.visit: 3]]]
        let e = build("2026-W40", "2026-W47", reps: [alice], counts: counts)
        #expect(e.totals.count == 9)
        let closing = e.totals.first { $0.kind == .closing }!
        #expect(closing.actual == 3 && closing.target == 4)  // 8 weeks × 0.5
        #expect(closing.attainment?.roundedRatio == 0.75 && closing.attainment?.status == .behind)
        let visit = e.totals.first { $0.kind == .visit }!
        #expect(visit.actual == 3 && visit.target == 64)
        #expect(visit.attainment?.roundedRatio == 0.0469)
        let payment = e.totals.first { $0.kind == .payment }!
        #expect(payment.actual == 2 && payment.attainment == nil)
    }

    @Test("team roll-ups sum their reps' actuals and targets; reps without a team and teams without reps are left out")
    func teamRollUps() {
        let counts: [String: [ISOWeek: [Kind: Int]]] = [
            "alice": [w("2026-W47"): [.visit: 2, .lead: 4]], "bob": [w("2026-W47"): [.visit: 7, .payment: 1]],
            "dan": [w("2026-W47"): [.visit: 50]]]
        let e = build("2026-W47", "2026-W47", counts: counts)
        #expect(e.teamList.map(\.id) == ["east"])
        #expect(e.teams.count == 9)
        let visit = e.teams.first { $0.kind == .visit }!
        #expect(visit.actual == 9 && visit.target == 16)
        #expect(visit.attainment?.roundedRatio == 0.5625)
        let lead = e.teams.first { $0.kind == .lead }!
        #expect(lead.actual == 4 && lead.target == 17)  // alice 12 + bob 5 (months 0–3)
        let payment = e.teams.first { $0.kind == .payment }!
        #expect(payment.actual == 1 && payment.target == nil)
        // Sums of the rows.
        for t in e.teams {
            let rows = e.rows.filter { $0.team == "east" && $0.week == t.week && $0.kind == t.kind }
            #expect(t.actual == rows.map(\.actual).reduce(0, +))
        }
    }

    @Test("funnel: distinct organisations per step against the T6 norms 0.2, 1/3, 0.5, 0.5; no ratio without a first step")
    func funnel() {
        let orgs: [String: [Kind: Int]] = ["alice": [.lead: 10, .visit: 3, .demo: 1, .closing: 2, .payment: 1]]
        let e = build("2026-W40", "2026-W47", reps: [alice, dan], orgs: orgs)
        let steps = e.funnel.filter { $0.rep == "alice" }
        #expect(steps.map { "\($0.from.rawValue)→\($0.to.rawValue)" } == ["lead→visit", "visit→demo", "demo→closing", "closing→payment"])
        #expect(steps.map(\.norm) == [0.2, 1.0 / 3.0, 0.5, 0.5])
        #expect(steps.map { $0.ratio.map(Attainment.rounded) } == [0.3, 0.3333, 2, 0.5])
        #expect(steps.map(\.status) == [.met, .met, .met, .met])
        let none = e.funnel.filter { $0.rep == "dan" }
        #expect(none.count == 4 && none.allSatisfy { $0.ratio == nil && $0.status == nil })
        let weak = build("2026-W40", "2026-W47", reps: [alice], orgs: ["alice": [.lead: 20, .visit: 3]]).funnel[0]
        #expect(weak.ratio == 0.15 && weak.status == .behind)  // 75 % of the norm
    }

    @Test("activities of reps not in the export, and weeks outside it, count for nothing")
    func ignoresOthers() {
        let counts: [String: [ISOWeek: [Kind: Int]]] = ["mallory": [w("2026-W47"): [.lead: 99]],
                                                         "alice": [w("2026-W48"): [.lead: 99]]]
        let e = build("2026-W47", "2026-W47", reps: [alice], counts: counts)
        #expect(e.rows.allSatisfy { $0.rep == "alice" && $0.actual == 0 })
        #expect(e.targetedKinds == [.lead, .visit, .demo, .closing])
    }
}
