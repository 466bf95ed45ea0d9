import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `activity daemon` running in the background, started the way a test starts anything: with
/// the test runner's signal mask, which blocks SIGTERM (the daemon must cope with that).
final class DaemonProcess {
    let process = Process()
    let log: String
    private let logDir = TempDir("activity-daemon-log")

    init(config: String, arguments: [String] = [], environment: [String: String] = [:]) throws {
        log = logDir.file("daemon.log")
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.executableURL = URL(fileURLWithPath: Repo.binary)
        process.arguments = ["--config", config, "daemon"] + arguments
        var env = ProcessInfo.processInfo.environment
        env["ACTIVITY_LOG"] = "info"
        for (k, v) in environment { env[k] = v }
        process.environment = env
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle(forWritingAtPath: logDir.file("stdout"))
        process.standardError = FileHandle(forWritingAtPath: log)
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var stderr: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

    /// Sends `signal` and waits up to `timeout` seconds for the exit: (status, seconds taken),
    /// or nil status if it did not exit in time (it is then killed).
    func stop(_ signal: Int32 = SIGTERM, timeout: TimeInterval = 10) -> (status: Int32?, seconds: TimeInterval) {
        let start = Date()
        kill(pid, signal)
        while process.isRunning && Date().timeIntervalSince(start) < timeout { usleep(5_000) }
        let seconds = Date().timeIntervalSince(start)
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
            return (nil, seconds)
        }
        return (process.terminationStatus, seconds)
    }

    deinit {
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// Polls `condition` every 100 ms until it holds or `timeout` seconds pass; returns the seconds
/// it took, or nil.
@discardableResult
func eventually(timeout: TimeInterval = 15, _ condition: () throws -> Bool) rethrows -> TimeInterval? {
    let start = Date()
    while Date().timeIntervalSince(start) < timeout {
        if try condition() { return Date().timeIntervalSince(start) }
        usleep(100_000)
    }
    return nil
}

extension FixtureTeam {
    /// `status --format json`, by account.
    func status() throws -> [String: [String: Any]] {
        let r = try activity(["status", "--format", "json"])
        guard r.status == 0, let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] else {
            throw HarnessError(description: "status failed (\(r.status)): \(r.stderr)")
        }
        var out: [String: [String: Any]] = [:]
        for a in json["accounts"] as? [[String: Any]] ?? [] { out[a["account"] as? String ?? "?"] = a }
        return out
    }

    /// Every account polled every `interval` (the fixture config has none).
    static func polling(every interval: String) -> (String) -> String {
        { text in
            text.replacingOccurrences(of: "\nkind = \"", with: "\npoll_interval = \"\(interval)\"\nkind = \"")
        }
    }
}
