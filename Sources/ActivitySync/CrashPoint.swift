import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Named moments of a sync where the crash tests kill the process, in the manner of isync's test
/// suite, which interrupts mbsync at every journal step.
///
/// `ACTIVITY_CRASH_AT=NAME` or `NAME:N` makes the process SIGKILL itself the first (or N-th) time
/// it reaches the point NAME: no cleanup, no `ROLLBACK`, no flushed buffers, as with `kill -9`.
/// Unset (always, outside tests), `reach` is one comparison. The points:
///
/// | name | where |
/// | --- | --- |
/// | `mail.before-commit` | inside a mail batch's transaction, items written, not committed |
/// | `mail.committed` | after a mail batch (items and folder checkpoint) is committed |
/// | `calendar.before-commit` | inside a calendar batch's transaction |
/// | `calendar.committed` | after a calendar batch (items, deletions, maybe the token) is committed |
/// | `sync.accounts-done` | a rep's accounts synced, its ledger not re-derived yet (once per rep) |
/// | `derive.before-commit` | inside a rep's derivation transaction, activities replaced |
/// | `derive.committed` | after one rep's derivation is committed, before the next rep's |
/// | `digest.marked` | a user's digest recorded as `sending`, nothing sent yet |
/// | `digest.sent` | the SMTP server accepted a digest, its `sent` not recorded yet |
public enum CrashPoint {
    /// The points of the table above, in its order (the replay tests check they reach each of
    /// the sync's).
    public static let all = ["mail.before-commit", "mail.committed", "calendar.before-commit", "calendar.committed",
                             "sync.accounts-done", "derive.before-commit", "derive.committed", "digest.marked", "digest.sent"]

    private static let wanted: (name: String, count: Int)? = {
        guard let spec = ProcessInfo.processInfo.environment["ACTIVITY_CRASH_AT"], !spec.isEmpty else { return nil }
        let parts = spec.split(separator: ":", maxSplits: 1)
        return (String(parts[0]), parts.count > 1 ? max(1, Int(parts[1]) ?? 1) : 1)
    }()
    nonisolated(unsafe) private static var reached = 0
    private static let lock = NSLock()

    public static func reach(_ name: String) {
        guard let wanted, wanted.name == name else { return }
        // Reps are synced on several threads: count each passage once.
        let n = lock.withLock { reached += 1; return reached }
        if n == wanted.count { kill(getpid(), SIGKILL) }
    }
}
