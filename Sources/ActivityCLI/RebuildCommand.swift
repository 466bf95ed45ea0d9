import ArgumentParser
import Foundation
import ActivityCore
import ActivityStore
import ActivitySync

/// `activity rebuild`: re-derive every activity from stored items, without the servers.
struct RebuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Re-derive every activity from the stored items (after a change of rules or config).")

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("Reps re-derived at once.", valueName: "N"))
    var jobs = 4

    func run() throws {
        guard (1...64).contains(jobs) else { throw ValidationError("--jobs must be between 1 and 64") }
        let runtime = try Runtime.load(global)
        let config = runtime.config
        try runtime.requireExistingStore()
        // A daemon would re-derive with the rules it read at its start: stop it first.
        let lock = try StoreLock.forSync(of: config.store, command: "rebuild")
        defer { lock?.release() }
        let store = try Store(location: config.store)
        let derivation = Derivation(config: config, suffixes: try Derivation.loadSuffixes())
        var table = TextTable(header: ["rep", "items", "activities"], rightAligned: [1, 2])
        // The mail is read again from its stored headers: a fix to MIME decoding or a change of
        // the date rule (DOMAIN.md "Time and weeks") reaches mail stored long ago.
        for rep in config.reps { try store.reparseMail(rep: rep.id) }
        let counts = try derivation.rederiveAll(config.reps, store: store, jobs: jobs, now: Date())
        for (rep, n) in zip(config.reps, counts) {
            table.add([rep.id, String(try store.mailCount(rep: rep.id)), String(n)])
        }
        printOut(table.render())
    }
}
