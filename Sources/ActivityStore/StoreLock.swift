import Foundation
import ActivityCore
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock on a store, so that two syncs (a `sync` and a `daemon`, or two of either)
/// never work on the same store at once: `flock` on `STORE.lock`, which holds the holder's pid
/// and command for the message the second one prints. The kernel drops the lock when the
/// holder exits, however it exits, so a stale file never blocks anyone.
public final class StoreLock {
    public let path: String
    private var fd: Int32

    /// Takes the lock or throws `ActivityError(.tempFail)` naming the store and the holder's pid.
    public init(store: String, command: String) throws {
        path = store + ".lock"
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw ActivityError(.ioError, "store \(store): cannot create the lock file \(path) (\(reason)); check the permissions of its directory")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let holder = StoreLock.holder(fd: fd)
            close(fd)
            fd = -1
            let who = holder.map { "pid \($0.pid)" + ($0.command.isEmpty ? "" : " (activity \($0.command))") } ?? "another process"
            throw ActivityError(.tempFail, "store \(store) is in use by \(who), which holds \(path); wait for it to finish or stop it, then retry")
        }
        // The holder's identity, for the next one who tries.
        _ = ftruncate(fd, 0)
        let line = "\(getpid()) \(command)\n"
        _ = line.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    /// The lock a sync, daemon or rebuild takes on an SQLite store; nil for PostgreSQL, where
    /// several workers share the store and each account is leased instead (see `AccountLease`).
    public static func forSync(of location: StoreLocation, command: String) throws -> StoreLock? {
        guard case .sqlite(let path) = location else { return nil }
        return try StoreLock(store: path, command: command)
    }

    deinit { release() }

    /// Releases the lock (also done when the object goes away or the process exits).
    public func release() {
        guard fd >= 0 else { return }
        // Leave the file: removing it would race with a process that has just opened it.
        _ = ftruncate(fd, 0)
        close(fd)
        fd = -1
    }

    /// Reads `PID COMMAND` from the lock file. The holder writes it right after locking, so a
    /// second process may briefly see an empty file: it looks again a few times.
    static func holder(fd: Int32) -> (pid: Int32, command: String)? {
        for attempt in 0..<10 {
            var buffer = [UInt8](repeating: 0, count: 256)
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                let text = String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                let parts = text.split(separator: " ", maxSplits: 1)
                if let first = parts.first, let pid = Int32(first) {
                    return (pid, parts.count > 1 ? String(parts[1]) : "")
                }
            }
            if attempt < 9 { usleep(20_000) }
        }
        return nil
    }
}
