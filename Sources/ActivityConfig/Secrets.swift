import Foundation
import ActivityCore

/// Reads an account's password from where the config says, never from the config itself.
/// Nothing here ever puts a secret into an error message.
public enum SecretResolver {
    public static func resolve(_ account: Config.Account, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        switch account.secret {
        case .none:
            throw ActivityError(.config, "account \(account.id): no password_file, password_env, password_command or oauth2_* keys; add one to its [[account]] table")
        case .env(let name):
            guard let v = environment[name], !v.isEmpty else {
                throw ActivityError(.config, "account \(account.id): password_env names \(name), which is not set in the environment")
            }
            return v
        case .file(let path):
            return try readSecretFile(path, account: account.id, key: "password_file")
        case .command(let command):
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/sh")
            p.arguments = ["-c", command]
            let out = Pipe()
            p.standardOutput = out
            p.standardError = FileHandle.standardError
            do { try p.run() } catch {
                throw ActivityError(.config, "account \(account.id): password_command could not be started (\(error))")
            }
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            guard p.terminationStatus == 0 else {
                throw ActivityError(.tempFail, "account \(account.id): password_command exited with status \(p.terminationStatus)")
            }
            return String(decoding: data, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        }
    }

    /// The first line of a file that only its owner may read (`key` names the config key, for
    /// messages). Group- or world-readable files are refused, as ssh refuses loose keys.
    public static func readSecretFile(_ path: String, account: String, key: String) throws -> String {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw ActivityError(.config, "account \(account): \(key) \(path) does not exist or cannot be read")
        }
        if st.st_mode & 0o077 != 0 {
            throw ActivityError(.noPermission, "account \(account): \(key) \(path) is readable by group or others; run chmod 600 \(path)")
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ActivityError(.noPermission, "account \(account): \(key) \(path) cannot be read")
        }
        // The first line is the secret (like mbsync's PassCmd output and .netrc-style files).
        return String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
            .trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
    }
}
