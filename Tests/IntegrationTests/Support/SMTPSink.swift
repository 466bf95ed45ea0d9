import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real SMTP server on loopback (aiosmtpd, scripts/smtp-sink) that keeps every message it
/// accepts as a file, with its envelope.
final class SMTPSink {
    let dir = TempDir("activity-smtp")
    let port: Int
    let host: String
    private let process = Process()

    /// `dropAt`: the Nth MAIL FROM of the server's life is answered 421 and its connection closed.
    init(user: String? = nil, refuse: [String] = [], xoauth2Introspect: String? = nil, port: Int? = nil,
         host: String = "127.0.0.1", dropAt: Int? = nil) throws {
        self.host = host
        self.port = port ?? freePort()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        var args = ["python3", Repo.path("scripts/smtp-sink"), dir.file("spool"), String(self.port)]
        if let user { args += ["--user", user] }
        for r in refuse { args += ["--refuse", r] }
        if let xoauth2Introspect { args += ["--xoauth2-introspect", xoauth2Introspect] }
        args += ["--host", host]
        if let dropAt { args += ["--drop-at", String(dropAt)] }
        process.arguments = args
        process.standardInput = FileHandle.nullDevice
        FileManager.default.createFile(atPath: dir.file("log"), contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: dir.file("log"))
        process.standardError = FileHandle(forWritingAtPath: dir.file("log"))
        try process.run()
        guard eventually(timeout: 20, { FileManager.default.fileExists(atPath: dir.file("spool/ready")) }) != nil else {
            throw HarnessError(description: "the SMTP sink did not start (is aiosmtpd installed? run scripts/install-deps): \((try? String(contentsOfFile: dir.file("log"), encoding: .utf8)) ?? "")")
        }
    }

    var url: String { "smtp://\(host):\(port)" }

    /// The messages accepted so far, in order: the .eml path and the envelope's recipients.
    var messages: [(path: String, rcpt: [String])] {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir.file("spool"))) ?? []).filter { $0.hasSuffix(".eml") }.sorted()
        return files.map { f in
            let json = dir.file("spool/" + f.replacingOccurrences(of: ".eml", with: ".json"))
            let env = (try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json)))) as? [String: Any]
            return (dir.file("spool/" + f), env?["rcpt_tos"] as? [String] ?? [])
        }
    }

    /// How many connections clients have opened so far.
    var connections: Int {
        ((try? String(contentsOfFile: dir.file("spool/connections"), encoding: .utf8)) ?? "").split(separator: "\n").count
    }

    /// One line per XOAUTH2 login: `XOAUTH2 ok` or `XOAUTH2 refused`.
    var authLog: [String] {
        ((try? String(contentsOfFile: dir.file("spool/auth-log"), encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// While on, MAIL FROM is answered 451 (a temporary failure).
    func tempFail(_ on: Bool) {
        if on { FileManager.default.createFile(atPath: dir.file("spool/tempfail"), contents: nil) }
        else { try? FileManager.default.removeItem(atPath: dir.file("spool/tempfail")) }
    }

    deinit {
        // SIGKILL: the test runner's blocked SIGTERM would be inherited; messages are written atomically.
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// A message read back by Python's email package (scripts/oracle/read-eml.py); attachments are
/// written into `attachments`.
func readEML(_ path: String, attachments: String? = nil) throws -> [String: Any] {
    let r = try run("/usr/bin/env", ["python3", Repo.path("scripts/oracle/read-eml.py"), path] + (attachments.map { [$0] } ?? []))
    guard r.status == 0, let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] else {
        throw HarnessError(description: "read-eml.py failed on \(path): \(r.stderr)")
    }
    return json
}
