import Foundation
import Logging
import ActivityCore
import ActivityConfig
import ActivityStore

/// One pass over a set of accounts: each is synced on its own, a failing account is recorded
/// and does not stop the others, and the ledger is re-derived for the reps that gained items.
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
    }

    public struct Outcome: Sendable {
        public var results: [AccountOutcome]
        /// The worst failure, which decides the exit code.
        public var worst: ActivityError?
    }

    public func runOnce(accounts: [Config.Account], progress: ((String, String, Int, Int) -> Void)? = nil) -> Outcome {
        var results: [AccountOutcome] = []
        var worst: ActivityError? = nil
        var touchedReps: Set<String> = []
        for account in accounts {
            let started = Date()
            try? store.recordAttempt(account: account.id, at: started)
            do {
                let result = try sync(account, progress: progress)
                try store.recordSuccess(account: account.id, at: Date(), newItems: result.newItems)
                if result.newItems > 0 { touchedReps.insert(account.rep) }
                results.append(AccountOutcome(account: account.id, outcome: .success(result)))
            } catch is SyncInterrupted {
                // Neither a success (the account is not caught up) nor a failure of the account.
                logger.notice("sync interrupted by shutdown; the next run resumes from the last commit",
                              metadata: ["account": "\(account.id)"])
                touchedReps.insert(account.rep)
                let e = ActivityError(.tempFail, "account \(account.id): interrupted by shutdown; the next run resumes where it stopped")
                results.append(AccountOutcome(account: account.id, outcome: .failure(e), interrupted: true))
            } catch {
                let e = SyncRunner.activityError(error, account: account)
                logger.error("sync failed", metadata: ["account": "\(account.id)", "error": "\(e.message)"])
                try? store.recordFailure(account: account.id, at: Date(), message: e.message)
                results.append(AccountOutcome(account: account.id, outcome: .failure(e)))
                worst = ActivityError.worst(worst, e)
            }
        }
        // Re-derive even for reps whose activities may be missing (a first run over an existing store).
        let syncedReps = Set(accounts.map(\.rep))
        for rep in config.reps where touchedReps.contains(rep.id) || (syncedReps.contains(rep.id) && (try? store.activityCount()) == 0) {
            do {
                try derivation.rederive(rep: rep, store: store, now: Date())
            } catch {
                let e = SyncRunner.activityError(error, account: nil)
                logger.error("ledger update failed", metadata: ["rep": "\(rep.id)", "error": "\(e.message)"])
                worst = ActivityError.worst(worst, e)
            }
        }
        return Outcome(results: results, worst: worst)
    }

    func sync(_ account: Config.Account, progress: ((String, String, Int, Int) -> Void)?) throws -> AccountSyncResult {
        switch account.kind {
        case .imap:
            var mail = MailSync(store: store, config: config, logger: logger)
            mail.shouldStop = shouldStop
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
            var calendar = CalendarSync(store: store, logger: logger)
            calendar.shouldStop = shouldStop
            return try calendar.sync(account: account, password: password)
        }
    }

    /// The message of any error, as an `ActivityError` naming the account.
    public static func activityError(_ error: Error, account: Config.Account?) -> ActivityError {
        if let e = error as? ActivityError { return e }
        let prefix = account.map { "account \($0.id): " } ?? ""
        return ActivityError(.software, prefix + "\(error)")
    }
}

/// A sync stopped at a transaction boundary because the daemon is shutting down.
public struct SyncInterrupted: Error, Sendable {
    public init() {}
}
