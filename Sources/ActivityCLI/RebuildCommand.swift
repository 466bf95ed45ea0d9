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

    /// CPU time of the process so far (every thread), in seconds.
    static func cpuSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    func validate() throws {
        guard (1...64).contains(jobs) else { throw ValidationError("--jobs must be between 1 and 64") }
    }

    func run() throws {
        let runtime = try Runtime.load(global)
        let config = runtime.config
        try runtime.requireExistingStore()
        // A daemon would re-derive with the rules it read at its start: stop it first.
        let lock = try StoreLock.forSync(of: config.store, command: "rebuild")
        defer { lock?.release() }
        let store = try Store(location: config.store)
        let derivation = Derivation(config: config, suffixes: try Derivation.loadSuffixes())
        var table = TextTable(header: ["rep", "items", "activities"], rightAligned: [1, 2])
        // Timed in process (bench/run reads it with ACTIVITY_LOG=info): the process's start,
        // config and Public Suffix List are not the rebuild.
        let started = DispatchTime.now().uptimeNanoseconds, startedCPU = RebuildCommand.cpuSeconds()
        // The mail is read again from its stored headers: a fix to MIME decoding or a change of
        // the date rule (DOMAIN.md "Time and weeks") reaches mail stored long ago; each rep's by
        // the worker that then derives it (reps in parallel, up to --jobs).
        let counts = try derivation.rederiveAll(config.reps, store: store, jobs: jobs, now: Date(), rereadMail: true)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let cpu = RebuildCommand.cpuSeconds() - startedCPU
        var items = 0
        for (rep, n) in zip(config.reps, counts) {
            let mails = try store.mailCount(rep: rep.id)
            items += mails
            table.add([rep.id, String(mails), String(n)])
        }
        items += try store.calendarObjectCount()
        // CPU time too (of every thread): on a shared machine the wall clock mostly measures the others.
        runtime.logger.info("rebuild: \(items) items (mails and calendar objects) in \(String(format: "%.3f", seconds)) s, \(Int(Double(items) / max(seconds, 1e-9))) items/s; cpu \(String(format: "%.3f", cpu)) s, \(Int(Double(items) / max(cpu, 1e-9))) items/cpu-s")
        printOut(table.render())
    }
}
