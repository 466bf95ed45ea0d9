import ArgumentParser
import Foundation
import ActivityCore
import ActivityConfig
import ActivityStore
import ActivitySync

/// `activity sync`: one pass over every account (or those named), then the ledger is re-derived
/// for the reps that gained items.
struct SyncCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Fetch new mail and events from every account once, and update the ledger.")

    @OptionGroup var global: GlobalOptions

    @Flag(name: .long, help: "One pass, then exit (the default; `activity daemon` polls forever).")
    var once = false

    @Option(name: .long, help: ArgumentHelp("Sync only this account (repeatable).", valueName: "ID"))
    var account: [String] = []

    @Option(name: .long, help: "Progress bar on stderr: auto (only on a terminal), always, never.")
    var progress: ProgressMode = .auto

    @Option(name: .long, help: ArgumentHelp("Accounts synced at once, each on its own connections (a rep's mail accounts one after the other).", valueName: "N"))
    var jobs = 4

    func validate() throws {
        guard (1...64).contains(jobs) else { throw ValidationError("--jobs must be between 1 and 64") }
    }

    func run() throws {
        let runtime = try Runtime.load(global)
        let config = runtime.config
        for id in account where config.account(id) == nil {
            throw ActivityError(.usage, "--account \(id): no such account in \(config.file) (accounts: \(config.accounts.map(\.id).joined(separator: ", ")))")
        }
        let accounts = account.isEmpty ? config.accounts : config.accounts.filter { account.contains($0.id) }
        let lock = try StoreLock.forSync(of: config.store, command: "sync")
        defer { lock?.release() }
        let store = try Store(location: config.store)
        var runner = SyncRunner(config: config, store: store, logger: runtime.logger,
                                suffixes: try Derivation.loadSuffixes())
        runner.jobs = jobs
        let reporter = ProgressReporter(mode: progress)
        let outcome = runner.runOnce(accounts: accounts, progress: reporter.update)
        reporter.finish()
        var table = TextTable(header: ["account", "result", "new", "detail"], rightAligned: [2])
        for r in outcome.results {
            switch r.outcome {
            case .success(let s):
                table.add([r.account, "ok", String(s.newItems), s.folders.joined(separator: ", ")])
            case .failure where r.heldBy != nil:
                table.add([r.account, "skipped", "0", "synced by \(r.heldBy!) (another worker sharing the store)"])
            case .failure(let e):
                table.add([r.account, "failed", "0", e.message])
            }
        }
        printOut(table.render())
        if let worst = outcome.worst {
            throw ExitCode(worst.exitCode)
        }
    }
}
