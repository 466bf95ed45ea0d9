import ArgumentParser
import Foundation
import ActivityCore
import ActivityConfig
import ActivityTransport

/// `activity config check`: validate the config and reach every account.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check the configuration.",
        subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Validate the config, log in to every account and list its folders; report per account.")

        @OptionGroup var global: GlobalOptions

        func run() throws {
            let runtime = try Runtime.load(global)
            let config = runtime.config
            printOut("\(config.file): valid (\(config.reps.count) reps, \(config.teams.count) teams, \(config.accounts.count) accounts)\n")
            var worst: ActivityError? = nil
            var table = TextTable(header: ["account", "kind", "server", "result"])
            for a in config.accounts {
                do {
                    let detail = try check(a)
                    table.add([a.id, a.kind.rawValue, Config.serverName(a.url), "ok: " + detail])
                } catch let e as ActivityError {
                    table.add([a.id, a.kind.rawValue, Config.serverName(a.url), "failed: " + e.message])
                    worst = ActivityError.worst(worst, e)
                } catch {
                    table.add([a.id, a.kind.rawValue, Config.serverName(a.url), "failed: \(error)"])
                    worst = ActivityError.worst(worst, ActivityError(.tempFail, "\(error)"))
                }
            }
            printOut(table.render())
            if let worst { throw ExitCode(worst.exitCode) }
        }

        func check(_ a: Config.Account) throws -> String {
            let password = try SecretResolver.resolve(a)
            switch a.kind {
            case .imap:
                let c = try IMAPConnection(endpoint: IMAPEndpoint(url: a.url, username: a.username, credential: .password(password),
                                                                  caFile: a.caFile, account: a.id, timeout: min(a.timeout, 20)))
                defer { try? c.logout() }
                let folders = try c.listFolders()
                let sent = folders.first { $0.attributes.contains("\\SENT") }?.name ?? "none flagged \\Sent"
                return "logged in; \(folders.count) folders; sent folder: \(sent)"
            case .caldav:
                let client = try CalDAVClient(endpoint: CalDAVEndpoint(url: a.url, username: a.username, password: password,
                                                                       caFile: a.caFile, account: a.id, timeout: min(a.timeout, 20)))
                let calendars = try client.discoverCalendars()
                let names = calendars.map { $0.displayName ?? $0.url }.joined(separator: ", ")
                return "logged in; \(calendars.count) calendars\(calendars.isEmpty ? "" : ": " + names)"
            }
        }
    }
}
