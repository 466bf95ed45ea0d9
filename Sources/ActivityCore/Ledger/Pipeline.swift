import Foundation

/// Seed 001's weekly review (过堂): a rep's open deals, each with its stage, its class A/B/C, how
/// long since its last activity and the step that comes next (DOMAIN.md, "Deal classes and the
/// weekly review").
public enum Pipeline {
    /// The thresholds of `[pipeline]`, in whole days since a deal's last activity; the defaults follow seed 001.
    public struct Settings: Sendable, Equatable {
        /// A: 合作缔结 reached and active within this many days (a signature expected within 4 weeks).
        public var aWithinDays = 14
        /// B: 面谈 or 产品展示 reached and active within this many days.
        public var bWithinDays = 30
        /// B: 合作缔结 reached and active at most this many days ago (but not within `aWithinDays`).
        public var bClosingWithinDays = 45
        /// Stale: no activity for more than this many days.
        public var staleAfterDays = 45
        /// Lost by silence: no activity for more than this many days; the deal leaves the pipeline.
        public var dropAfterDays = 180

        public init() {}
    }

    public enum DealClass: String, Sendable, Comparable {
        case a = "A", b = "B", c = "C"
        // The letters' order, without comparing strings (sorting 90,000 deals compares them often).
        public static func < (x: DealClass, y: DealClass) -> Bool { x.rank < y.rank }
        var rank: Int {
            switch self {
            case .a: return 0
            case .b: return 1
            case .c: return 2
            }
        }
    }

    public struct Deal: Sendable, Equatable {
        public var org: String
        /// The highest step of the flow reached with the organisation (standard: 3 初步接洽 … 7 安装培训).
        public var stage: Int
        public var dealClass: DealClass
        public var lastActivity: Date
        /// Whole calendar days from the last activity's day to the review's day, in the rep's zone.
        public var daysSince: Int
        /// What comes next: the step the seeds prescribe after the stage, or 跟进 when the last
        /// outbound mail is unanswered for `followUpAfterDays`.
        public var next: String
        public var stale: Bool
        /// The stage's name in the flow (`合作缔结`; `招投标` under keyaccount6).
        public var stepName: String
    }

    /// How many open deals of each class, and how many of them are stale: the line of the weekly
    /// review that `week`, `pipeline` and the web view show per rep.
    public struct Counts: Sendable, Equatable {
        public var a = 0, b = 0, c = 0, stale = 0
        public init(a: Int = 0, b: Int = 0, c: Int = 0, stale: Int = 0) {
            (self.a, self.b, self.c, self.stale) = (a, b, c, stale)
        }
        public init(_ deals: [Deal]) {
            for d in deals { add(d.dealClass, stale: d.stale) }
        }
        /// One more open deal of `dealClass`.
        mutating func add(_ dealClass: DealClass, stale isStale: Bool) {
            switch dealClass {
            case .a: a += 1
            case .b: b += 1
            case .c: c += 1
            }
            if isStale { stale += 1 }
        }
    }

    /// What follows each stage in seed 001's review (初访 → 约演示或见高层 → 商务 → 签约), then 回款
    /// (the standard flow's; another flow names its next step, Flow.next(after:)).
    public static func nextStep(after stage: Int) -> String { Flow.standard.next(after: stage) }

    /// Where an organisation stands: the highest step reached (over all history) and its last activity.
    public struct Standing: Sendable {
        /// The flow's step number.
        public var stage: Int
        public var lastActivity: Date
        /// Whether the rep ever reached 初步接洽 or beyond with it by kind (a contact, meeting, demo,
        /// closing or installation): what makes a deal of it under any flow. Where the stage is a
        /// standard step the stage says it already (3 or more).
        public var engaged: Bool
        public init(stage: Int, lastActivity: Date, engaged: Bool = true) {
            self.stage = stage
            self.lastActivity = lastActivity
            self.engaged = engaged
        }
    }

    /// Folds activities into standings per organisation: the highest step of `flow` and the
    /// latest time, of activities at or before `date` (a follow-up has no step of its own but is activity).
    public static func standings(_ activities: [Activity], asOf date: Date, flow: Flow = .standard) -> [String: Standing] {
        var out: [String: Standing] = [:]
        for a in activities where a.at <= date {
            var s = out[a.org] ?? Standing(stage: 0, lastActivity: a.at, engaged: false)
            s.stage = max(s.stage, flow.step(of: a))
            s.lastActivity = max(s.lastActivity, a.at)
            s.engaged = s.engaged || Flow.Role(a.kind) >= .open
            out[a.org] = s
        }
        return out
    }

    /// Standings from evidence grouped per organisation and kind (and title where the flow splits
    /// the kind on it): what the store answers for a flow other than the standard one.
    public static func standings(_ evidence: [(org: String, kind: Kind, title: String, last: Date)], flow: Flow) -> [String: Standing] {
        var out: [String: Standing] = [:]
        for e in evidence {
            var s = out[e.org] ?? Standing(stage: 0, lastActivity: e.last, engaged: false)
            s.stage = max(s.stage, flow.step(of: e.kind, title: e.title))
            s.lastActivity = max(s.lastActivity, e.last)
            s.engaged = s.engaged || Flow.Role(e.kind) >= .open
            out[e.org] = s
        }
        return out
    }

    /// The open deals among `standings` on `date` (the review's moment), best first: class, then
    /// the most recent, then the organisation. `unanswered`: organisations whose last outbound mail
    /// has waited at least `followUpAfterDays` for an answer (`week`'s follow-ups due).
    /// `flow` names the stages (the standings' numbers are its steps) and decides the classes
    /// through its steps' roles (Flow.Role): the standard flow's are DOMAIN.md's rule.
    public static func deals(_ standings: [String: Standing], on date: Date, in zone: TimeZone, settings: Settings = Settings(),
                             unanswered: Set<String> = [], flow: Flow = .standard) -> [Deal] {
        unsortedDeals(standings, on: date, in: zone, settings: settings, unanswered: unanswered, flow: flow)
            .sorted { ($0.dealClass, $0.daysSince, $0.org) < ($1.dealClass, $1.daysSince, $1.org) }
    }

    /// How many of `deals(…)` there are of each class: the same deals, not sorted (a count has
    /// no order; sorting was most of `week --all`'s cost of counting 100 reps' deals).
    public static func counts(_ standings: [String: Standing], on date: Date, in zone: TimeZone, settings: Settings = Settings(),
                              flow: Flow = .standard) -> Counts {
        counts(list: standings.values, on: date, in: zone, settings: settings, flow: flow)
    }

    /// `counts(…)` of standings without their organisations (`week --all` counts 100 reps' deals
    /// and has no use for a dictionary of them).
    public static func counts<S: Sequence>(list standings: S, on date: Date, in zone: TimeZone, settings: Settings = Settings(),
                                           flow: Flow = .standard) -> Counts where S.Element == Standing {
        let localDay = localDayNumber(in: zone)
        let today = localDay(date)
        var counts = Counts()
        for s in standings {
            guard let (dealClass, days) = classify(s, today: today, localDay: localDay, settings: settings, flow: flow) else { continue }
            counts.add(dealClass, stale: days > settings.staleAfterDays)
        }
        return counts
    }

    /// The local day number of a time in `zone`. Whole days between local dates by arithmetic on
    /// it: what Calendar's dateComponents between the two days' starts gives (a 23- or 25-hour
    /// day is one day), without its cost (half of `pipeline`'s time for 100 reps of 3,000
    /// organisations).
    static func localDayNumber(in zone: TimeZone) -> (Date) -> Int {
        { d in CivilTime.floorDiv(Int(d.timeIntervalSince1970.rounded(.down)) + zone.secondsFromGMT(for: d), CivilTime.secondsPerDay) }
    }

    /// An open deal's class and whole days since its last activity (`today` a local day number,
    /// `localDay` the day number of a time), nil for a standing that is no open deal.
    @inline(__always)
    static func classify(_ s: Standing, today: Int, localDay: (Date) -> Int, settings: Settings, flow: Flow) -> (DealClass, Int)? {
        // Open: 初步接洽 or beyond, not won yet (回款; under another flow the step holding it).
        let role = flow.role(of: s.stage)
        guard s.engaged, role >= .open, role < .won else { return nil }
        let days = max(0, today - localDay(s.lastActivity))
        guard days <= settings.dropAfterDays else { return nil }
        let dealClass: DealClass
        switch role {
        case .closing:
            dealClass = days <= settings.aWithinDays ? .a : days <= settings.bClosingWithinDays ? .b : .c
        case .meeting:
            dealClass = days <= settings.bWithinDays ? .b : .c
        default:
            dealClass = .c
        }
        return (dealClass, days)
    }

    static func unsortedDeals(_ standings: [String: Standing], on date: Date, in zone: TimeZone, settings: Settings,
                              unanswered: Set<String>, flow: Flow) -> [Deal] {
        let localDay = localDayNumber(in: zone)
        let today = localDay(date)
        var deals: [Deal] = []
        for (org, s) in standings {
            guard let (dealClass, days) = classify(s, today: today, localDay: localDay, settings: settings, flow: flow) else { continue }
            deals.append(Deal(org: org, stage: s.stage, dealClass: dealClass, lastActivity: s.lastActivity, daysSince: days,
                              next: unanswered.contains(org) ? "跟进" : flow.next(after: s.stage),
                              stale: days > settings.staleAfterDays, stepName: flow.name(of: s.stage)))
        }
        return deals
    }
}
