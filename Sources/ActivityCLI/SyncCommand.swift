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

    func run() throws {
        guard (1...64).contains(jobs) else { throw ValidationError("--jobs must be between 1 and 64") }
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

enum ProgressMode: String, ExpressibleByArgument, CaseIterable {
    case auto, always, never
}

/// A one-line progress bar on stderr: folder, messages done of total, rate. Only on a terminal
/// unless asked for. Reps sync on several threads: the line shows whichever spoke last.
final class ProgressReporter: @unchecked Sendable {
    let enabled: Bool
    private let lock = NSLock()
    private var last = Date.distantPast
    private var started = Date()
    private var shown = false
    private var lastFolder = ""

    init(mode: ProgressMode) {
        switch mode {
        case .always: enabled = true
        case .never: enabled = false
        case .auto: enabled = isatty(2) != 0
        }
    }

    func update(account: String, folder: String, done: Int, total: Int) {
        guard enabled else { return }
        lock.withLock { show(account: account, folder: folder, done: done, total: total) }
    }

    private func show(account: String, folder: String, done: Int, total: Int) {
        let now = Date()
        if folder != lastFolder { started = now; lastFolder = folder }
        guard now.timeIntervalSince(last) > 0.1 || done == total else { return }
        last = now
        let rate = Double(done) / max(0.001, now.timeIntervalSince(started))
        let width = 24
        let filled = total > 0 ? min(width, width * done / total) : 0
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let line = "\r\(account) \(folder) [\(bar)] \(done)/\(total) \(Int(rate))/s"
        FileHandle.standardError.write(Data((line + "\u{1B}[K").utf8))
        shown = true
    }

    func finish() {
        if shown { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
