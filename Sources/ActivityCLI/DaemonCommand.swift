import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import ActivityCore
import ActivityConfig
import ActivityStore
import ActivitySync

/// `activity daemon`: polls every account forever, each on its own `poll_interval`; SIGTERM or
/// SIGINT finishes the syncs in hand and exits 0. Holds the store's lock for its whole life.
struct DaemonCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "Poll every account forever; SIGTERM or SIGINT finishes the syncs in hand and exits 0.",
        discussion: """
            Each account is polled on its own poll_interval, with jitter; after failures an account waits \
            twice as long each time, up to an hour, while the others go on. With [digest] send_at it also \
            mails last week's digest at that time, once per user and week. Logs go to stderr, at info \
            unless -v or ACTIVITY_LOG says otherwise. Exits 75 if another sync or daemon holds the store.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("Poll only this account (repeatable).", valueName: "ID"))
    var account: [String] = []

    @Option(name: .long, help: ArgumentHelp("Accounts synced at the same time.", valueName: "N"))
    var jobs = 4

    @Option(name: .long, help: ArgumentHelp("How long a shutdown waits for the syncs in hand before it leaves them (they resume from their last commit).", valueName: "DURATION"))
    var shutdownGrace = "10s"

    func validate() throws {
        guard (1...64).contains(jobs) else { throw ValidationError("--jobs must be between 1 and 64") }
        guard let g = Config.parseDuration(shutdownGrace), g >= 0 else {
            throw ValidationError("--shutdown-grace \(shutdownGrace) is not a duration (write 10s or 1m)")
        }
    }

    func run() throws {
        // First, before any thread exists: the signals service-lifecycle waits for.
        TerminationSignals.blockForDaemon()
        let runtime = try Runtime.load(global, defaultLevel: .info)
        let config = runtime.config
        for id in account where config.account(id) == nil {
            throw ActivityError(.usage, "--account \(id): no such account in \(config.file) (accounts: \(config.accounts.map(\.id).joined(separator: ", ")))")
        }
        let accounts = account.isEmpty ? config.accounts : config.accounts.filter { account.contains($0.id) }
        guard !accounts.isEmpty else {
            throw ActivityError(.config, "\(config.file): no [[account]] to poll; add one (see activity.toml(5))")
        }
        let lock = try StoreLock.forSync(of: config.store, command: "daemon")
        defer { lock?.release() }
        // Open (and migrate) the store once up front, so that a store that cannot be opened
        // fails the start rather than every poll.
        _ = try Store(location: config.store)
        let credentials = CredentialSource(logger: runtime.logger)
        let daemon = SyncDaemon(config: config, accounts: accounts, jobs: jobs, logger: runtime.logger,
                                suffixes: try Derivation.loadSuffixes(), credentials: credentials)
        var services: [any Service] = [daemon]
        // [digest] send_at: last week's digest, once per user and week (DigestScheduler).
        if let schedule = config.digestSchedule {
            if config.mail == nil {
                throw ActivityError(.config, "\(config.file): [digest] send_at needs a [mail] section (smtp_url, from) to send through")
            }
            services.append(DigestScheduler(config: config, schedule: schedule, logger: runtime.logger, credentials: credentials))
        }
        var groupConfig = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint],
                                                    logger: runtime.logger)
        let grace = Config.parseDuration(shutdownGrace) ?? 10
        groupConfig.maximumGracefulShutdownDuration = .milliseconds(Int(grace * 1000))
        let group = ServiceGroup(configuration: groupConfig)
        try runBlocking { try await group.run() }
    }
}
