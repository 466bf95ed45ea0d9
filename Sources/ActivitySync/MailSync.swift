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

    func sync(folder: IMAPFolder, account: Config.Account, connection: IMAPConnection, result: inout AccountSyncResult) throws -> Int {
        let status = try connection.examine(folder)
        var checkpoint = try store.checkpoint(account: account.id, folder: folder.name)
        if let c = checkpoint, c.uidValidity != status.uidValidity {
            logger.notice("UIDVALIDITY changed: full resync of the folder", metadata: [
                "account": "\(account.id)", "folder": "\(folder.name)",
                "old": "\(c.uidValidity)", "new": "\(status.uidValidity)"])
            let fresh = FolderCheckpoint(uidValidity: status.uidValidity, uidNext: nil, highestUID: 0, highestModSeq: nil)
            try store.transaction {
                try store.forgetLocations(account: account.id, folder: folder.name)
                try store.saveCheckpoint(fresh, account: account.id, folder: folder.name)
            }
            checkpoint = fresh
        }
        let base = checkpoint ?? FolderCheckpoint(uidValidity: status.uidValidity, uidNext: nil, highestUID: 0, highestModSeq: nil)
        // Nothing new: UIDNEXT has not moved (new mail always moves it). A server that gives no
        // UIDNEXT (NetEase) is asked for the UIDs above the checkpoint alone, without headers: as
        // cheap, and no watermark is ever derived from a UIDNEXT that is not there.
        var nothingNew = status.messages == 0
        if let next = status.uidNext {
            nothingNew = nothingNew || base.uidNext == next || (next > 0 && next - 1 <= base.highestUID)
        } else if !nothingNew, checkpoint != nil, base.highestUID > 0 {
            nothingNew = try connection.uids(after: base.highestUID).isEmpty
        }
        if nothingNew {
            if base.uidNext != status.uidNext || base.highestModSeq != status.highestModSeq || checkpoint == nil {
                var c = base
                c.uidNext = status.uidNext
                c.highestModSeq = status.highestModSeq
                try store.saveCheckpoint(c, account: account.id, folder: folder.name)
            }
            return 0
        }

        let rep = account.rep
        var batch: [(FetchedMessage, MailItem)] = []
        // Messages the checkpoint must not pass yet: invitations waiting for their calendar
        // parts, and messages whose FETCH answer could not be read, to be fetched again.
        var pendingCalendar: [FetchedMessage] = []
        var unreadable: [(answer: UnreadableFetch, holdBelow: UInt32)] = []
        var highestSeen = base.highestUID
        var malformed: [MalformedItem] = []
        var stored = base.highestUID
        var lastSequence = 0
        var inOrder = true
        var newItems = 0
        var seen = 0
        var current = base
        var lastCommit = Date()

        func noteMalformed(_ ref: String, _ kind: MalformedItem.Kind, _ reason: String) {
            logger.warning("malformed item skipped", metadata: [
                "account": "\(account.id)", "folder": "\(folder.name)", "ref": "\(ref)", "reason": "\(reason)"])
            malformed.append(MalformedItem(account: account.id, location: folder.name, ref: ref, kind: kind, reason: reason))
        }

        func item(_ message: FetchedMessage) -> MailItem {
            let item = MailItem(headers: message.headers, internalDate: MailSync.internalDate(message.internalDate),
                                topType: message.structure?.topType, calendarParts: message.calendarParts)
            if message.headers.count >= IMAPLimits.maxHeaderBytes {
                noteMalformed(item.key, .mail, "its header fields are longer than \(IMAPLimits.maxHeaderBytes >> 10) KiB; only the first \(IMAPLimits.maxHeaderBytes >> 10) KiB were read")
            }
            return item
        }

        func commit(final: Bool) throws {
            // The checkpoint may only move past UIDs that are stored: not past a message still
            // waiting, and not at all if the server answered out of order.
            let maxStored = batch.map(\.0.uid).max() ?? stored
            var safe = max(stored, maxStored)
            if let firstPending = (pendingCalendar.map(\.uid) + unreadable.map(\.holdBelow)).min() { safe = min(safe, firstPending &- 1) }
            if !inOrder && !final { safe = current.highestUID }
            try store.transaction {
                let inserted = try store.insertMails(batch.map { message, item in
                    Store.NewMail(rep: rep, item: item, headers: message.headers, account: account.id,
                                  folder: folder.name, uidValidity: status.uidValidity, uid: message.uid)
                })
                // The ledger is stale from this very transaction on (see Store.itemsChanged).
                if inserted > 0 { try store.itemsChanged(rep: rep) }
                for m in malformed { try store.recordMalformed(m) }
                if safe > current.highestUID || final {
                    current.highestUID = max(current.highestUID, safe)
                    if final {
                        current.uidNext = status.uidNext
                        current.highestModSeq = status.highestModSeq
                    }
                    try store.saveCheckpoint(current, account: account.id, folder: folder.name)
                }
                CrashPoint.reach("mail.before-commit")
                newItems += inserted
            }
            CrashPoint.reach("mail.committed")
            lastCommit = Date()
            stored = max(stored, maxStored)
            batch.removeAll(keepingCapacity: true)
            malformed.removeAll()
        }

        let total = max(0, status.messages)
        func take(_ message: FetchedMessage) throws {
            highestSeen = max(highestSeen, message.uid)
            if let s = message.structure, !s.calendarParts.isEmpty {
                pendingCalendar.append(message)
            } else {
                batch.append((message, item(message)))
            }
            if batch.count >= batchSize || Date().timeIntervalSince(lastCommit) >= commitInterval {
                try commit(final: false)
                if shouldStop?() == true { throw SyncInterrupted() }
            }
        }
        try connection.fetchHeaders(uids: .from(base.highestUID + 1), fields: MailItem.fetchedHeaderFields, each: { message in
            // `n:*` also returns the last message when n is past it: skip what is stored.
            guard message.uid > base.highestUID else { return }
            if message.sequence < lastSequence { inOrder = false }
            lastSequence = message.sequence
            seen += 1
            result.fetched += 1
            progress?(folder.name, seen, total)
            try take(message)
        }, unreadable: { u in
            if let uid = u.uid, uid <= base.highestUID { return }
            // Without a UID the message lies after the last one seen: hold the checkpoint there.
            unreadable.append((u, u.uid ?? (highestSeen &+ 1)))
        })
        try commit(final: false)
        // Unreadable answers (a garbled stream, or a server bug about one message): fetched once
        // more as they were, then without BODYSTRUCTURE (what servers get wrong most), so the
        // mail counts even if its invitation parts cannot be found; else recorded as malformed.
        for (answer, _) in unreadable {
            let ref = answer.uid.map { "UID \($0)" } ?? "message \(answer.sequence.map(String.init) ?? "?") (UID unknown)"
            guard answer.uid != nil || answer.sequence != nil else {
                noteMalformed(ref, .mail, "its FETCH answer could not be read (\(answer.reason)); it is not stored")
                continue
            }
            let set = IMAPSequenceSet([answer.uid ?? UInt32(clamping: answer.sequence!)])
            var outcome: (FetchedMessage, Bool)? = nil      // the message, and whether it came without BODYSTRUCTURE
            var lastReason = answer.reason
            for structure in [true, false] where outcome == nil {
                try connection.fetchHeaders(uids: set, byUID: answer.uid != nil, fields: MailItem.fetchedHeaderFields,
                                            structure: structure, each: { message in
                    if answer.uid == nil || message.uid == answer.uid { outcome = (message, !structure) }
                }, unreadable: { u in lastReason = u.reason })
            }
            guard let (message, bare) = outcome else {
                noteMalformed(ref, .mail, "its FETCH answer could not be read, even without BODYSTRUCTURE (\(lastReason)); it is not stored")
                continue
            }
            guard message.uid > base.highestUID else { continue }
            result.fetched += 1
            if bare {
                let i = item(message)
                noteMalformed(i.key, .mail, "its FETCH answer could not be read with BODYSTRUCTURE (\(answer.reason)); stored from its header fields alone, without invitation parts")
                batch.append((message, i))
            } else {
                try take(message)
            }
        }
        unreadable.removeAll()
        // Invitations: fetch their calendar parts now that the big FETCH is over.
        let waiting = pendingCalendar
        for message in waiting {
            var m = message
            let parts = message.structure?.calendarParts ?? []
            let key = MailItem(headers: m.headers, internalDate: nil).key
            let fitting = parts.filter { ($0.size ?? 0) <= IMAPLimits.maxCalendarPartBytes }
            for part in parts where !fitting.contains(part) {
                noteMalformed(key, .invitation, "its text/calendar part \(part.number) is \((part.size ?? 0) >> 10) KiB, more than the limit of \(IMAPLimits.maxCalendarPartBytes >> 20) MiB; not read")
            }
            m.calendarParts = try connection.fetchCalendarParts(uid: message.uid, parts: fitting)
            for part in m.calendarParts {
                // Stored all the same (derivation skips it or counts what the limits allow);
                // recorded so it is not silent.
                if let problem = CalendarSync.problem(with: part, window: window, floatingZone: floatingZone) {
                    noteMalformed(key, .invitation, "its invitation (text/calendar part) \(problem)")
                }
            }
            batch.append((m, item(m)))
        }
        pendingCalendar.removeAll()
        try commit(final: true)
        logger.info("folder synced", metadata: [
            "account": "\(account.id)", "folder": "\(folder.name)", "fetched": "\(seen)", "new": "\(newItems)"])
        return newItems
    }

    /// INTERNALDATE: `17-Nov-2026 10:05:00 +0800` (MailDate reads that form too, without the
    /// cost of a DateFormatter per message).
    static func internalDate(_ text: String?) -> Date? {
        text.flatMap { MailDate.parse($0) }
    }
}
