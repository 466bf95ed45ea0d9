import Foundation
import ActivityCore

/// The keys every server login has, an `[[account]]`'s and `[mail]`'s alike: where the password
/// comes from, an extra CA and how long the server may stay silent. Read here once, so that
/// both tables accept and refuse them in the same words.
extension Config {
    /// `password_file`, `password_env` or `password_command` (at most one), and the key that
    /// gave it (nil: none, `.none`).
    static func passwordSecret(_ t: TOMLSection, directory: String) throws -> (secret: Secret, key: String?) {
        let secrets = try [("password_file", t.string("password_file")), ("password_env", t.string("password_env")),
                           ("password_command", t.string("password_command"))].filter { $0.1 != nil }
        if secrets.count > 1 {
            throw t.error(secrets[1].0, "give only one of password_file, password_env and password_command")
        }
        guard let (key, value) = secrets.first, let value else { return (.none, nil) }
        switch key {
        case "password_file": return (.file(resolve(value, directory: directory)), key)
        case "password_env": return (.env(value), key)
        default: return (.command(value), key)
        }
    }

    /// `ca_file`, resolved against the config's directory; it must exist.
    static func caFileSetting(_ t: TOMLSection, directory: String) throws -> String? {
        let caFile = try t.string("ca_file").map { resolve($0, directory: directory) }
        if let caFile, !FileManager.default.fileExists(atPath: caFile) {
            throw t.error("ca_file", "\(caFile) does not exist")
        }
        return caFile
    }

    /// `timeout`, 60 s unless given, between 1 s and 1 h.
    static func timeoutSetting(_ t: TOMLSection) throws -> TimeInterval {
        let timeoutText = try t.string("timeout") ?? "60s"
        guard let timeout = parseDuration(timeoutText), timeout > 0, timeout <= 3600 else {
            throw t.error("timeout", "\"\(timeoutText)\" is not a duration between 1s and 1h (write 30s or 2m)")
        }
        return timeout
    }
}
