import Foundation
import ActivityStore

/// What the web view has read from the ledger, kept until the store changes (any commit by the
/// daemon, a sync or a rebuild, seen through SQLite's `PRAGMA data_version` on a connection of
/// its own) or `ttl` seconds pass (a week in progress depends on the clock: days left, days
/// waiting). A team page for 100 reps reads the store once a minute, not once a request.
final class LedgerCache: @unchecked Sendable {
    let ttl: TimeInterval
    let maxEntries: Int
    private let watch: Store
    private var version: Int64 = -1
    private var entries: [String: (at: Date, value: Any)] = [:]
    private let lock = NSLock()

    init(path: String, ttl: TimeInterval = 60, maxEntries: Int = 20_000) throws {
        self.ttl = ttl
        self.maxEntries = maxEntries
        watch = try Store(path: path)
    }

    /// The cached value for `key`, else `compute()`'s, kept.
    func value<T>(_ key: String, now: Date, _ compute: () throws -> T) throws -> T {
        lock.lock()
        let current = (try? watch.db.prepare("PRAGMA data_version").first { $0.int(0) }) ?? -2
        if current != version {
            entries.removeAll(keepingCapacity: true)
            version = current
        }
        if let hit = entries[key], now.timeIntervalSince(hit.at) < ttl, now >= hit.at, let value = hit.value as? T {
            lock.unlock()
            return value
        }
        lock.unlock()
        let value = try compute()
        lock.lock()
        if entries.count >= maxEntries { entries.removeAll(keepingCapacity: true) }
        entries[key] = (now, value)
        lock.unlock()
        return value
    }
}
