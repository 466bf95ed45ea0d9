import Foundation
import ActivityStore
import ActivityCore

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

    init(location: StoreLocation, ttl: TimeInterval = 60, maxEntries: Int = 20_000) throws {
        self.ttl = ttl
        self.maxEntries = maxEntries
        watch = try Store(location: location)
    }

    private var computing: [String: NSLock] = [:]

    /// Forgets everything read: this process changed the ledger (an adjustment), and PostgreSQL
    /// has no change marker to tell.
    func invalidate() {
        lock.lock()
        entries.removeAll(keepingCapacity: true)
        lock.unlock()
    }

    /// Empties the cache when the store has changed since the last look. Call with `lock` held.
    private func checkVersion() {
        let current = ((try? watch.changeMarker()) ?? nil) ?? -2
        if current != version {
            entries.removeAll(keepingCapacity: true)
            version = current
        }
    }

    private func fresh(_ entry: (at: Date, value: Any), _ now: Date) -> Bool {
        now >= entry.at && now.timeIntervalSince(entry.at) < ttl
    }

    /// The cached value for `key`, else `compute()`'s, kept. One request computes a key at a
    /// time; the others wait for it, or, when the old value only aged past `ttl` (the store did
    /// not change), are answered with the old value meanwhile.
    func value<T>(_ key: String, now: Date, _ compute: () throws -> T) throws -> T {
        lock.lock()
        checkVersion()
        let hit = entries[key]
        let keyLock: NSLock
        if let l = computing[key] { keyLock = l } else {
            keyLock = NSLock()
            if computing.count >= maxEntries { computing.removeAll(keepingCapacity: true) }
            computing[key] = keyLock
        }
        lock.unlock()
        if let hit, let value = hit.value as? T {
            if fresh(hit, now) { return value }
            if !keyLock.try() { return value }  // being refreshed: the minute-old value meanwhile
        } else {
            keyLock.lock()
        }
        defer { keyLock.unlock() }
        lock.lock()
        checkVersion()
        if let again = entries[key], fresh(again, now), let value = again.value as? T {
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
