import ArgumentParser
import Foundation
import Logging
import ActivityCore

/// `activity`: the root command lists the subcommands; each lives in its own file.
public struct ActivityCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "activity",
        abstract: "Turns a sales team's mail and calendars into a weekly activity ledger.",
        discussion: """
            Config: --config PATH, else $ACTIVITY_CONFIG, else ./activity.toml, else /etc/activity/activity.toml.
            Exit status follows sysexits(3): 64 usage, 65 bad input file, 66 missing file, 69 server unreachable,
            73 store copy target not empty, 75 temporary failure, 77 permission or login refused, 78 configuration error.
            See activity(1).
            """,
        version: ActivityVersion.string,
        subcommands: [SyncCommand.self, DaemonCommand.self, StatusCommand.self, WeekCommand.self, PipelineCommand.self, ExportCommand.self, ExplainCommand.self, RebuildCommand.self,
                      IcsCommand.self, ConfigCommand.self, StoreCommand.self, DigestCommand.self, ServeCommand.self, UserCommand.self, AdjustCommand.self])

    @OptionGroup public var global: GlobalOptions

    public init() {}
}

public enum ActivityVersion {
    public static let string = "0.1.0"
}

/// Options every command takes, before or after the command name.
public struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The configuration file.", valueName: "PATH"))
    public var config: String?

    @Option(name: .long, help: ArgumentHelp("The store, overriding ledger.store (sqlite:PATH or postgres://USER@HOST:PORT/DB).", valueName: "URL"))
    public var store: String?

    @Flag(name: [.short, .long], help: "Log more on stderr (debug level).")
    public var verbose = false

    public init() {}
}

/// Runs the command line and exits with the code INTERFACE.md documents.
public enum ActivityMain {
    public static func main(_ arguments: [String]? = nil) -> Never {
        // Before any thread exists; the daemon re-blocks what it takes itself (see TerminationSignals.swift).
        TerminationSignals.unblock()
        do {
            var command = try ActivityCommand.parseAsRoot(arguments)
            try command.run()
            exit(0)
        } catch let e as ActivityError {
            FileHandle.standardError.write(Data("activity: \(e.message)\n".utf8))
            exit(e.exitCode)
        } catch let e as ExitCode {
            exit(e.rawValue)
        } catch {
            // Argument errors, --help and --version: ArgumentParser prints them; usage errors exit 64.
            let code = ActivityCommand.exitCode(for: error)
            if code == .validationFailure || code.rawValue == 64 {
                FileHandle.standardError.write(Data((ActivityCommand.fullMessage(for: error) + "\n").utf8))
                exit(64)
            }
            ActivityCommand.exit(withError: error)
        }
    }
}

func printOut(_ s: String) {
    FileHandle.standardOutput.write(Data(s.utf8))
}
