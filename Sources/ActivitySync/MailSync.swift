import Foundation
import Logging
import ActivityCore
import ActivityConfig
import ActivityStore
import ActivityTransport

/// What one account's sync did.
public struct AccountSyncResult: Sendable {
    public var account: String
    public var newItems: Int = 0
    public var fetched: Int = 0
    public var folders: [String] = []
}

/// Incremental mail sync of one IMAP account, in the manner of mbsync: per folder a checkpoint
/// (UIDVALIDITY, highest UID stored, UIDNEXT, HIGHESTMODSEQ) written in the same transaction as
/// the items it covers, so an interrupted sync resumes without losing or doubling anything.
public struct MailSync {
    public let store: Store
    public let config: Config
    public let logger: Logger
    /// Messages stored per transaction: large enough to be fast, small enough to keep memory flat.
    public var batchSize = 500
    /// A batch is also committed when this much time has passed since the last commit, so a slow
    /// or flaky connection still makes progress that survives a cut.
    public var commitInterval: TimeInterval = 2
    /// Called as messages arrive: (folder, done, total).
    public var progress: ((String, Int, Int) -> Void)? = nil
    /// Asked after each committed batch and between folders: true stops with `SyncInterrupted`.
    public var shouldStop: (@Sendable () -> Bool)? = nil
    /// The ledger window, to check that an invitation's expansion is not cut by the expander's
    /// limits (see CalendarSync.problem); nil: invitation parts are only checked to parse.
    public var window: (from: Date, to: Date)? = nil
    public var floatingZone = TimeZone(identifier: "UTC")!
    /// Called at each named crash point (see `CrashPoint`); the replay tests throw there to cut
    /// the sync as a `kill -9` would.
    public var crashHook: (String) throws -> Void = CrashPoint.reach

    public init(store: Store, config: Config, logger: Logger) {
        self.store = store
        self.config = config
        self.logger = logger
    }

    public func sync(account: Config.Account, password: String) throws -> AccountSyncResult {
        try sync(account: account, credential: .password(password))
    }

    public func sync(account: Config.Account, credential: IMAPEndpoint.Credential) throws -> AccountSyncResult {
        do {
            return try syncUnmapped(account: account, credential: credential)
        } catch let e as IMAPCommandError {
            // NO or BAD: the server refused a command; a later try may succeed.
            let hint = IMAPRefusal.throttleBackoff(e.text) != nil ? "; the server is throttling this account: the next poll tries again" : ""
            throw ActivityError(.tempFail, "account \(account.id): \(Config.serverName(account.url)): \(e.command) refused: \(e.status.rawValue) \(e.text)\(hint)")
        }
    }

    func syncUnmapped(account: Config.Account, credential: IMAPEndpoint.Credential) throws -> AccountSyncResult {
        let endpoint = IMAPEndpoint(url: account.url, username: account.username, credential: credential,
                                    caFile: account.caFile, account: account.id, timeout: account.timeout,
                                    provider: account.provider)
        let connection = try IMAPConnection(endpoint: endpoint, logger: logger)
        defer { try? connection.logout() }
        return try sync(account: account, over: connection)
    }

    /// The account's folders over an open session: a live connection, or one replayed from a
    /// recorded transcript (the tests).
    func sync(account: Config.Account, over connection: any IMAPSession) throws -> AccountSyncResult {
        var result = AccountSyncResult(account: account.id)
        let all = try connection.listFolders()
        var resolution = FolderDiscovery.resolve(account.folders, among: all)
        if !(resolution.missing.isEmpty && resolution.unresolved.isEmpty), let ns = try connection.personalNamespace() {
            // Courier and Cyrus put folders under `INBOX.`: look again inside the namespace.
            resolution = FolderDiscovery.resolve(account.folders, among: all, namespace: ns)
        }
        warnUnresolved(account, resolution, all)
        let (folders, missing) = (resolution.found, resolution.missing)
        try forgetVanishedFolders(account, serverFolders: all)
        for folder in folders {
            if shouldStop?() == true { throw SyncInterrupted() }
            let n: Int
            do {
                n = try sync(folder: folder, account: account, connection: connection, result: &result)
            } catch let e as SyncInterrupted {
                // Mid-FETCH: the rest of the answer is not worth reading before a LOGOUT.
                connection.abandon()
                throw e
            }
            result.newItems += n
            result.folders.append(folder.name)
        }
        // A configured folder the server does not have: the others are synced, its mail stays in
        // the ledger (mail persists once seen), and the account fails with a configuration error
        // naming it, so `status` shows it until someone fixes the config or the server.
        if !missing.isEmpty {
            let names = missing.map { "\"\($0)\"" }.joined(separator: ", ")
            throw ActivityError(.config, "account \(account.id): \(connection.endpoint.server) has no folder \(names); fix folders in the config (the server has: \(all.filter(\.isSelectable).map(\.name).joined(separator: ", ")))")
        }
        return result
    }

    /// A `\Sent` (or other special-use name) no folder answers to is a warning naming the
    /// folders the server has, not an error: the rest is synced.
    func warnUnresolved(_ account: Config.Account, _ r: FolderDiscovery.Resolution, _ all: [IMAPFolder]) {
        for flag in r.unresolved {
            logger.warning("no folder has the special-use flag or a known name", metadata: [
                "account": "\(account.id)", "flag": "\(flag)", "server_folders": "\(FolderDiscovery.describe(all))",
                "hint": "name the folder in this account's folders list"])
        }
    }

    /// Folders this account synced before that the server no longer has at all (deleted or
    /// renamed): their checkpoints and locations go. Their mail stays counted.
    func forgetVanishedFolders(_ account: Config.Account, serverFolders: [IMAPFolder]) throws {
        let names = Set(serverFolders.map(\.name))
        for folder in try store.checkpointFolders(account: account.id) where !names.contains(folder) && folder.uppercased() != "INBOX" {
            logger.notice("folder gone from the server; its mail stays in the ledger", metadata: [
                "account": "\(account.id)", "folder": "\(folder)"])
            try store.transaction { try store.forgetFolder(account: account.id, folder: folder) }
        }
    }

    /// One folder: `FolderSyncPlan` decides, this does what it says (IMAP commands, store
    /// transactions, the crash points) and tells it how that went.
    func sync(folder: IMAPFolder, account: Config.Account, connection: any IMAPSession, result: inout AccountSyncResult) throws -> Int {
        let status = try connection.examine(folder)
        var plan = FolderSyncPlan(account: account.id, folder: folder.name, now: Date())
        plan.batchSize = batchSize
        plan.commitInterval = commitInterval
        plan.window = window
        plan.floatingZone = floatingZone
        let rep = account.rep
        var newItems = 0
        var fetchedFolder = false

        func decide(_ event: FolderSyncPlan.Event) -> [FolderSyncPlan.Action] {
            let actions = plan.handle(event)
            for m in plan.noted {
                logger.warning("malformed item skipped", metadata: [
                    "account": "\(account.id)", "folder": "\(folder.name)", "ref": "\(m.ref)", "reason": "\(m.reason)"])
            }
            return actions
        }

        func handle(_ event: FolderSyncPlan.Event) throws {
            for action in decide(event) { try perform(action) }
        }

        func perform(_ action: FolderSyncPlan.Action) throws {
            switch action {
            case .reset(let old, let fresh):
                logger.notice("UIDVALIDITY changed: full resync of the folder", metadata: [
                    "account": "\(account.id)", "folder": "\(folder.name)",
                    "old": "\(old)", "new": "\(status.uidValidity)"])
                try store.transaction {
                    try store.forgetLocations(account: account.id, folder: folder.name)
                    try store.saveCheckpoint(fresh, account: account.id, folder: folder.name)
                }
            case .saveCheckpoint(let c):
                try store.saveCheckpoint(c, account: account.id, folder: folder.name)
            case .uidsAfter(let uid):
                try handle(.uidsListed(try connection.uids(after: uid)))
            case .fetch(let set):
                fetchedFolder = true
                try connection.fetchHeaders(uids: set, fields: MailItem.fetchedHeaderFields, each: { message in
                    let seen = plan.seen
                    let actions = decide(.messageRead(message, now: Date()))
                    if plan.seen > seen { progress?(folder.name, plan.seen, plan.total) }
                    for action in actions { try perform(action) }
                }, unreadable: { u in
                    try handle(.unreadable(u))
                })
                try handle(.fetchEnded)
            case .store(let batch):
                try store.transaction {
                    let inserted = try store.insertMails(batch.messages.map { message, item in
                        Store.NewMail(rep: rep, item: item, headers: message.headers, account: account.id,
                                      folder: folder.name, uidValidity: status.uidValidity, uid: message.uid)
                    })
                    // The ledger is stale from this very transaction on (see Store.itemsChanged).
                    if inserted > 0 { try store.itemsChanged(rep: rep) }
                    for m in batch.malformed { try store.recordMalformed(m) }
                    if let c = batch.checkpoint { try store.saveCheckpoint(c, account: account.id, folder: folder.name) }
                    try crashHook("mail.before-commit")
                    newItems += inserted
                }
                try crashHook("mail.committed")
                let next = decide(.batchCommitted(now: Date()))
                if batch.full, shouldStop?() == true { throw SyncInterrupted() }
                for action in next { try perform(action) }
            case .refetch(let answer):
                // Once more as it was, then without BODYSTRUCTURE; by sequence number when its
                // UID could not be read.
                let set = IMAPSequenceSet([answer.uid ?? UInt32(clamping: answer.sequence!)])
                var outcome: (FetchedMessage, Bool)? = nil      // the message, and whether it came without BODYSTRUCTURE
                var lastReason = answer.reason
                for structure in [true, false] where outcome == nil {
                    try connection.fetchHeaders(uids: set, byUID: answer.uid != nil, fields: MailItem.fetchedHeaderFields,
                                                structure: structure, each: { message in
                        if answer.uid == nil || message.uid == answer.uid { outcome = (message, !structure) }
                    }, unreadable: { u in lastReason = u.reason })
                }
                try handle(.refetched(answer, outcome?.0, bare: outcome?.1 ?? false, reason: lastReason, now: Date()))
            case .fetchInvitation(let message, let parts):
                var m = message
                m.calendarParts = try connection.fetchCalendarParts(uid: message.uid, parts: parts)
                try handle(.invitationRead(m))
            case .done:
                if fetchedFolder {
                    logger.info("folder synced", metadata: [
                        "account": "\(account.id)", "folder": "\(folder.name)", "fetched": "\(plan.seen)", "new": "\(newItems)"])
                }
            }
        }

        try handle(.examined(status, try store.checkpoint(account: account.id, folder: folder.name)))
        result.fetched += plan.fetched
        return newItems
    }

    /// INTERNALDATE: `17-Nov-2026 10:05:00 +0800` (MailDate reads that form too, without the
    /// cost of a DateFormatter per message).
    static func internalDate(_ text: String?) -> Date? {
        text.flatMap { MailDate.parse($0) }
    }
}
