import Foundation
import Logging
import ActivityCore
import ActivityConfig
import ActivityStore

/// What every command needs: the configuration, the store path, a logger.
struct Runtime {
    let config: Config
    let configFound: Bool
    let logger: Logger

    /// Loads the configuration. `required` false lets commands such as `explain FILE` run without one.
    /// `defaultLevel`: the log level when neither -v nor ACTIVITY_LOG says (info for the daemon).
    static func load(_ options: GlobalOptions, parent: GlobalOptions? = nil, required: Bool = true,
                     defaultLevel: Logger.Level = .warning) throws -> Runtime {
        let configPath = options.config ?? parent?.config
        let verbose = options.verbose || (parent?.verbose ?? false)
        Logging.bootstrapOnce(verbose: verbose, defaultLevel: defaultLevel)
        var logger = Logger(label: "activity")
        logger.logLevel = verbose ? .debug : Logging.levelFromEnvironment(default: defaultLevel)
        var config: Config
        var found = false
        if let path = Config.locate(explicit: configPath) {
            config = try Config.load(path: path)
            found = true
        } else if required {
            throw ActivityError(.config, "no configuration file: pass --config PATH, set ACTIVITY_CONFIG, or create ./activity.toml (see Config/activity.example.toml)")
        } else {
            config = .empty()
        }
        if let store = options.store ?? parent?.store {
            config.store = try Config.storeLocation(fromURL: store)
        }
        return Runtime(config: config, configFound: found, logger: logger)
    }
}

extension Runtime {
    /// The commands that read a ledger refuse a store that does not exist yet (exit 66), in one place.
    func requireExistingStore() throws {
        guard Store.mayExist(config.store) else {
            throw ActivityError(.noInput, "store \(config.store) does not exist yet; run `activity sync` first")
        }
    }
}

enum Logging {
    nonisolated(unsafe) private static var done = false

    static func bootstrapOnce(verbose: Bool, defaultLevel: Logger.Level = .warning) {
        guard !done else { return }
        done = true
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = verbose ? .debug : levelFromEnvironment(default: defaultLevel)
            return h
        }
    }

    /// `ACTIVITY_LOG=debug|info|notice|warning|error`; warnings by default for interactive
    /// commands, info for the daemon.
    static func levelFromEnvironment(default level: Logger.Level = .warning) -> Logger.Level {
        ProcessInfo.processInfo.environment["ACTIVITY_LOG"].flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? level
    }
}
