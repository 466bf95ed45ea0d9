import ArgumentParser
import Foundation
import ActivityCore
import ActivityConfig

/// `--rep ID`... or `--all` (the default): which reps a report shows.
struct RepSelection: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Show this rep (repeatable).", valueName: "ID"))
    var rep: [String] = []

    @Flag(name: .long, help: "Show every rep (the default when no --rep is given).")
    var all = false

    func validate() throws {
        if all && !rep.isEmpty { throw ValidationError("give --rep or --all, not both") }
    }

    /// The chosen reps in the config's order; an unknown id is a usage error naming the reps there are.
    func chosen(in config: Config) throws -> [Config.Rep] {
        for id in rep where config.rep(id) == nil {
            throw ActivityError(.usage, "--rep \(id): no such rep in \(config.file) (reps: \(config.reps.map(\.id).joined(separator: ", ")))")
        }
        return rep.isEmpty ? config.reps : config.reps.filter { rep.contains($0.id) }
    }
}
