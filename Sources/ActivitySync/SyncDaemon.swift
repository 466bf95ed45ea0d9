import Foundation
import Logging
import ServiceLifecycle
import ActivityCore
import ActivityConfig
import ActivityStore

/// `activity daemon` as a swift-service-lifecycle `Service`: polls every account on its own
/// interval (see `PollSchedule`), at most `jobs` at a time, each sync on a thread of its own
/// (libcurl and SQLite block; the cooperative pool has one thread per core and must not).
///
/// Graceful shutdown (SIGTERM, SIGINT): no new sync starts, running ones stop at their next
/// commit (`SyncRunner.shouldStop`), their reps' ledgers are re-derived, and `run()` returns.
/// If the group escalates to cancellation (the grace period ran out: a server that does not
/// answer), `run()` returns at once and the syncs still running are abandoned mid-transaction,
/// which SQLite rolls back: nothing half-written survives.
public final class SyncDaemon: Service, @unchecked Sendable {
    public let config: Config
    public let accounts: [Config.Account]
    public let jobs: Int
    public let policy: PollSchedule.Policy
    private let logger: Logger
    private let suffixes: PublicSuffixList
    private let credentials: CredentialSource

    /// Set once shutdown begins; read by the sync threads between transactions.
    private let stopping = StopFlag()

    public init(config: Config, accounts: [Config.Account], jobs: Int, policy: PollSchedule.Policy = .init(),
                logger: Logger, suffixes: PublicSuffixList, credentials: CredentialSource) {
        self.config = config
        self.accounts = accounts
        self.jobs = max(1, jobs)
        self.policy = policy
        self.logger = logger
        self.suffixes = suffixes
        self.credentials = credentials
    }

    enum Event: Sendable {
        case finished(SyncRunner.AccountOutcome, duration: TimeInterval)
        case wake
        case shutdown
    }

    public func run() async throws {
        let (events, continuation) = AsyncStream.makeStream(of: Event.self)
        var schedule = PollSchedule(accounts: accounts.map { ($0.id, $0.rep, $0.pollInterval) }, policy: policy,
                                    start: Date(), random: { Double.random(in: 0..<1) })
        logger.info("daemon started", metadata: [
            "accounts": "\(accounts.count)", "jobs": "\(jobs)", "store": "\(config.store)", "holder": "\(Store.holderName)", "pid": "\(getpid())"])
        var timer: Task<Void, Never>? = nil
        var shuttingDown = false
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                continuation.yield(.wake)
                for await event in events {
                    switch event {
                    case .finished(let outcome, let duration):
                        var delay = schedule.finish(outcome.account, succeeded: outcome.isSuccess,
                                                    loginRefused: outcome.isRefusedLogin, at: Date(),
                                                    random: { Double.random(in: 0..<1) })
                        if let elsewhere = outcome.syncedElsewhereAt,
                           let interval = accounts.first(where: { $0.id == outcome.account })?.pollInterval {
                            // Synced by another worker lately: due one interval after that sync.
                            delay = max(1, elsewhere.addingTimeInterval(interval).timeIntervalSinceNow)
                            schedule.recheck(outcome.account, after: delay, at: Date())
                        } else if outcome.heldBy != nil && config.leaseTimeout < delay {
                            // Another worker has it: look again once its lease could have run out.
                            schedule.recheck(outcome.account, after: config.leaseTimeout, at: Date())
                            delay = config.leaseTimeout
                        }
                        log(outcome, duration: duration, nextIn: delay,
                            failures: schedule.entry(outcome.account)?.consecutiveFailures ?? 0)
                    case .wake:
                        break
                    case .shutdown:
                        if !shuttingDown {
                            logger.info("shutting down: finishing the syncs in hand", metadata: [
                                "running": "\(schedule.runningCount)"])
                        }
                        shuttingDown = true
                    }
                    if shuttingDown {
                        timer?.cancel()
                        if schedule.runningCount == 0 { break }
                        continue
                    }
                    for id in schedule.start(dueAt: Date(), limit: jobs - schedule.runningCount) {
                        guard let account = accounts.first(where: { $0.id == id }) else { continue }
                        startSync(account, reporting: continuation)
                    }
                    // Sleep until the next account is due; a sync finishing wakes the loop too.
                    timer?.cancel()
                    if let due = schedule.nextDue {
                        let wait = max(0, due.timeIntervalSinceNow)
                        timer = Task {
                            try? await Task.sleep(for: .milliseconds(Int((wait * 1000).rounded(.up))))
                            if !Task.isCancelled { continuation.yield(.wake) }
                        }
                    }
                }
            } onGracefulShutdown: {
                self.stopping.set()
                continuation.yield(.shutdown)
            }
        } onCancel: {
            // The grace period is over: stop waiting for the syncs in hand.
            self.stopping.set()
            continuation.finish()
        }
        timer?.cancel()
        if schedule.runningCount > 0 {
            logger.warning("stopped without waiting for syncs still running; they resume from their last commit next time",
                           metadata: ["accounts": "\(schedule.entries.filter(\.running).map(\.account).joined(separator: ","))"])
        }
        logger.info("daemon stopped")
    }

    /// One account's sync on a thread of its own, with a store connection of its own.
    private func startSync(_ account: Config.Account, reporting continuation: AsyncStream<Event>.Continuation) {
        let config = self.config, logger = self.logger, suffixes = self.suffixes
        let credentials = self.credentials, stopping = self.stopping
        let thread = Thread {
            let started = Date()
            let outcome: SyncRunner.AccountOutcome
            do {
                let store = try Store(location: config.store)
                if store.isShared, let last = try store.accountStatuses().first(where: { $0.account == account.id })?.lastSuccess,
                   Date().timeIntervalSince(last) < account.pollInterval * 0.8 {
                    // Several daemons poll every account: one that another worker synced within
                    // this interval is left until its next turn, not fetched again.
                    var skipped = SyncRunner.AccountOutcome(account: account.id, outcome: .failure(ActivityError(.tempFail,
                        "account \(account.id): synced by another worker at \(last)")), heldBy: "another worker")
                    skipped.syncedElsewhereAt = last
                    outcome = skipped
                } else {
                    var runner = SyncRunner(config: config, store: store, logger: logger, suffixes: suffixes)
                    runner.credentials = credentials
                    runner.shouldStop = { stopping.isSet }
                    outcome = runner.runOnce(accounts: [account]).results.first
                        ?? SyncRunner.AccountOutcome(account: account.id, outcome: .failure(ActivityError(.software, "account \(account.id): no result")))
                }
            } catch {
                // The store could not be opened: the account did not fail, but it did not sync either.
                let e = SyncRunner.activityError(error, account: account)
                logger.error("store unavailable", metadata: ["account": "\(account.id)", "error": "\(e.message)"])
                outcome = SyncRunner.AccountOutcome(account: account.id, outcome: .failure(e))
            }
            continuation.yield(.finished(outcome, duration: Date().timeIntervalSince(started)))
        }
        thread.name = "sync \(account.id)"
        thread.start()
    }

    private func log(_ outcome: SyncRunner.AccountOutcome, duration: TimeInterval, nextIn delay: TimeInterval, failures: Int) {
        let seconds = String(format: "%.1f", duration)
        switch outcome.outcome {
        case .success(let r):
            logger.info("account synced", metadata: [
                "account": "\(outcome.account)", "new": "\(r.newItems)", "fetched": "\(r.fetched)", "seconds": "\(seconds)",
                "next_in": "\(Int(delay.rounded()))s"])
        case .failure where outcome.syncedElsewhereAt != nil:
            logger.debug("account synced lately by another worker", metadata: ["account": "\(outcome.account)", "next_in": "\(Int(delay.rounded()))s"])
        case .failure where outcome.heldBy != nil:
            logger.info("account synced by another worker", metadata: ["account": "\(outcome.account)", "holder": "\(outcome.heldBy!)"])
        case .failure(let e) where outcome.interrupted:
            logger.info("account sync interrupted", metadata: ["account": "\(outcome.account)", "reason": "\(e.message)"])
        case .failure(let e):
            // SyncRunner has logged the error itself; this says when it is tried again.
            logger.warning("account will be retried", metadata: [
                "account": "\(outcome.account)", "failures": "\(failures)", "retry_in": "\(Int(delay.rounded()))s",
                "exit_class": "\(e.exitCode)"])
        }
    }
}

extension SyncRunner.AccountOutcome {
    /// Synced, or synced by another worker (either way due again after the poll interval).
    var isSuccess: Bool {
        if case .success = outcome { return true }
        if heldBy != nil { return true }
        return false
    }

    /// A login the server refused (exit 77): retried no sooner than the policy's floor.
    var isRefusedLogin: Bool {
        if case .failure(let e) = outcome, e.isRefusedLogin { return true }
        return false
    }
}

/// A flag set once, read from any thread.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    func set() {
        lock.lock()
        value = true
        lock.unlock()
    }

    var isSet: Bool {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
}
