import ArgumentParser
import Foundation
import ActivityCore
import ActivityConfig
import ActivitySync

/// `activity config check`: validate the config and reach every account.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check the configuration.",
        subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Validate the config, log in to every account and list its folders or calendars, log in to the [mail] server; report per account.")

        @OptionGroup var global: GlobalOptions

        func run() throws {
            let runtime = try Runtime.load(global)
            let config = runtime.config
            printOut("\(config.file): valid (\(config.reps.count) reps, \(config.teams.count) teams, \(config.accounts.count) accounts)\n")
            // The stage model the reports will speak, so that a [[flow]] can be checked by eye.
            let flow = config.flow
            printOut("flow \(flow.id) (\(flow.name)): " + flow.steps.map { s in
                "\(s.number) \(s.name) [" + (s.kinds.map(\.rawValue) + s.keywords.keys.sorted().map { "\($0.rawValue) titled \(s.keywords[$0]!.joined(separator: "/"))" }).joined(separator: ", ") + "]"
            }.joined(separator: " → ") + "\n")
            var worst: ActivityError? = nil
            var table = TextTable(header: ["account", "kind", "server", "result"])
            // The visits themselves are Sync's; this command only tabulates their outcomes.
            let check = ServerCheck(config: config, credentials: CredentialSource(logger: runtime.logger))
            for a in config.accounts {
                switch check.account(a) {
                case .success(let detail):
                    table.add([a.id, a.kind.rawValue, Config.serverName(a.url), "ok: " + detail])
                case .failure(let e):
                    // A preset's settings checklist, unless the error is a refused login, whose
                    // message already gives the host's remedy.
                    let preset = a.provider.flatMap(ProviderPreset.named)
                    let hint = preset.map { e.isRefusedLogin ? "" : " (\($0.name) needs: \($0.hint))" } ?? ""
                    table.add([a.id, a.kind.rawValue, Config.serverName(a.url), "failed: " + e.message + hint])
                    worst = ActivityError.worst(worst, e)
                }
            }
            if let mail = config.mail {
                let server = ServerCheck.server(of: mail)
                switch check.mail(mail) {
                case .success(let detail):
                    table.add(["[mail]", "smtp", server, "ok: " + detail])
                case .failure(let e):
                    table.add(["[mail]", "smtp", server, "failed: " + e.message])
                    worst = ActivityError.worst(worst, e)
                }
            }
            printOut(table.render())
            if let worst { throw ExitCode(worst.exitCode) }
        }
    }
}
