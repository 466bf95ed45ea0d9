import Foundation
import Logging
import ServiceLifecycle
import ActivityCore
import ActivityConfig
import ActivityStore
import ActivitySync

/// The daemon's `[digest] send_at`: at or after that moment of each week (ledger time zone) it
/// sends last week's digest to every user who has not had it; the store's `digest_sent` makes
/// that once per user and week across restarts. After a temporary failure it tries again every
/// `retryInterval` (the shortest account poll interval: "the next poll") until everyone has it.
final class DigestScheduler: Service, @unchecked Sendable {
    let config: Config
    let schedule: Config.DigestSchedule
    let logger: Logger
    let credentials: CredentialSource
    let retryInterval: TimeInterval

    init(config: Config, schedule: Config.DigestSchedule, logger: Logger, credentials: CredentialSource) {
        self.config = config
        self.schedule = schedule
        self.logger = logger
        self.credentials = credentials
        retryInterval = max(1, config.accounts.map(\.pollInterval).min() ?? 300)
    }

    func run() async throws {
        let zone = config.timeZone
        logger.info("digest scheduled", metadata: ["send_at": "\(schedule.description)", "timezone": "\(zone.identifier)"])
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let now = Date()
            let current = ISOWeek(containing: now, in: zone)
            let due = schedule.moment(in: current, zone: zone)
            var next: Date
            if now >= due {
                let retry = await sendOnce(week: current.previous, now: now)
                next = retry ? now.addingTimeInterval(retryInterval) : schedule.moment(in: current.next, zone: zone)
            } else {
                next = due
            }
            let wait = max(0.05, next.timeIntervalSinceNow)
            // Wake at least every minute: a clock change or a suspended machine does not delay the digest long.
            try? await cancelWhenGracefulShutdown {
                try await Task.sleep(for: .milliseconds(Int(min(wait, 60) * 1000)))
            }
        }
    }

    /// Sends `week`'s digests on a thread of its own (libcurl and SQLite block); true when someone
    /// is still waiting after a temporary failure.
    private func sendOnce(week: ISOWeek, now: Date) async -> Bool {
        let config = self.config, logger = self.logger, credentials = self.credentials
        return await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let thread = Thread {
                var retry = false
                do {
                    let store = try Store(location: config.store)
                    let sender = DigestSender(config: config, store: store, logger: logger, credentials: credentials)
                    let results = try sender.run(week: week, now: now, force: false, dryRunDirectory: nil)
                    retry = DigestSender.needsRetry(results)
                    let sent = results.filter { if case .sent = $0.outcome { return true } else { return false } }.count
                    if sent > 0 || retry {
                        logger.info("digest run", metadata: ["week": "\(week)", "sent": "\(sent)", "retry": "\(retry)"])
                    }
                } catch {
                    logger.error("digest failed", metadata: ["week": "\(week)", "error": "\((error as? ActivityError)?.message ?? "\(error)")"])
                    retry = true
                }
                continuation.resume(returning: retry)
            }
            thread.name = "digest"
            thread.start()
        }
    }
}
