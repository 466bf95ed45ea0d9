import Foundation

/// When each account is polled next: every account on its own `poll_interval`, with jitter so
/// that a hundred accounts configured alike do not all fire in the same second, and exponential
/// backoff after failures, per account, capped. Pure bookkeeping: the daemon asks it what is
/// due and tells it what finished; the clock and the random numbers come from outside.
public struct PollSchedule: Sendable {
    public struct Policy: Sendable, Equatable {
        /// Each delay is stretched or shrunk by up to this fraction, at random.
        public var jitter: Double
        /// The longest wait after failures (never shorter than the account's own interval).
        public var backoffCap: TimeInterval
        /// First polls are spread over up to this long (or the interval, if shorter).
        public var startSpread: TimeInterval
        /// The shortest wait after a refused login, whatever the interval: hosts that answer
        /// every login failure alike (Tencent Exmail, QQ) lock an account that keeps trying.
        public var refusedLoginFloor: TimeInterval

        public init(jitter: Double = 0.1, backoffCap: TimeInterval = 3600, startSpread: TimeInterval = 10,
                    refusedLoginFloor: TimeInterval = 900) {
            self.jitter = jitter
            self.backoffCap = backoffCap
            self.startSpread = startSpread
            self.refusedLoginFloor = refusedLoginFloor
        }
    }

    public struct Entry: Sendable, Equatable {
        public var account: String
        /// Accounts of one rep are never synced at the same time (their ledger is derived together).
        public var rep: String
        public var interval: TimeInterval
        public var nextDue: Date
        public var consecutiveFailures = 0
        public var running = false
    }

    public let policy: Policy
    public private(set) var entries: [Entry]

    /// `random` gives numbers in [0, 1).
    public init(accounts: [(id: String, rep: String, interval: TimeInterval)], policy: Policy = Policy(), start: Date,
                random: () -> Double) {
        self.policy = policy
        entries = accounts.map { a in
            let spread = min(a.interval, policy.startSpread)
            return Entry(account: a.id, rep: a.rep, interval: a.interval, nextDue: start + spread * random())
        }
    }

    public func entry(_ account: String) -> Entry? { entries.first { $0.account == account } }

    /// Accounts due at `now`, most overdue first, at most `limit`, none of a rep that already has
    /// a sync running; they are marked running.
    public mutating func start(dueAt now: Date, limit: Int) -> [String] {
        var busyReps = Set(entries.filter(\.running).map(\.rep))
        var started: [String] = []
        let order = entries.indices.filter { !entries[$0].running && entries[$0].nextDue <= now }
            .sorted { entries[$0].nextDue < entries[$1].nextDue }
        for i in order where started.count < limit && !busyReps.contains(entries[i].rep) {
            entries[i].running = true
            busyReps.insert(entries[i].rep)
            started.append(entries[i].account)
        }
        return started
    }

    /// A sync finished: the next poll is one interval away, or further after failures.
    /// Returns the delay chosen.
    @discardableResult
    /// `loginRefused`: the failure was a refused login (exit 77): the wait is at least
    /// `refusedLoginFloor`, doubling from there, never a tight loop.
    public mutating func finish(_ account: String, succeeded: Bool, loginRefused: Bool = false, at now: Date,
                                random: () -> Double) -> TimeInterval {
        guard let i = entries.firstIndex(where: { $0.account == account }) else { return 0 }
        entries[i].running = false
        entries[i].consecutiveFailures = succeeded ? 0 : entries[i].consecutiveFailures + 1
        let interval = loginRefused && !succeeded ? max(entries[i].interval, policy.refusedLoginFloor) : entries[i].interval
        var p = policy
        if loginRefused { p.backoffCap = max(p.backoffCap, 6 * 3600) }
        let delay = PollSchedule.delay(interval: interval, failures: entries[i].consecutiveFailures,
                                       policy: p, random: random())
        entries[i].nextDue = now + delay
        return delay
    }

    /// The earliest due time of an account that is not running.
    public var nextDue: Date? {
        entries.filter { !$0.running }.map(\.nextDue).min()
    }

    public var runningCount: Int { entries.filter(\.running).count }

    /// Looks at an account again after `delay` (not its interval): another worker holds its
    /// lease, which expires within `delay` if that worker has died.
    public mutating func recheck(_ account: String, after delay: TimeInterval, at now: Date) {
        guard let i = entries.firstIndex(where: { $0.account == account }) else { return }
        entries[i].nextDue = min(entries[i].nextDue, now + delay)
    }

    /// The interval, doubled for each failure after the first, capped at `backoffCap` (or the
    /// interval, if longer); then jittered by ±`jitter`. `random` is in [0, 1).
    public static func delay(interval: TimeInterval, failures: Int, policy: Policy, random: Double) -> TimeInterval {
        var base = interval
        if failures > 1 {
            let cap = max(policy.backoffCap, interval)
            base = min(cap, interval * pow(2, Double(min(failures - 1, 40))))
        }
        return base * (1 + policy.jitter * (2 * random - 1))
    }
}
