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
        public static func < (x: DealClass, y: DealClass) -> Bool { x.rawValue < y.rawValue }
    }

    public struct Deal: Sendable, Equatable {
        public var org: String
        /// The highest step reached with the organisation (3 初步接洽 … 7 安装培训).
        public var stage: Int
        public var dealClass: DealClass
        public var lastActivity: Date
        /// Whole calendar days from the last activity's day to the review's day, in the rep's zone.
        public var daysSince: Int
        /// What comes next: the step the seeds prescribe after the stage, or 跟进 when the last
        /// outbound mail is unanswered for `followUpAfterDays`.
        public var next: String
        public var stale: Bool

        /// The stage's name (`合作缔结`).
        public var stepName: String { Kind.allCases.first { $0.step == stage }?.chineseName ?? "" }
    }

    /// What follows each stage in seed 001's review (初访 → 约演示或见高层 → 商务 → 签约), then 回款.
    public static func nextStep(after stage: Int) -> String {
        switch stage {
        case ...3: return "约面谈"
        case 4: return "约演示或见高层"
        case 5: return "商务谈判"
        case 6: return "签约"
        default: return "回款"
        }
    }

    /// Where an organisation stands: the highest step reached (over all history) and its last activity.
    public struct Standing: Sendable {
        public var stage: Int
        public var lastActivity: Date
        public init(stage: Int, lastActivity: Date) {
            self.stage = stage
            self.lastActivity = lastActivity
        }
    }

    /// Folds activities into standings per organisation: the highest step and the latest time, of
    /// activities at or before `date` (a follow-up has no step of its own but is activity).
    public static func standings(_ activities: [Activity], asOf date: Date) -> [String: Standing] {
        var out: [String: Standing] = [:]
        for a in activities where a.at <= date {
            var s = out[a.org] ?? Standing(stage: 0, lastActivity: a.at)
            s.stage = max(s.stage, a.kind.step)
            s.lastActivity = max(s.lastActivity, a.at)
            out[a.org] = s
        }
        return out
    }

    /// The open deals among `standings` on `date` (the review's moment), best first: class, then
    /// the most recent, then the organisation. `unanswered`: organisations whose last outbound mail
    /// has waited at least `followUpAfterDays` for an answer (`week`'s follow-ups due).
    public static func deals(_ standings: [String: Standing], on date: Date, in zone: TimeZone, settings: Settings = Settings(),
                             unanswered: Set<String> = []) -> [Deal] {
        // Whole days between local dates by arithmetic on the local day number: what Calendar's
        // dateComponents between the two days' starts gives (a 23- or 25-hour day is one day),
        // without its cost (half of `pipeline`'s time for 100 reps of 3,000 organisations).
        func localDay(_ d: Date) -> Int {
            CivilTime.floorDiv(Int(d.timeIntervalSince1970.rounded(.down)) + zone.secondsFromGMT(for: d), CivilTime.secondsPerDay)
        }
        let today = localDay(date)
        var deals: [Deal] = []
        for (org, s) in standings {
            // Open: 初步接洽 or beyond, no 回款 yet.
            guard s.stage >= Kind.contact.step, s.stage < Kind.payment.step else { continue }
            let days = max(0, today - localDay(s.lastActivity))
            guard days <= settings.dropAfterDays else { continue }
            let dealClass: DealClass
            switch s.stage {
            case Kind.closing.step...:
                dealClass = days <= settings.aWithinDays ? .a : days <= settings.bClosingWithinDays ? .b : .c
            case Kind.visit.step, Kind.demo.step:
                dealClass = days <= settings.bWithinDays ? .b : .c
            default:
                dealClass = .c
            }
            deals.append(Deal(org: org, stage: s.stage, dealClass: dealClass, lastActivity: s.lastActivity, daysSince: days,
                              next: unanswered.contains(org) ? "跟进" : nextStep(after: s.stage),
                              stale: days > settings.staleAfterDays))
        }
        return deals.sorted { ($0.dealClass, $0.daysSince, $0.org) < ($1.dealClass, $1.daysSince, $1.org) }
    }
}
