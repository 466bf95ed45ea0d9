import Foundation
import ActivityCore
import ActivityConfig
import ActivityTransport

/// `config check`'s visits: log in to an account's IMAP or CalDAV server, or to `[mail]`'s SMTP
/// server, and say what is there — folders, the sent folder, signs of a narrowed IMAP view,
/// calendars — without syncing or sending anything. Each visit's outcome is what was found, or
/// the `ActivityError` that says why not (its code is the exit code; `isRefusedLogin` marks a
/// refused login, whose message already carries the host's remedy).
public struct ServerCheck {
    public typealias Outcome = Result<String, ActivityError>

    public let config: Config
    public let credentials: CredentialSource

    public init(config: Config, credentials: CredentialSource) {
        self.config = config
        self.credentials = credentials
    }

    /// Logs in to one account's server and describes it.
    public func account(_ a: Config.Account) -> Outcome {
        Self.outcome {
            switch a.kind {
            case .imap: return try imap(a)
            case .caldav: return try caldav(a)
            }
        }
    }

    /// `[mail]`'s server: connect, EHLO, STARTTLS, AUTH, QUIT; no message is sent.
    public func mail(_ mail: Config.Mail) -> Outcome {
        Self.outcome {
            do {
                return try SMTPSession.check(try Outbox.endpoint(mail, credentials: credentials)) + "; from \(mail.from.address)"
            } catch let f as SMTPFailure {
                throw f.error
            }
        }
    }

    /// `host:port` of `[mail]`'s server, as the messages about it name it.
    public static func server(of mail: Config.Mail) -> String {
        SMTPEndpoint(url: mail.smtpURL, username: nil, credential: .none).server
    }

    /// A failure that is not an `ActivityError` (none is expected) counts as temporary.
    static func outcome(_ visit: () throws -> String) -> Outcome {
        do {
            return .success(try visit())
        } catch let e as ActivityError {
            return .failure(e)
        } catch {
            return .failure(ActivityError(.tempFail, "\(error)"))
        }
    }

    func imap(_ a: Config.Account) throws -> String {
        let c = try IMAPConnection(endpoint: IMAPEndpoint(url: a.url, username: a.username, credential: try credentials.imapCredential(a),
                                                          caFile: a.caFile, account: a.id, timeout: min(a.timeout, 20),
                                                          provider: a.provider))
        defer { try? c.logout() }
        return try imap(a, over: c)
    }

    /// What `config check` says of an IMAP account, over a logged-in session: a live
    /// connection, or a replayed one (the tests).
    func imap(_ a: Config.Account, over c: any IMAPSession) throws -> String {
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
        notes += try UnderCounting.check(session: c, folders: resolution.found, sent: sent, account: a, config: config)
        return "\(how); \(folders.count) folders; sent folder: \(sent?.name ?? "none")" + notes.map { "; " + $0 }.joined()
    }

    func caldav(_ a: Config.Account) throws -> String {
        let credential = try credentials.calDAVCredential(a)
        let client = try CalDAVClient(endpoint: CalDAVEndpoint(url: a.url, username: a.username, password: credential.password,
                                                               caFile: a.caFile, account: a.id, timeout: min(a.timeout, 20),
                                                               bearerToken: credential.bearerToken))
        return try caldav(a, over: client)
    }

    /// What `config check` says of a CalDAV account, over a session: a live client, or one
    /// answering from recorded exchanges (the tests).
    func caldav(_ a: Config.Account, over client: any CalendarSession) throws -> String {
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
