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
    /// Called as messages arrive: (folder, done, total).
    public var progress: ((String, Int, Int) -> Void)? = nil

    public init(store: Store, config: Config, logger: Logger) {
        self.store = store
        self.config = config
        self.logger = logger
    }

    public func sync(account: Config.Account, password: String) throws -> AccountSyncResult {
        do {
            return try syncUnmapped(account: account, password: password)
        } catch let e as IMAPCommandError {
            // NO or BAD: the server refused a command; a later try may succeed.
            throw ActivityError(.tempFail, "account \(account.id): \(Config.serverName(account.url)): \(e.command) refused: \(e.status.rawValue) \(e.text)")
        }
    }

    func syncUnmapped(account: Config.Account, password: String) throws -> AccountSyncResult {
        let endpoint = IMAPEndpoint(url: account.url, username: account.username, credential: .password(password),
                                    caFile: account.caFile, account: account.id)
        let connection = try IMAPConnection(endpoint: endpoint, logger: logger)
        defer { try? connection.logout() }
        var result = AccountSyncResult(account: account.id)
        let folders = try resolveFolders(account, connection: connection)
        for folder in folders {
            let n = try sync(folder: folder, account: account, connection: connection, result: &result)
            result.newItems += n
            result.folders.append(folder.name)
        }
        return result
    }

    /// The configured folders as the server names them. `\Sent` means the folder with that
    /// special-use attribute (RFC 6154), whatever it is called (Sent, 已发送, Sent Items).
    func resolveFolders(_ account: Config.Account, connection: IMAPConnection) throws -> [IMAPFolder] {
        let all = try connection.listFolders()
        var out: [IMAPFolder] = []
        for wanted in account.folders {
            let found: IMAPFolder?
            if wanted.hasPrefix("\\") {
                let attribute = wanted.uppercased()
                found = all.first { $0.attributes.contains(attribute) && $0.isSelectable }
                    ?? (attribute == "\\SENT" ? all.first { MailSync.sentNames.contains($0.name.lowercased()) && $0.isSelectable } : nil)
                if found == nil {
                    logger.warning("no folder has the special-use flag", metadata: [
                        "account": "\(account.id)", "flag": "\(wanted)",
                        "hint": "name the folder in this account's folders list"])
                    continue
                }
            } else if wanted.uppercased() == "INBOX" {
                found = all.first { $0.name.uppercased() == "INBOX" } ?? IMAPFolder(name: "INBOX", wireName: "INBOX", attributes: [])
            } else {
                found = all.first { $0.name == wanted || $0.wireName == wanted }
                if found == nil {
                    throw ActivityError(.config, "account \(account.id): \(connection.endpoint.server) has no folder \"\(wanted)\"; fix folders in the config (the server has: \(all.map(\.name).joined(separator: ", ")))")
                }
            }
            if let found, !out.contains(where: { $0.wireName == found.wireName }) { out.append(found) }
        }
        return out
    }

    /// Names servers without SPECIAL-USE give their sent folder.
    static let sentNames: Set<String> = ["sent", "sent items", "sent messages", "sent mail", "已发送", "已发送邮件", "寄件備份"]

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
        // Nothing new: UIDNEXT has not moved (new mail always moves it).
        if let next = status.uidNext, base.uidNext == next || (next > 0 && next - 1 <= base.highestUID) || status.messages == 0 {
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
        var pendingCalendar: [FetchedMessage] = []
        var stored = base.highestUID
        var lastSequence = 0
        var inOrder = true
        var newItems = 0
        var seen = 0
        var current = base

        func commit(final: Bool) throws {
            // The checkpoint may only move past UIDs that are stored: not past a message still
            // waiting for its calendar part, and not at all if the server answered out of order.
            let maxStored = batch.map(\.0.uid).max() ?? stored
            var safe = max(stored, maxStored)
            if let firstPending = pendingCalendar.map(\.uid).min() { safe = min(safe, firstPending &- 1) }
            if !inOrder && !final { safe = current.highestUID }
            try store.transaction {
                for (message, item) in batch {
                    if try store.insertMail(rep: rep, item: item, headers: message.headers, account: account.id,
                                            folder: folder.name, uidValidity: status.uidValidity, uid: message.uid) {
                        newItems += 1
                    }
                }
                if safe > current.highestUID || final {
                    current.highestUID = max(current.highestUID, safe)
                    if final {
                        current.uidNext = status.uidNext
                        current.highestModSeq = status.highestModSeq
                    }
                    try store.saveCheckpoint(current, account: account.id, folder: folder.name)
                }
            }
            stored = max(stored, maxStored)
            batch.removeAll(keepingCapacity: true)
        }

        let total = max(0, status.messages)
        try connection.fetchHeaders(uids: "\(base.highestUID + 1):*", fields: MailItem.fetchedHeaderFields) { message in
            // `n:*` also returns the last message when n is past it: skip what is stored.
            guard message.uid > base.highestUID else { return }
            if message.sequence < lastSequence { inOrder = false }
            lastSequence = message.sequence
            seen += 1
            result.fetched += 1
            progress?(folder.name, seen, total)
            if let s = message.structure, !s.calendarParts.isEmpty {
                pendingCalendar.append(message)
            } else {
                batch.append((message, MailItem(headers: message.headers, internalDate: MailSync.internalDate(message.internalDate),
                                                topType: message.structure?.topType)))
            }
            if batch.count >= batchSize { try commit(final: false) }
        }
        try commit(final: false)
        // Invitations: fetch their calendar parts now that the big FETCH is over.
        let waiting = pendingCalendar
        for message in waiting {
            var m = message
            m.calendarParts = try connection.fetchCalendarParts(uid: message.uid, parts: message.structure?.calendarParts ?? [])
            batch.append((m, MailItem(headers: m.headers, internalDate: MailSync.internalDate(m.internalDate),
                                      topType: m.structure?.topType, calendarParts: m.calendarParts)))
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
