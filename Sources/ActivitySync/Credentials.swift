import Foundation
import Logging
import ActivityCore
import ActivityConfig
import ActivityTransport

/// Where accounts' credentials come from: passwords through `SecretResolver`, OAuth 2.0 access
/// tokens from the account's token endpoint, cached in memory until shortly before they expire
/// (the daemon shares one source between all its syncs, so a token is fetched once an hour, not
/// once a poll). Tokens are never written anywhere but libcurl, and never logged.
public final class CredentialSource: @unchecked Sendable {
    /// A token is renewed this long before it expires, so that it does not expire mid-sync.
    public static let renewalMargin: TimeInterval = 120

    private let lock = NSLock()
    private var tokens: [String: OAuth2Token] = [:]
    private let logger: Logger
    /// Token endpoint requests made (for tests and logs).
    public private(set) var refreshes = 0

    public init(logger: Logger = Logger(label: "activity.oauth2")) {
        self.logger = logger
    }

    /// The password of a password account.
    public func password(_ account: Config.Account) throws -> String {
        let secret = try SecretResolver.resolve(account)
        if let preset = account.provider.flatMap(ProviderPreset.named), preset.passwordIsCode {
            return secret.filter { $0 != " " && $0 != "\u{3000}" }
        }
        return secret
    }

    /// What an IMAP account logs in with. `fresh` discards a cached token first (after the
    /// server refused it).
    public func imapCredential(_ account: Config.Account, fresh: Bool = false) throws -> IMAPEndpoint.Credential {
        guard let oauth2 = account.oauth2 else { return .password(try password(account)) }
        return .bearer(try accessToken(account, oauth2, fresh: fresh))
    }

    /// What a CalDAV account logs in with: a password, or an OAuth 2.0 access token sent as
    /// `Authorization: Bearer` (Google Calendar), from the same token flow as IMAP's.
    public func calDAVCredential(_ account: Config.Account, fresh: Bool = false) throws -> (password: String, bearerToken: String?) {
        guard let oauth2 = account.oauth2 else { return (try password(account), nil) }
        return ("", try accessToken(account, oauth2, fresh: fresh))
    }

    /// Whether the account's credential came from the cache (a refusal may then mean it was
    /// revoked early, and a fresh one is worth one more try).
    public func hasCachedToken(_ account: Config.Account) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return tokens[account.id] != nil
    }

    func accessToken(_ account: Config.Account, _ oauth2: Config.OAuth2, fresh: Bool) throws -> String {
        lock.lock()
        defer { lock.unlock() }
        if fresh { tokens[account.id] = nil }
        if let t = tokens[account.id], t.expires.timeIntervalSinceNow > CredentialSource.renewalMargin {
            return t.accessToken
        }
        let refreshToken = try SecretResolver.readSecretFile(oauth2.refreshTokenFile, account: account.id, key: "oauth2_refresh_token_file")
        let clientSecret = try oauth2.clientSecretFile.map {
            try SecretResolver.readSecretFile($0, account: account.id, key: "oauth2_client_secret_file")
        }
        let token = try OAuth2TokenClient.refresh(.init(tokenURL: oauth2.tokenURL, clientID: oauth2.clientID, clientSecret: clientSecret,
                                                        refreshToken: refreshToken, scope: oauth2.scope, caFile: account.caFile,
                                                        account: account.id))
        refreshes += 1
        logger.info("access token obtained", metadata: [
            "account": "\(account.id)", "valid_for": "\(Int(token.expires.timeIntervalSinceNow))s"])
        if let rotated = token.refreshToken, rotated != refreshToken {
            saveRefreshToken(rotated, to: oauth2.refreshTokenFile, account: account.id)
        }
        tokens[account.id] = token
        return token.accessToken
    }

    /// A server that rotates refresh tokens has just issued a new one: it replaces the file
    /// (written beside it and renamed, mode 0600). If the file cannot be written (a read-only
    /// /etc under systemd's ProtectSystem), the old token is kept and a warning says where to
    /// put the file instead.
    func saveRefreshToken(_ token: String, to path: String, account: String) {
        let tmp = path + ".new"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        var ok = fd >= 0
        if ok {
            let line = token + "\n"
            ok = line.withCString { write(fd, $0, strlen($0)) } == line.utf8.count && fsync(fd) == 0
            close(fd)
        }
        if ok { ok = rename(tmp, path) == 0 }
        if ok {
            logger.info("new refresh token saved", metadata: ["account": "\(account)", "file": "\(path)"])
        } else {
            unlink(tmp)
            logger.warning("the token endpoint issued a new refresh token that cannot be saved; keep oauth2_refresh_token_file in a writable directory (the StateDirectory under systemd)",
                           metadata: ["account": "\(account)", "file": "\(path)", "errno": "\(errno)"])
        }
    }
}
