import Foundation
import Logging
import ActivityCore
import ActivityConfig
import ActivityStore
import ActivityTransport

/// How one `sync` retries an account that failed for a reason that may pass by itself — a cut
/// connection, a timeout, a server restarting, an unexpected BYE, NO or BAD, an HTTP 5xx, a
/// truncated answer: a few tries, close together. Each try resumes from what the last one
/// committed (checkpoints and stored items), so a retry costs little. Logins refused,
/// certificates that do not verify and configuration errors are not retried: they need a
/// person. Longer waits between polls are the daemon's business.
public struct RetryPolicy: Sendable {
    /// Tries in all, the first included.
    public var attempts: Int
    /// The wait before the second, third… try (the last value repeats).
    public var delays: [TimeInterval]

    public init(attempts: Int, delays: [TimeInterval]) {
        self.attempts = max(1, attempts)
        self.delays = delays
    }

    /// Three tries, 1 s and then 4 s apart.
    public static let standard = RetryPolicy(attempts: 3, delays: [1, 4])
    public static let once = RetryPolicy(attempts: 1, delays: [])

    func delay(before attempt: Int) -> TimeInterval {
        guard !delays.isEmpty else { return 0 }
        return delays[min(attempt - 2, delays.count - 1)]
    }
}

/// One pass over a set of accounts: each is synced on its own (with retries), a failing account
/// is recorded and does not stop the others, and then every rep whose ledger is stale is
/// re-derived — those whose items changed now, and those a crash left stale before.
public struct SyncRunner {
    public let config: Config
    public let store: Store
    public let logger: Logger
    public var derivation: Derivation
    /// Asked between transactions: true stops the sync of an account there (what it committed
    /// stays; the next run resumes from its checkpoint). The daemon's graceful shutdown.
    public var shouldStop: (@Sendable () -> Bool)? = nil
    /// Passwords and OAuth 2.0 tokens (the daemon shares one cache between its syncs).
    public var credentials = CredentialSource()
    public var retry: RetryPolicy = .standard
    /// Units (a rep's mail accounts, or one calendar account) synced at once (see `runOnce`);
    /// 1 syncs everything on the calling thread.
    public var jobs = 1
    /// Called at each named crash point of the run — the accounts' (handed to the mail and
    /// calendar syncs), `sync.accounts-done`, and the derivation's (see `CrashPoint`). The replay
    /// tests throw there; a throw ends the run as a kill would (nothing after it runs).
    public var crashHook: (String) throws -> Void = CrashPoint.reach
    /// The tests: the session to sync an account over instead of connecting to its server
    /// (transcripts recorded from real servers).
    var mailSession: ((Config.Account) throws -> any IMAPSession)? = nil
    var calendarSession: ((Config.Account) throws -> any CalendarSession)? = nil

    public init(config: Config, store: Store, logger: Logger, suffixes: PublicSuffixList) {
        self.config = config
        self.store = store
        self.logger = logger
        self.derivation = Derivation(config: config, suffixes: suffixes)
    }

    public struct AccountOutcome: Sendable {
        public var account: String
        public var outcome: Result<AccountSyncResult, ActivityError>
        /// Stopped by `shouldStop` before it was done (not a failure of the account).
        public var interrupted = false
        /// Tries made (1 when the first succeeded).
        public var attempts: Int = 1
        /// Not synced here: another worker sharing the store holds its lease (`host:pid`).
        public var heldBy: String? = nil
        /// Not synced here: another worker synced it at this time, less than an interval ago.
        public var syncedElsewhereAt: Date? = nil
    }

    public struct Outcome: Sendable {
        public var results: [AccountOutcome]
        /// The worst failure, which decides the exit code.
        public var worst: ActivityError?
        /// Reps whose ledger was re-derived.
        public var derived: [String] = []
    }

    /// Syncs `accounts` and re-derives the ledger of every stale rep.
    ///
    /// The accounts are synced in units, up to `jobs` units at once, each on a thread with a
    /// store connection of its own: a rep's mail accounts are one unit, synced one after the
    /// other in the order given (which of them stored a message first must not depend on
    /// timing), and each calendar account is a unit of its own (calendars share nothing with
    /// mail or with each other until derivation). A rep's ledger is re-derived as soon as its
    /// last unit is done, while other reps are still fetching.
    public func runOnce(accounts: [Config.Account], progress: ((String, String, Int, Int) -> Void)? = nil) -> Outcome {
        var units: [(rep: String, accounts: [Config.Account])] = []
        for account in accounts {
            if account.kind == .imap, let i = units.firstIndex(where: { $0.rep == account.rep && $0.accounts[0].kind == .imap }) {
                units[i].accounts.append(account)
            } else {
                units.append((account.rep, [account]))
            }
        }
        // A store shared by several workers: only the units whose leases this process takes.
        var held: [AccountOutcome] = []
        var leased: LeaseKeeper? = nil
        if store.isShared {
            let keeper = LeaseKeeper.shared(location: store.location, timeout: config.leaseTimeout, logger: logger)
            do {
                let taken = Set(try store.takeLeases(units: units.map { $0.accounts.map(\.id) }, holder: keeper.holder,
                                                     for: config.leaseTimeout))
                let holders = units.count == taken.count ? [:] : ((try? store.liveLeases()) ?? [:])
                for (i, unit) in units.enumerated() where !taken.contains(i) {
                    for a in unit.accounts {
                        let holder = holders[a.id]?.holder ?? "another worker"
                        logger.info("account held by another worker; skipped", metadata: ["account": "\(a.id)", "holder": "\(holder)"])
                        held.append(AccountOutcome(account: a.id, outcome: .failure(ActivityError(.tempFail,
                            "account \(a.id): being synced by \(holder); skipped")), heldBy: holder))
                    }
                }
                units = units.indices.filter(taken.contains).map { units[$0] }
                keeper.hold(units.flatMap { $0.accounts.map(\.id) })
                leased = keeper
            } catch {
                let e = SyncRunner.activityError(error, account: nil)
                logger.error("cannot take account leases", metadata: ["error": "\(e.message)"])
                return Outcome(results: accounts.map { AccountOutcome(account: $0.id, outcome: .failure(e)) }, worst: e)
            }
        }
        let groups = units
        let shared = RunState(unitsPerRep: Dictionary(groups.map { ($0.rep, 1) }, uniquingKeysWith: +))
        // Workers read the runner's settings and write only through their own store and
        // `shared`; `progress` must be callable from any thread (the CLI's locks).
        let runner = self, keeper = leased
        Workers.run(count: groups.count, jobs: jobs,
                    context: { groups.count == 1 || runner.jobs <= 1 ? runner.store : try runner.store.reopened() },
                    failed: { shared.fail(SyncRunner.activityError($0, account: nil)) },
                    body: { store, i in runner.work(on: groups[i], store: store, keeper: keeper, progress: progress, into: shared) })
        if let crash = shared.crash {
            // A crash hook threw (the tests' kill): nothing more of this run happens.
            let e = ActivityError(.software, "crashed at \(crash)")
            return Outcome(results: accounts.map { AccountOutcome(account: $0.id, outcome: .failure(e)) }, worst: e)
        }
        var (results, worst, derived) = shared.take()
        results += held
        results = accounts.compactMap { a in results.first { $0.account == a.id } }
        for account in accounts where !results.contains(where: { $0.account == account.id }) {
            // No worker could open the store: the account did not sync.
            let e = ActivityError(.unavailable, "account \(account.id): not synced, the store could not be opened")
            results.append(AccountOutcome(account: account.id, outcome: .failure(worst ?? e)))
        }
        // Every other stale rep: one whose derivation a crash interrupted, or whose items an
        // account that is not synced this time stored.
        do {
            let stale = Set(try store.staleReps(config.reps.map(\.id)))
            for rep in config.reps where stale.contains(rep.id) {
                switch derive(rep, store: store) {
                case .derived: derived.append(rep.id)
                case .superseded: break
                case .failed(let e): worst = ActivityError.worst(worst, e)
                case .crashed(let point):
                    let e = ActivityError(.software, "crashed at \(point)")
                    return Outcome(results: results, worst: e, derived: derived)
                }
            }
        } catch {
            let e = SyncRunner.activityError(error, account: nil)
            logger.error("cannot read which ledgers are stale", metadata: ["error": "\(e.message)"])
            worst = ActivityError.worst(worst, e)
        }
        return Outcome(results: results, worst: worst, derived: config.reps.map(\.id).filter(derived.contains))
    }

    /// One unit's accounts, then, if it was the rep's last unit, the rep's ledger if it is stale.
    private func work(on group: (rep: String, accounts: [Config.Account]), store: Store, keeper: LeaseKeeper?,
                      progress: ((String, String, Int, Int) -> Void)?, into shared: RunState) {
        let ids = group.accounts.map(\.id)
        if let keeper { store.fence = LeaseFence(holder: keeper.holder, accounts: ids) }
        for account in group.accounts {
            guard shared.crash == nil else { return }
            let outcome = syncWithRetries(account, store: store, progress: progress, into: shared)
            shared.add(outcome)
        }
        guard shared.crash == nil else { return }
        if let keeper {
            // The accounts are done: free them for the next worker now (the rep's derivation
            // below needs no lease; it runs under the rep's advisory lock).
            store.fence = nil
            keeper.drop(ids)
            do { try store.releaseLeases(accounts: ids, holder: keeper.holder) } catch {
                logger.warning("could not free leases; they expire by themselves", metadata: ["error": "\(error)"])
            }
        }
        guard shared.unitDone(rep: group.rep) else { return }
        do { try crashHook("sync.accounts-done") } catch { return shared.crashed(at: "sync.accounts-done") }
        guard let rep = config.rep(group.rep) else { return }
        do {
            guard try store.staleReps([rep.id]).contains(rep.id) else { return }
        } catch {
            let e = SyncRunner.activityError(error, account: nil)
            logger.error("cannot read whether the ledger is stale", metadata: ["rep": "\(rep.id)", "error": "\(e.message)"])
            shared.fail(e)
            return
        }
        switch derive(rep, store: store) {
        case .derived: shared.derived(rep.id)
        case .superseded: break
        case .failed(let e): shared.fail(e)
        case .crashed(let point): shared.crashed(at: point)
        }
    }

    private enum Derived { case derived, superseded, failed(ActivityError), crashed(String) }

    /// What a crash hook threw, as the point it names; only the tests' hooks throw.
    struct Crash: Error { var point: String }

    /// `crashHook` wrapped so that its throw is known as a crash, not taken for a failure (which
    /// would be retried or recorded).
    private func crashing(_ hook: @escaping (String) throws -> Void) -> (String) throws -> Void {
        { point in
            do { try hook(point) } catch { throw Crash(point: point) }
        }
    }

    /// Re-derives one rep's ledger; a transient failure (a shared store restarting, a busy
    /// lock) is tried again like an account's (see `RetryPolicy`).
    private func derive(_ rep: Config.Rep, store: Store) -> Derived {
        var attempt = 1
        while true {
            do {
                var derivation = derivation
                derivation.crashHook = crashing(crashHook)
                try derivation.rederive(rep: rep, store: store, now: Date())
                return .derived
            } catch let crash as Crash {
                return .crashed(crash.point)
            } catch is DerivationSuperseded {
                logger.info("ledger already updated by another process", metadata: ["rep": "\(rep.id)"])
                return .superseded
            } catch {
                let e = SyncRunner.activityError(error, account: nil)
                if e.isTransient && attempt < retry.attempts {
                    let wait = retry.delay(before: attempt + 1)
                    logger.notice("ledger update failed, retrying", metadata: ["rep": "\(rep.id)", "error": "\(e.message)"])
                    if wait > 0 { Thread.sleep(forTimeInterval: wait) }
                    attempt += 1
                    continue
                }
                logger.error("ledger update failed", metadata: ["rep": "\(rep.id)", "error": "\(e.message)"])
                return .failed(e)
            }
        }
    }

    /// One account, tried again after a transient failure (see `RetryPolicy`).
    private func syncWithRetries(_ account: Config.Account, store: Store,
                                 progress: ((String, String, Int, Int) -> Void)?, into shared: RunState) -> AccountOutcome {
        try? store.recordAttempt(account: account.id, at: Date())
        var attempt = 1
        while true {
            do {
                let result = try sync(account, store: store, progress: progress)
                try store.recordSuccess(account: account.id, at: Date(), newItems: result.newItems)
                return AccountOutcome(account: account.id, outcome: .success(result), attempts: attempt)
            } catch let crash as Crash {
                shared.crashed(at: crash.point)
                let e = ActivityError(.software, "account \(account.id): crashed at \(crash.point)")
                return AccountOutcome(account: account.id, outcome: .failure(e), attempts: attempt)
            } catch let lost as LeaseLost {
                // This worker stalled past lease_timeout and another took the account over:
                // what was committed stays, the other goes on from there.
                logger.warning("lease lost; the account is synced by another worker now",
                               metadata: ["account": "\(account.id)", "holder": "\(lost.holder ?? "none")"])
                let e = ActivityError(.tempFail, "account \(account.id): taken over by \(lost.holder ?? "another worker") after this worker's lease expired")
                return AccountOutcome(account: account.id, outcome: .failure(e), attempts: attempt, heldBy: lost.holder ?? "another worker")
            } catch is SyncInterrupted {
                // Neither a success (the account is not caught up) nor a failure of the account.
                logger.notice("sync interrupted by shutdown; the next run resumes from the last commit",
                              metadata: ["account": "\(account.id)"])
                let e = ActivityError(.tempFail, "account \(account.id): interrupted by shutdown; the next run resumes where it stopped")
                return AccountOutcome(account: account.id, outcome: .failure(e), interrupted: true, attempts: attempt)
            } catch {
                let e = SyncRunner.activityError(error, account: account)
                if e.isTransient && attempt < retry.attempts && !(shouldStop?() ?? false) {
                    let wait = retry.delay(before: attempt + 1)
                    logger.notice("sync failed, retrying", metadata: [
                        "account": "\(account.id)", "error": "\(e.message)",
                        "attempt": "\(attempt + 1) of \(retry.attempts)", "in_seconds": "\(wait)"])
                    if wait > 0 { Thread.sleep(forTimeInterval: wait) }
                    attempt += 1
                    continue
                }
                var final = e
                if attempt > 1 && e.isTransient { final.message += " (after \(attempt) tries)" }
                logger.error("sync failed", metadata: ["account": "\(account.id)", "error": "\(final.message)"])
                try? store.recordFailure(account: account.id, at: Date(), message: final.message)
                return AccountOutcome(account: account.id, outcome: .failure(final), attempts: attempt)
            }
        }
    }

    func sync(_ account: Config.Account, store: Store, progress: ((String, String, Int, Int) -> Void)?) throws -> AccountSyncResult {
        switch account.kind {
        case .imap:
            var mail = MailSync(store: store, config: config, logger: logger)
            mail.shouldStop = shouldStop
            mail.crashHook = crashing(crashHook)
            mail.window = derivation.window(now: Date())
            if let rep = config.rep(account.rep) { mail.floatingZone = config.profile(rep).timeZone }
            if let progress { mail.progress = { folder, done, total in progress(account.id, folder, done, total) } }
            if let mailSession { return try mail.sync(account: account, over: try mailSession(account)) }
            let cached = account.oauth2 != nil && credentials.hasCachedToken(account)
            do {
                return try mail.sync(account: account, credential: try credentials.imapCredential(account))
            } catch let e as ActivityError where e.code == .noPermission && cached {
                // A cached token can be revoked before it expires: one more try with a new one.
                logger.notice("cached access token refused; fetching a new one", metadata: ["account": "\(account.id)"])
                return try mail.sync(account: account, credential: try credentials.imapCredential(account, fresh: true))
            }
        case .caldav:
            var calendars = CalendarSync(store: store, logger: logger)
            calendars.shouldStop = shouldStop
            calendars.crashHook = crashing(crashHook)
            calendars.window = derivation.window(now: Date())
            if let rep = config.rep(account.rep) { calendars.floatingZone = config.profile(rep).timeZone }
            if let calendarSession { return try calendars.sync(account: account, over: try calendarSession(account)) }
            let cached = account.oauth2 != nil && credentials.hasCachedToken(account)
            do {
                let c = try credentials.calDAVCredential(account)
                return try calendars.sync(account: account, password: c.password, bearerToken: c.bearerToken)
            } catch let e as ActivityError where e.code == .noPermission && cached {
                logger.notice("cached access token refused; fetching a new one", metadata: ["account": "\(account.id)"])
                let c = try credentials.calDAVCredential(account, fresh: true)
                return try calendars.sync(account: account, password: c.password, bearerToken: c.bearerToken)
            }
        }
    }

    /// The message of any error, as an `ActivityError` naming the account.
    public static func activityError(_ error: Error, account: Config.Account?) -> ActivityError {
        if var e = error as? ActivityError {
            // A refused login with a secret from a command: usually an access token that expired.
            if e.isRefusedLogin, let account, case .command = account.secret {
                e.message += "; this account's password_command may print an access token that has expired or been revoked"
            }
            return e
        }
        let prefix = account.map { "account \($0.id): " } ?? ""
        return ActivityError(.software, prefix + "\(error)")
    }
}

/// What the workers of one `runOnce` report, behind a lock.
private final class RunState: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [SyncRunner.AccountOutcome] = []
    private var worst: ActivityError? = nil
    private var derivedReps: [String] = []
    /// Units of each rep not yet done.
    private var remaining: [String: Int]

    init(unitsPerRep: [String: Int]) { remaining = unitsPerRep }

    /// Records that one unit of `rep` is done; true when it was the last.
    func unitDone(rep: String) -> Bool {
        lock.withLock {
            remaining[rep, default: 1] -= 1
            return remaining[rep]! <= 0
        }
    }

    func add(_ outcome: SyncRunner.AccountOutcome) {
        lock.withLock {
            results.append(outcome)
            if case .failure(let e) = outcome.outcome, !outcome.interrupted, outcome.heldBy == nil { worst = ActivityError.worst(worst, e) }
        }
    }
    func fail(_ e: ActivityError) { lock.withLock { worst = ActivityError.worst(worst, e) } }
    /// The crash point a hook threw at (the tests' kill), once one did.
    private var crashPoint: String? = nil
    var crash: String? { lock.withLock { crashPoint } }
    func crashed(at point: String) { lock.withLock { if crashPoint == nil { crashPoint = point } } }
    func derived(_ rep: String) { lock.withLock { derivedReps.append(rep) } }
    func take() -> ([SyncRunner.AccountOutcome], ActivityError?, [String]) { lock.withLock { (results, worst, derivedReps) } }
}

/// A sync stopped at a transaction boundary because the daemon is shutting down.
public struct SyncInterrupted: Error, Sendable {
    public init() {}
}
