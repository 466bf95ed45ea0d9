import Foundation
import Logging
import ActivityCore
import ActivityStore

/// Renews this process's account leases while their syncs run (see `AccountLease`): one thread
/// and one connection per process and store, waking every third of `lease_timeout`. A lease
/// found taken over is reported lost; the sync holding it stops at its next commit (the fence).
final class LeaseKeeper: @unchecked Sendable {
    let location: StoreLocation
    let timeout: TimeInterval
    let holder: String
    private let logger: Logger
    private let lock = NSLock()
    private var held: [String: Int] = [:]
    private var started = false

    private init(location: StoreLocation, timeout: TimeInterval, holder: String, logger: Logger) {
        self.location = location
        self.timeout = timeout
        self.holder = holder
        self.logger = logger
    }

    nonisolated(unsafe) private static var keepers: [String: LeaseKeeper] = [:]
    private static let keepersLock = NSLock()

    /// The keeper of this process for a store.
    static func shared(location: StoreLocation, timeout: TimeInterval, logger: Logger) -> LeaseKeeper {
        keepersLock.withLock {
            let key = "\(location)|\(timeout)"
            if let k = keepers[key] { return k }
            let k = LeaseKeeper(location: location, timeout: timeout, holder: Store.holderName, logger: logger)
            keepers[key] = k
            return k
        }
    }

    /// Renews `accounts` from now on, until `drop`.
    func hold(_ accounts: [String]) {
        lock.withLock {
            for a in accounts { held[a, default: 0] += 1 }
            if !started {
                started = true
                let thread = Thread { [self] in self.renewForever() }
                thread.name = "lease keeper"
                thread.start()
            }
        }
    }

    func drop(_ accounts: [String]) {
        lock.withLock {
            for a in accounts {
                held[a, default: 1] -= 1
                if held[a]! <= 0 { held[a] = nil }
            }
        }
    }

    private func renewForever() {
        var store: Store? = nil
        while true {
            Thread.sleep(forTimeInterval: max(0.5, timeout / 3))
            let accounts = lock.withLock { Array(held.keys) }
            guard !accounts.isEmpty else { continue }
            do {
                if store == nil { store = try Store(location: location) }
                let lost = try store!.renewLeases(accounts: accounts, holder: holder, for: timeout)
                for a in lost {
                    logger.warning("lease lost: another worker took the account over", metadata: ["account": "\(a)", "holder": "\(holder)"])
                }
            } catch {
                // The database is away: the syncs' own transactions fail and retry; the leases
                // expire if this lasts longer than lease_timeout, and another worker goes on.
                logger.warning("lease renewal failed", metadata: ["error": "\(error)"])
                store = nil
            }
        }
    }
}
