import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Paths of the repository, its scripts, fixtures and the built `activity` binary.
enum Repo {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// The `activity` executable built next to the test bundle.
    static var binary: String {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("activity").path,
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("activity").path,
            path(".build/debug/activity"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[2]
    }
}

/// A fresh directory under /tmp that the `dovecot` user can enter; removed when dropped.
final class TempDir {
    let url: URL
    var path: String { url.path }

    init(_ label: String = "activity-test") {
        var template = Array("/tmp/\(label).XXXXXX".utf8CString)
        let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        url = URL(fileURLWithPath: p.map { String(cString: $0) } ?? "/tmp/\(label)-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        chmod(url.path, 0o755)
    }

    func file(_ name: String) -> String { url.appendingPathComponent(name).path }

    func write(_ name: String, _ text: String, mode: mode_t = 0o644) {
        let p = file(name)
        try? FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: p, contents: Data(text.utf8))
        chmod(p, mode)
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// The result of running a program.
struct Run {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs a program to completion, capturing stdout and stderr (through files, so a server it
/// starts in the background cannot keep a pipe open).
@discardableResult
func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:], cwd: String? = nil) throws -> Run {
    let dir = TempDir("activity-run")
    let out = dir.file("stdout"), err = dir.file("stderr")
    FileManager.default.createFile(atPath: out, contents: nil)
    FileManager.default.createFile(atPath: err, contents: nil)
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    p.environment = env
    if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
    p.standardInput = FileHandle.nullDevice
    p.standardOutput = FileHandle(forWritingAtPath: out)
    p.standardError = FileHandle(forWritingAtPath: err)
    try p.run()
    p.waitUntilExit()
    let o = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
    let e = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
    // A signal shows as the shell shows it: 128 + the signal's number (SIGKILL: 137).
    return Run(status: p.terminationReason == .uncaughtSignal ? 128 + p.terminationStatus : p.terminationStatus, stdout: o, stderr: e)
}

/// The `activity` binary.
@discardableResult
func activity(_ arguments: [String], environment: [String: String] = [:]) throws -> Run {
    try run(Repo.binary, arguments, environment: environment.merging(["ACTIVITY_LOG": "warning"]) { a, _ in a })
}

/// A TCP port on 127.0.0.1 that nothing listens on right now.
func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    return Int(UInt16(bigEndian: addr.sin_port))
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
}

/// A real Dovecot on loopback, started by scripts/dovecot-instance in its own directory.
final class Dovecot {
    let dir = TempDir("activity-dovecot")
    let imapPort: Int
    let imapsPort: Int?
    let ca: TempDir?

    /// `maildirFrom`: a directory with one `USER/Maildir` per user, copied in.
    init(users: [String: String], maildirFrom: String? = nil, tls: Bool = false, extraArguments: [String] = []) throws {
        imapPort = freePort()
        var args = ["start", dir.path, "--imap-port", String(imapPort)] + extraArguments
        for (u, p) in users.sorted(by: { $0.key < $1.key }) { args += ["--user", "\(u):\(p)"] }
        if let maildirFrom { args += ["--maildir-from", maildirFrom, "--mtime-from-filename"] }
        if tls {
            let ca = TempDir("activity-ca")
            let r = try run(Repo.path("scripts/make-test-ca"), [ca.path])
            guard r.status == 0 else { throw HarnessError(description: "make-test-ca failed: \(r.stderr)") }
            self.ca = ca
            let port = freePort()
            imapsPort = port
            args += ["--imaps-port", String(port), "--cert", ca.file("server.pem"), "--key", ca.file("server.key")]
        } else {
            ca = nil
            imapsPort = nil
        }
        let r = try run(Repo.path("scripts/dovecot-instance"), args)
        guard r.status == 0 else {
            throw HarnessError(description: "Dovecot did not start (is it installed? run scripts/install-deps): \(r.stdout)\(r.stderr)")
        }
    }

    var maildir: String { dir.file("mail") }

    func stop() { _ = try? run(Repo.path("scripts/dovecot-instance"), ["stop", dir.path]) }

    /// Restart, e.g. after changing files under the maildir.
    func restart(users: [String: String]) throws {
        stop()
        var args = ["start", dir.path, "--imap-port", String(imapPort)]
        for (u, p) in users.sorted(by: { $0.key < $1.key }) { args += ["--user", "\(u):\(p)"] }
        if let imapsPort, let ca { args += ["--imaps-port", String(imapsPort), "--cert", ca.file("server.pem"), "--key", ca.file("server.key")] }
        let r = try run(Repo.path("scripts/dovecot-instance"), args)
        guard r.status == 0 else { throw HarnessError(description: "Dovecot did not restart: \(r.stdout)\(r.stderr)") }
    }

    /// Runs one IMAP command as `user` with the curl tool (as another mail client would), e.g.
    /// `RENAME "Sent" "Sent Messages"`.
    func imap(_ user: String, _ command: String) throws {
        let r = try run("/usr/bin/curl", ["-sS", "-u", "\(user):\(FixtureTeam.users[user] ?? "")", "imap://127.0.0.1:\(imapPort)",
                                          "-X", command])
        guard r.status == 0 else { throw HarnessError(description: "IMAP \(command) as \(user) failed: \(r.stderr)") }
    }

    /// Delivers a message file into a user's folder as a new message (what an MTA would do).
    /// `receivedAt`: the message's INTERNALDATE (Dovecot takes it from the maildir file's mtime).
    func deliver(user: String, folder: String = "", file: String, receivedAt: Date? = nil) throws {
        let base = "\(maildir)/\(user)/Maildir\(folder.isEmpty ? "" : "/." + folder)"
        let name = URL(fileURLWithPath: file).lastPathComponent.split(separator: ":").first.map(String.init) ?? "msg"
        let tmp = "\(base)/tmp/\(name)"
        try FileManager.default.createDirectory(atPath: "\(base)/tmp", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "\(base)/new", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: file, toPath: tmp)
        if let receivedAt { try FileManager.default.setAttributes([.modificationDate: receivedAt], ofItemAtPath: tmp) }
        _ = try run("/bin/chown", ["-R", "dovecot:dovecot", base])
        try FileManager.default.moveItem(atPath: tmp, toPath: "\(base)/new/\(name)")
    }

    deinit { stop() }
}
