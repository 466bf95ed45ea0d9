import ArgumentParser
import Foundation
import ActivityCore

/// `activity user hash`: the password hash for a `[[user]]`.
struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Manage the web view's users.",
        subcommands: [Hash.self])

    struct Hash: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "hash",
            abstract: "Read a password (one line) on stdin and print its yescrypt hash for [[user]].password_hash.")

        func run() throws {
            guard let line = readLine(strippingNewline: true) else {
                throw ActivityError(.usage, "no password on stdin: e.g. `activity user hash < password.txt`, or type it and press Enter")
            }
            let password = line.hasSuffix("\r") ? String(line.dropLast()) : line
            guard !password.isEmpty else { throw ActivityError(.usage, "the password is empty") }
            printOut(try WebSecrets.hashPassword(password) + "\n")
        }
    }
}
