import Foundation
import Logging
import ActivityCore
import ActivityConfig
import ActivityStore

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
    public let derivation: Derivation
    /// Asked between transactions: true stops the sync of an account there (what it committed
    /// stays; the next run resumes from its checkpoint). The daemon's graceful shutdown.
    public var shouldStop: (@Sendable () -> Bool)? = nil
    /// Passwords and OAuth 2.0 tokens (the daemon shares one cache between its syncs).
    public var credentials = CredentialSource()
    public var retry: RetryPolicy = .standard

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
    }

    public struct Outcome: Sendable {
        public var results: [AccountOutcome]
        /// The worst failure, which decides the exit code.
        public var worst: ActivityError?
        /// Reps whose ledger was re-derived.
        public var derived: [String] = []
    }

    public func runOnce(accounts: [Config.Account], progress: ((String, String, Int, Int) -> Void)? = nil) -> Outcome {
        var results: [AccountOutcome] = []
        var worst: ActivityError? = nil
        for account in accounts {
            try? store.recordAttempt(account: account.id, at: Date())
            var attempt = 1
            while true {
                do {
                    let result = try sync(account, progress: progress)
                    try store.recordSuccess(account: account.id, at: Date(), newItems: result.newItems)
                    results.append(AccountOutcome(account: account.id, outcome: .success(result), attempts: attempt))
                    break
                } catch is SyncInterrupted {
                    // Neither a success (the account is not caught up) nor a failure of the account.
                    logger.notice("sync interrupted by shutdown; the next run resumes from the last commit",
                                  metadata: ["account": "\(account.id)"])
                    let e = ActivityError(.tempFail, "account \(account.id): interrupted by shutdown; the next run resumes where it stopped")
                    results.append(AccountOutcome(account: account.id, outcome: .failure(e), interrupted: true, attempts: attempt))
                    break
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
                    let final = attempt > 1 && e.isTransient
                        ? ActivityError(e.code, e.message + " (after \(attempt) tries)") : e
                    logger.error("sync failed", metadata: ["account": "\(account.id)", "error": "\(final.message)"])
                    try? store.recordFailure(account: account.id, at: Date(), message: final.message)
                    results.append(AccountOutcome(account: account.id, outcome: .failure(final), attempts: attempt))
                    worst = ActivityError.worst(worst, final)
                    break
                }
            }
        }
        CrashPoint.reach("sync.accounts-done")
        // Every stale rep, whichever accounts ran: items stored by an account that failed half
        // way count too, and a derivation a crash interrupted is redone.
        var derived: [String] = []
        do {
            let stale = Set(try store.staleReps(config.reps.map(\.id)))
            for rep in config.reps where stale.contains(rep.id) {
                do {
                    try derivation.rederive(rep: rep, store: store, now: Date())
                    derived.append(rep.id)
                } catch is DerivationSuperseded {
                    logger.info("ledger already updated by another process", metadata: ["rep": "\(rep.id)"])
                } catch {
                    let e = SyncRunner.activityError(error, account: nil)
                    logger.error("ledger update failed", metadata: ["rep": "\(rep.id)", "error": "\(e.message)"])
                    worst = ActivityError.worst(worst, e)
                }
            }
        } catch {
            worst = ActivityError.worst(worst, SyncRunner.activityError(error, account: nil))
        }
        return Outcome(results: results, worst: worst, derived: derived)
    }

    func sync(_ account: Config.Account, progress: ((String, String, Int, Int) -> Void)?) throws -> AccountSyncResult {
        switch account.kind {
        case .imap:
            var mail = MailSync(store: store, config: config, logger: logger)
            mail.shouldStop = shouldStop
            mail.window = derivation.window(now: Date())
            if let rep = config.rep(account.rep) { mail.floatingZone = config.profile(rep).timeZone }
            if let progress { mail.progress = { folder, done, total in progress(account.id, folder, done, total) } }
            let cached = account.oauth2 != nil && credentials.hasCachedToken(account)
            do {
                return try mail.sync(account: account, credential: try credentials.imapCredential(account))
            } catch let e as ActivityError where e.code == .noPermission && cached {
                // A cached token can be revoked before it expires: one more try with a new one.
                logger.notice("cached access token refused; fetching a new one", metadata: ["account": "\(account.id)"])
                return try mail.sync(account: account, credential: try credentials.imapCredential(account, fresh: true))
            }
        case .caldav:
            let password = try credentials.password(account)
            var calendars = CalendarSync(store: store, logger: logger)
            calendars.shouldStop = shouldStop
            calendars.window = derivation.window(now: Date())
            if let rep = config.rep(account.rep) { calendars.floatingZone = config.profile(rep).timeZone }
            return try calendars.sync(account: account, password: password)
        }
    }

    /// The message of any error, as an `ActivityError` naming the account.
    public static func activityError(_ error: Error, account: Config.Account?) -> ActivityError {
        if var e = error as? ActivityError {
            // A refused login with a secret from a command: usually an access token that expired.
            if e.code == .noPermission, let account, case .command = account.secret,
               e.message.contains("login") || e.message.contains("401") {
                e.message += "; this account's password_command may print an access token that has expired or been revoked"
            }
            return e
        }
        let prefix = account.map { "account \($0.id): " } ?? ""
        return ActivityError(.software, prefix + "\(error)")
    }
}

/// A sync stopped at a transaction boundary because the daemon is shutting down.
public struct SyncInterrupted: Error, Sendable {
    public init() {}
}
