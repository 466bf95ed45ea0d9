import Foundation
import ActivityCore
#if canImport(Glibc)
import Glibc
#endif

/// Who syncs an account now, when several workers share one PostgreSQL store.
///
/// A lease is a row of `account_lease`: the holder (`host:pid`) and when it expires (Unix
/// milliseconds), by the database's clock (the workers' clocks may disagree). A worker takes the leases of the
/// accounts it is about to sync with `SELECT … FOR UPDATE SKIP LOCKED` (a row another worker is
/// taking at that moment is skipped, not waited for), renews them while the sync goes on, and
/// frees them when it is done. A worker that dies stops renewing: after `lease_timeout` its
/// leases are free for the next worker that polls. While a lease is held, each of the holder's
/// transactions checks it before committing (`LeaseFence`), so a worker that lost its lease
/// (it stalled longer than `lease_timeout`) cannot write over the one that took it.
///
/// On SQLite the same table and queries work (one process at a time holds the store anyway).
public struct AccountLease: Sendable, Equatable {
    public var account: String
    public var holder: String
    public var expiresAt: Date
}

/// The accounts one connection's transactions must still hold, checked before each commit.
public struct LeaseFence: Sendable, Equatable {
    public var holder: String
    public var accounts: [String]

    public init(holder: String, accounts: [String]) {
        self.holder = holder
        self.accounts = accounts
    }
}

/// A worker's transaction found that another worker has taken one of its accounts.
public struct LeaseLost: Error, Sendable {
    public var account: String
    public var holder: String?
}

extension Store {
    /// This process as a lease holder: `host:pid`, the host as `ACTIVITY_HOSTNAME` or the
    /// system names it (machines sharing a store need distinct names).
    public static let holderName: String = "\(hostName):\(getpid())"

    static let hostName: String = {
        if let name = ProcessInfo.processInfo.environment["ACTIVITY_HOSTNAME"], !name.isEmpty { return name }
        var buffer = [CChar](repeating: 0, count: 256)
        return gethostname(&buffer, buffer.count) == 0 ? String(cString: buffer) : "localhost"
    }()

    /// A holder on this host whose process no longer exists (a sync killed here a moment
    /// ago): its leases need not wait for `lease_timeout`.
    static func isDeadHereAndNow(_ holder: String) -> Bool {
        guard let colon = holder.lastIndex(of: ":"), holder[..<colon] == hostName,
              let pid = Int32(holder[holder.index(after: colon)...]), pid > 0, pid != getpid() else { return false }
        return kill(pid, 0) != 0 && errno == ESRCH
    }

    /// Takes the leases of the units that are free, expired or already `holder`'s, for
    /// `timeout`. A unit (accounts synced together, such as a rep's mail accounts) is taken
    /// whole or not at all. Returns the indexes of the units taken.
    public func takeLeases(units: [[String]], holder: String, for timeout: TimeInterval) throws -> [Int] {
        let accounts = Array(Set(units.joined())).sorted()
        guard !accounts.isEmpty else { return [] }
        // The rows first, in a transaction of their own: a new account's row then exists for
        // every worker, and the locking below never waits on another's insert.
        try db.transaction {
            let insert = try db.prepare("INSERT INTO account_lease (account, holder, expires_at) VALUES (?, NULL, 0) ON CONFLICT DO NOTHING")
            for a in accounts { try insert.bind(.text(a)).run() }
        }
        return try db.transaction {
            enum C: Int32, Columns { case account, holder, expired }
            var free = Set<String>()
            let marks = Array(repeating: "?", count: accounts.count).joined(separator: ", ")
            try db.prepare("""
                SELECT account, holder, CASE WHEN expires_at < \(db.dialect.nowMilliseconds) THEN 1 ELSE 0 END AS expired
                FROM account_lease WHERE account IN (\(marks))
                ORDER BY account \(db.dialect.forUpdateSkipLocked)
                """).bind(accounts.map { .text($0) }).forEach { row in
                let current = row.optionalText(C.holder)
                if current == nil || current == holder || row.int(C.expired) != 0 || Store.isDeadHereAndNow(current!) {
                    free.insert(row.text(C.account))
                }
            }
            let taken = units.indices.filter { units[$0].allSatisfy(free.contains) }
            let update = try db.prepare("UPDATE account_lease SET holder = ?, expires_at = \(db.dialect.nowMilliseconds) + ? WHERE account = ?")
            for i in taken {
                for a in units[i] { try update.bind(.text(holder), .int(Int64((timeout * 1000).rounded(.up))), .text(a)).run() }
            }
            return taken
        }
    }

    /// Extends `holder`'s leases of `accounts` by `timeout` from now; returns those it no
    /// longer holds (taken over by another worker after it expired).
    public func renewLeases(accounts: [String], holder: String, for timeout: TimeInterval) throws -> [String] {
        try db.transaction {
            let update = try db.prepare("UPDATE account_lease SET expires_at = \(db.dialect.nowMilliseconds) + ? WHERE account = ? AND holder = ?")
            return try accounts.filter { a in
                try update.bind(.int(Int64((timeout * 1000).rounded(.up))), .text(a), .text(holder)).run() == 0
            }
        }
    }

    /// Frees `holder`'s leases of `accounts` (those another worker took are left alone).
    public func releaseLeases(accounts: [String], holder: String) throws {
        guard !accounts.isEmpty else { return }
        try db.transaction {
            let update = try db.prepare("UPDATE account_lease SET holder = NULL, expires_at = 0 WHERE account = ? AND holder = ?")
            for a in accounts { try update.bind(.text(a), .text(holder)).run() }
        }
    }

    /// The leases held now (not expired), by account.
    public func liveLeases() throws -> [String: AccountLease] {
        enum C: Int32, Columns { case account, holder, expiresAt }
        var out: [String: AccountLease] = [:]
        try db.prepare("""
            SELECT \(C.list()) FROM account_lease WHERE holder IS NOT NULL AND expires_at >= \(db.dialect.nowMilliseconds)
            """).forEach { row in
            // Unix milliseconds, by the database's clock.
            out[row.text(C.account)] = AccountLease(account: row.text(C.account), holder: row.text(C.holder),
                                                    expiresAt: Date(timeIntervalSince1970: TimeInterval(row.int(C.expiresAt)) / 1000))
        }
        return out
    }

    /// Checks, inside a write transaction, that `fence.holder` still holds every account of the
    /// fence, and keeps the rows from being taken until the transaction ends (`FOR SHARE`).
    func checkFence(_ fence: LeaseFence) throws {
        let lock = db.dialect.isPostgres ? " FOR SHARE" : ""
        let select = try db.prepare("SELECT holder FROM account_lease WHERE account = ?\(lock)")
        for account in fence.accounts {
            let holder = try select.bind(.text(account)).first { $0.optionalText(0) } ?? nil
            if holder != fence.holder { throw LeaseLost(account: account, holder: holder) }
        }
    }

    /// Serialises the derivations of one rep across workers, until the end of the caller's
    /// write transaction (PostgreSQL's transaction-scoped advisory lock; SQLite's write
    /// transaction already excludes every other writer).
    public func lockRepForDerivation(_ rep: String) throws {
        guard db.dialect.isPostgres else { return }
        try db.prepare("SELECT pg_advisory_xact_lock(?, hashtext(?))").bind(.int(Store.derivationLockClass), .text(rep)).forEach { _ in }
    }

    /// The first key of the advisory locks of derivations ("ledg").
    static let derivationLockClass: Int64 = 0x6C65_6467
}
