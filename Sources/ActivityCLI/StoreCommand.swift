import ArgumentParser
import Foundation
import ActivityCore
import ActivityConfig
import ActivityStore

/// `activity store`: operations on a whole store.
struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Operations on a whole store (copy between SQLite and PostgreSQL).",
        subcommands: [StoreCopyCommand.self])
}

/// `activity store copy --from URL --to URL`: the ledger into an empty store of either engine,
/// then every table compared.
struct StoreCopyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy the whole ledger into an empty store (SQLite <-> PostgreSQL) and verify every table.",
        discussion: """
            Example: activity store copy --from sqlite:activity.db --to postgres://activity@db/activity
            The source is read from one snapshot, so a daemon may keep syncing into it; the target is \
            written in one transaction and must hold no ledger (exit 73 otherwise). PostgreSQL passwords \
            come from PGPASSWORD or ~/.pgpass, as for psql. A relative SQLite path is relative to the \
            working directory.
            """)

    @Option(name: .long, help: ArgumentHelp("The store to copy (sqlite:PATH or postgres://USER@HOST:PORT/DB).", valueName: "URL"))
    var from: String

    @Option(name: .long, help: ArgumentHelp("The empty store to copy into.", valueName: "URL"))
    var to: String

    /// The two stores the options name.
    func locations() throws -> (source: StoreLocation, target: StoreLocation) {
        (try Config.storeLocation(fromURL: from, option: "--from"), try Config.storeLocation(fromURL: to, option: "--to"))
    }

    func validate() throws {
        do {
            let (source, target) = try locations()
            guard source != target else { throw ValidationError("--from and --to name the same store (\(source))") }
        } catch let e as ActivityError {
            throw ValidationError(e.message)
        }
    }

    func run() throws {
        let (source, target) = try locations()
        guard Store.mayExist(source) else { throw ActivityError(.noInput, "--from \(source): no such store") }
        let report = try Store(location: source).copy(into: try Store(location: target))
        var table = TextTable(header: ["table", "rows"], rightAligned: [1])
        for (name, count) in report.rows { table.add([name, String(count)]) }
        printOut(table.render() + "copied \(source) to \(target); every table compared equal\n")
    }
}
