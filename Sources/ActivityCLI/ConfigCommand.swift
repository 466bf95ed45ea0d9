import ArgumentParser
import Foundation
import ActivityCore
import ActivityConfig
import ActivitySync
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
            let credentials = CredentialSource(logger: runtime.logger)
            for a in config.accounts {
                do {
                    let detail = try check(a, credentials: credentials, config: config)
                    table.add([a.id, a.kind.rawValue, Config.serverName(a.url), "ok: " + detail])
                } catch let e as ActivityError {
                    // A preset's settings checklist, unless the message already gives the host's remedy.
                    let preset = a.provider.flatMap(ProviderPreset.named)
                    let hint = preset.map { e.message.contains("login refused") ? "" : " (\($0.name) needs: \($0.hint))" } ?? ""
                    table.add([a.id, a.kind.rawValue, Config.serverName(a.url), "failed: " + e.message + hint])
                    worst = ActivityError.worst(worst, e)
                } catch {
                    table.add([a.id, a.kind.rawValue, Config.serverName(a.url), "failed: \(error)"])
                    worst = ActivityError.worst(worst, ActivityError(.tempFail, "\(error)"))
                }
            }
            if let mail = config.mail {
                // The digest's mail server: connect, EHLO, STARTTLS, AUTH, QUIT; no message is sent.
                let server = SMTPEndpoint(url: mail.smtpURL, username: nil, credential: .none).server
                do {
                    let endpoint = try DigestSender.smtpEndpoint(mail, credentials: credentials)
                    table.add(["[mail]", "smtp", server, "ok: " + (try SMTPSession.check(endpoint)) + "; from \(mail.from.address)"])
                } catch let f as SMTPFailure {
                    table.add(["[mail]", "smtp", server, "failed: " + f.error.message])
                    worst = ActivityError.worst(worst, f.error)
                } catch let e as ActivityError {
                    table.add(["[mail]", "smtp", server, "failed: " + e.message])
                    worst = ActivityError.worst(worst, e)
                }
            }
            printOut(table.render())
            if let worst { throw ExitCode(worst.exitCode) }
        }

        func check(_ a: Config.Account, credentials: CredentialSource, config: Config) throws -> String {
            switch a.kind {
            case .imap:
                let c = try IMAPConnection(endpoint: IMAPEndpoint(url: a.url, username: a.username, credential: try credentials.imapCredential(a),
                                                                  caFile: a.caFile, account: a.id, timeout: min(a.timeout, 20),
                                                                  provider: a.provider))
                defer { try? c.logout() }
                let folders = try c.listFolders()
                let namespace = try c.personalNamespace()
                let resolution = FolderDiscovery.resolve(a.folders, among: folders, namespace: namespace)
                let how = a.oauth2 == nil ? "logged in" : "logged in with OAuth 2.0"
                var notes: [String] = []
                if !resolution.missing.isEmpty {
                    throw ActivityError(.config, "account \(a.id): \(c.endpoint.server) has no folder \(resolution.missing.map { "\"\($0)\"" }.joined(separator: ", ")); fix folders in the config (the server has: \(FolderDiscovery.describe(folders)))")
                }
                let sent = FolderDiscovery.sent(among: folders, namespace: namespace)
                if sent == nil {
                    notes.append("warning: no sent folder found (none flagged \\Sent, none named Sent, Sent Messages, Sent Items, 已发送…); the server has: \(FolderDiscovery.describe(folders)); name the sent folder in this account's folders, or switch on 保存已发送邮件到服务器 (save sent mail on the server) in webmail")
                }
                notes += try UnderCounting.check(connection: c, folders: resolution.found, sent: sent, account: a, config: config)
                return "\(how); \(folders.count) folders; sent folder: \(sent?.name ?? "none")" + notes.map { "; " + $0 }.joined()
            case .caldav:
                let credential = try credentials.calDAVCredential(a)
                let client = try CalDAVClient(endpoint: CalDAVEndpoint(url: a.url, username: a.username, password: credential.password,
                                                                       caFile: a.caFile, account: a.id, timeout: min(a.timeout, 20),
                                                                       bearerToken: credential.bearerToken))
                let all = try client.discoverCalendars()
                guard !all.isEmpty else {
                    throw ActivityError(.config, "account \(a.id): \(Config.serverName(a.url)) has no calendar with events under the url; point url at a principal, calendar home or calendar")
                }
                let chosen = try CalendarSync.selectCalendars(all, account: a)
                let names = chosen.map(\.shownName)
                let sync = chosen.allSatisfy(\.supportsSyncCollection) ? "sync-collection" : "etag listing"
                return "logged in; \(chosen.count) of \(all.count) calendars: \(names.joined(separator: ", ")) (\(sync))"
            }
        }
    }
}
