import Foundation
import ActivityCore
import ActivityStore
import ActivityTransport

/// The rule of one folder's incremental sync, apart from doing it (vdirsyncer's split): which
/// UIDs to fetch, when a batch is committed, how far the checkpoint may move, what an unreadable
/// answer or a pending invitation does to it. A pure value: it is told what happened (`Event`)
/// and answers what to do next (`Action`); `MailSync` does the I/O and the store writes, and
/// tells it how they went. So the rule can be read, and tested, without a server or a store.
///
/// One folder's sync, as events: `examined` (then `uidsListed` if asked), a `messageRead` or
/// `unreadable` per FETCH answer, `fetchEnded`, a `refetched` per unreadable answer,
/// an `invitationRead` per invitation, and a `batchCommitted` after every `store`. It ends with
/// `done`. The checkpoint written with a batch (`Batch.checkpoint`) never passes a UID that is
/// not stored in that batch or before it (mbsync's discipline), so a sync cut at any moment
/// resumes without losing or doubling anything.
public struct FolderSyncPlan {
    public enum Event {
        /// EXAMINE's answer, and the folder's checkpoint in the store (nil: never synced).
        case examined(IMAPFolderStatus, FolderCheckpoint?)
        /// The answer to `uidsAfter`: the UIDs above the checkpoint.
        case uidsListed([UInt32])
        /// One message of the big FETCH, at `now`.
        case messageRead(FetchedMessage, now: Date)
        /// A FETCH answer that was framed but could not be read.
        case unreadable(UnreadableFetch)
        /// The big FETCH's tagged OK.
        case fetchEnded
        /// The answer to `refetch`: the message (nil if it could still not be read), whether it
        /// came without BODYSTRUCTURE, and the last reason it could not be read, at `now`.
        case refetched(UnreadableFetch, FetchedMessage?, bare: Bool, reason: String, now: Date)
        /// The answer to `fetchInvitation`: the message with its calendar parts read.
        case invitationRead(FetchedMessage)
        /// The last `store` is committed (items and checkpoint), at `now`.
        case batchCommitted(now: Date)
    }

    public enum Action {
        /// UIDVALIDITY changed (from `old`): forget the folder's locations and save `fresh`, in
        /// one transaction; the folder is synced again from its first UID.
        case reset(old: UInt32, fresh: FolderCheckpoint)
        /// Nothing new: write this checkpoint (UIDNEXT, HIGHESTMODSEQ) alone.
        case saveCheckpoint(FolderCheckpoint)
        /// Ask for the UIDs above this one, without headers (answer with `uidsListed`).
        case uidsAfter(UInt32)
        /// Fetch the headers of these UIDs, streamed (answer with `messageRead`/`unreadable`,
        /// then `fetchEnded`).
        case fetch(IMAPSequenceSet)
        /// Store this batch and move the checkpoint, in one transaction (answer with
        /// `batchCommitted`).
        case store(Batch)
        /// Fetch this unreadable answer's message once more (answer with `refetched`).
        case refetch(UnreadableFetch)
        /// Fetch these calendar parts of an invitation (answer with `invitationRead`).
        case fetchInvitation(FetchedMessage, parts: [BodyStructure.Part])
        /// The folder is synced.
        case done
    }

    /// What one transaction writes.
    public struct Batch {
        public var messages: [(message: FetchedMessage, item: MailItem)]
        /// Malformed items noted since the last batch (logged when noted; recorded with it).
        public var malformed: [MalformedItem]
        /// The folder's checkpoint after this batch; nil: it stays where it is.
        public var checkpoint: FolderCheckpoint?
        /// The last batch of the folder (it writes UIDNEXT and HIGHESTMODSEQ).
        public var final: Bool
        /// A batch that filled up (or waited long enough) while messages were still coming:
        /// the sync may stop after it (`MailSync.shouldStop`).
        public var full: Bool
    }

    public let account: String
    public let folder: String
    /// Messages stored per transaction (see `MailSync.batchSize`).
    public var batchSize = 500
    /// A batch is also committed when this much time has passed since the last commit.
    public var commitInterval: TimeInterval = 2
    /// The ledger window and zone, for the invitation check (see `MailSync.window`).
    public var window: (from: Date, to: Date)? = nil
    public var floatingZone = TimeZone(identifier: "UTC")!

    /// Messages counted as fetched (the big FETCH's and the refetched ones).
    public private(set) var fetched = 0
    /// Messages of the big FETCH seen so far, and how many the folder has (for progress).
    public private(set) var seen = 0
    public private(set) var total = 0
    /// Malformed items noted since the last batch, for the executor to log as they come.
    public private(set) var noted: [MalformedItem] = []

    private enum Phase { case examining, listing, fetching, afterFetch, refetching, invitations, finishing, finished }
    private var phase = Phase.examining
    private var status = IMAPFolderStatus(uidValidity: 0, uidNext: nil, highestModSeq: nil, messages: 0)
    private var hadCheckpoint = false
    private var base = FolderCheckpoint(uidValidity: 0, uidNext: nil, highestUID: 0, highestModSeq: nil)
    /// The checkpoint as last committed.
    private var current = FolderCheckpoint(uidValidity: 0, uidNext: nil, highestUID: 0, highestModSeq: nil)
    private var batch: [(message: FetchedMessage, item: MailItem)] = []
    private var malformed: [MalformedItem] = []
    // Messages the checkpoint must not pass yet: invitations waiting for their calendar
    // parts, and messages whose FETCH answer could not be read, to be fetched again.
    private var pendingCalendar: [FetchedMessage] = []
    private var unreadable: [(answer: UnreadableFetch, holdBelow: UInt32)] = []
    private var nextUnreadable = 0
    private var nextInvitation = 0
    private var highestSeen: UInt32 = 0
    /// The highest UID stored, as far as this sync knows.
    private var stored: UInt32 = 0
    private var lastSequence = 0
    private var inOrder = true
    private var lastCommit: Date
    /// What the `store` in flight will have done once committed.
    private var committing: (maxStored: UInt32, checkpoint: FolderCheckpoint?)? = nil

    public init(account: String, folder: String, now: Date) {
        self.account = account
        self.folder = folder
        lastCommit = now
    }

    public mutating func handle(_ event: Event) -> [Action] {
        noted.removeAll()
        switch event {
        case .examined(let status, let checkpoint):
            return examined(status, checkpoint)
        case .uidsListed(let uids):
            return nothingNewOrFetch(uids.isEmpty)
        case .messageRead(let message, let now):
            // `n:*` also returns the last message when n is past it: skip what is stored.
            guard message.uid > base.highestUID else { return [] }
            if message.sequence < lastSequence { inOrder = false }
            lastSequence = message.sequence
            seen += 1
            fetched += 1
            return take(message, now: now)
        case .unreadable(let u):
            if let uid = u.uid, uid <= base.highestUID { return [] }
            // Without a UID the message lies after the last one seen: hold the checkpoint there.
            unreadable.append((u, u.uid ?? (highestSeen &+ 1)))
            return []
        case .fetchEnded:
            phase = .afterFetch
            return [commit(final: false, full: false)]
        case .refetched(let answer, let outcome, let bare, let lastReason, let now):
            return refetched(answer, outcome, bare: bare, lastReason: lastReason, now: now)
        case .invitationRead(let message):
            let key = MailItem(headers: message.headers, internalDate: nil).key
            for part in message.calendarParts {
                // Stored all the same (derivation skips it or counts what the limits allow);
                // recorded so it is not silent.
                if let problem = CalendarSync.problem(with: part, window: window, floatingZone: floatingZone) {
                    note(key, .invitation, "its invitation (text/calendar part) \(problem)")
                }
            }
            batch.append((message, item(message)))
            nextInvitation += 1
            // Stored a batch at a time like the rest, not all at the end: a mailbox of 100,000
            // messages has thousands of invitations. The checkpoint stays below the first
            // invitation until they are all stored (see `commit`).
            guard batch.count >= batchSize else { return nextStep() }
            return [commit(final: false, full: true)]
        case .batchCommitted(let now):
            if let (maxStored, checkpoint) = committing {
                if let checkpoint { current = checkpoint }
                stored = max(stored, maxStored)
            }
            committing = nil
            lastCommit = now
            batch.removeAll(keepingCapacity: true)
            malformed.removeAll()
            switch phase {
            case .afterFetch:
                phase = .refetching
                return nextStep()
            case .refetching, .invitations:
                return nextStep()
            case .finishing:
                phase = .finished
                return [.done]
            default:
                return []
            }
        }
    }

    private mutating func examined(_ status: IMAPFolderStatus, _ stored: FolderCheckpoint?) -> [Action] {
        self.status = status
        total = max(0, status.messages)
        var actions: [Action] = []
        var checkpoint = stored
        if let c = checkpoint, c.uidValidity != status.uidValidity {
            let fresh = FolderCheckpoint(uidValidity: status.uidValidity, uidNext: nil, highestUID: 0, highestModSeq: nil)
            actions.append(.reset(old: c.uidValidity, fresh: fresh))
            checkpoint = fresh
        }
        hadCheckpoint = checkpoint != nil
        base = checkpoint ?? FolderCheckpoint(uidValidity: status.uidValidity, uidNext: nil, highestUID: 0, highestModSeq: nil)
        current = base
        highestSeen = base.highestUID
        self.stored = base.highestUID
        // Nothing new: UIDNEXT has not moved (new mail always moves it). A server that gives no
        // UIDNEXT (NetEase) is asked for the UIDs above the checkpoint alone, without headers: as
        // cheap, and no watermark is ever derived from a UIDNEXT that is not there.
        var nothingNew = status.messages == 0
        if let next = status.uidNext {
            nothingNew = nothingNew || base.uidNext == next || (next > 0 && next - 1 <= base.highestUID)
        } else if !nothingNew, checkpoint != nil, base.highestUID > 0 {
            phase = .listing
            return actions + [.uidsAfter(base.highestUID)]
        }
        return actions + nothingNewOrFetch(nothingNew)
    }

    private mutating func nothingNewOrFetch(_ nothingNew: Bool) -> [Action] {
        guard nothingNew else {
            phase = .fetching
            return [.fetch(.from(base.highestUID + 1))]
        }
        phase = .finished
        guard base.uidNext != status.uidNext || base.highestModSeq != status.highestModSeq || !hadCheckpoint else { return [.done] }
        var c = base
        c.uidNext = status.uidNext
        c.highestModSeq = status.highestModSeq
        return [.saveCheckpoint(c), .done]
    }

    private mutating func take(_ message: FetchedMessage, now: Date) -> [Action] {
        highestSeen = max(highestSeen, message.uid)
        if let s = message.structure, !s.calendarParts.isEmpty {
            pendingCalendar.append(message)
        } else {
            batch.append((message, item(message)))
        }
        guard batch.count >= batchSize || now.timeIntervalSince(lastCommit) >= commitInterval else { return [] }
        return [commit(final: false, full: true)]
    }

    private mutating func commit(final: Bool, full: Bool) -> Action {
        // The checkpoint may only move past UIDs that are stored: not past a message still
        // waiting, and not at all if the server answered out of order.
        let maxStored = batch.map(\.message.uid).max() ?? stored
        var safe = max(stored, maxStored)
        if let firstPending = (pendingCalendar.map(\.uid) + unreadable.map(\.holdBelow)).min() { safe = min(safe, firstPending &- 1) }
        if !inOrder && !final { safe = current.highestUID }
        var checkpoint: FolderCheckpoint? = nil
        if safe > current.highestUID || final {
            var c = current
            c.highestUID = max(c.highestUID, safe)
            if final {
                c.uidNext = status.uidNext
                c.highestModSeq = status.highestModSeq
            }
            checkpoint = c
        }
        committing = (maxStored, checkpoint)
        return .store(Batch(messages: batch, malformed: malformed, checkpoint: checkpoint, final: final, full: full))
    }

    /// After the big FETCH: the unreadable answers, one at a time; then the invitations; then
    /// the last batch.
    private mutating func nextStep() -> [Action] {
        if phase == .refetching {
            // Unreadable answers (a garbled stream, or a server bug about one message): fetched once
            // more as they were, then without BODYSTRUCTURE (what servers get wrong most), so the
            // mail counts even if its invitation parts cannot be found; else recorded as malformed.
            while nextUnreadable < unreadable.count {
                let answer = unreadable[nextUnreadable].answer
                guard answer.uid != nil || answer.sequence != nil else {
                    note(Self.ref(answer), .mail, "its FETCH answer could not be read (\(answer.reason)); it is not stored")
                    nextUnreadable += 1
                    continue
                }
                return [.refetch(answer)]
            }
            // Only now: the batches committed while refetching still held the checkpoint below them.
            unreadable.removeAll()
            phase = .invitations
        }
        if phase == .invitations {
            // Invitations: fetch their calendar parts now that the big FETCH is over.
            if nextInvitation < pendingCalendar.count {
                let message = pendingCalendar[nextInvitation]
                let parts = message.structure?.calendarParts ?? []
                let key = MailItem(headers: message.headers, internalDate: nil).key
                let fitting = parts.filter { ($0.size ?? 0) <= IMAPLimits.maxCalendarPartBytes }
                for part in parts where !fitting.contains(part) {
                    note(key, .invitation, "its text/calendar part \(part.number) is \((part.size ?? 0) >> 10) KiB, more than the limit of \(IMAPLimits.maxCalendarPartBytes >> 20) MiB; not read")
                }
                return [.fetchInvitation(message, parts: fitting)]
            }
            pendingCalendar.removeAll()
            phase = .finishing
            return [commit(final: true, full: false)]
        }
        return []
    }

    private mutating func refetched(_ answer: UnreadableFetch, _ outcome: FetchedMessage?, bare: Bool, lastReason: String,
                                    now: Date) -> [Action] {
        nextUnreadable += 1
        guard let message = outcome else {
            note(Self.ref(answer), .mail, "its FETCH answer could not be read, even without BODYSTRUCTURE (\(lastReason)); it is not stored")
            return nextStep()
        }
        guard message.uid > base.highestUID else { return nextStep() }
        fetched += 1
        if bare {
            let i = item(message)
            note(i.key, .mail, "its FETCH answer could not be read with BODYSTRUCTURE (\(answer.reason)); stored from its header fields alone, without invitation parts")
            batch.append((message, i))
            return nextStep()
        }
        let actions = take(message, now: now)
        return actions.isEmpty ? nextStep() : actions
    }

    private static func ref(_ answer: UnreadableFetch) -> String {
        answer.uid.map { "UID \($0)" } ?? "message \(answer.sequence.map(String.init) ?? "?") (UID unknown)"
    }

    private mutating func note(_ ref: String, _ kind: MalformedItem.Kind, _ reason: String) {
        let m = MalformedItem(account: account, location: folder, ref: ref, kind: kind, reason: reason)
        malformed.append(m)
        noted.append(m)
    }

    private mutating func item(_ message: FetchedMessage) -> MailItem {
        let item = MailItem(headers: message.headers, internalDate: MailSync.internalDate(message.internalDate),
                            topType: message.structure?.topType, calendarParts: message.calendarParts)
        if message.headers.count >= IMAPLimits.maxHeaderBytes {
            note(item.key, .mail, "its header fields are longer than \(IMAPLimits.maxHeaderBytes >> 10) KiB; only the first \(IMAPLimits.maxHeaderBytes >> 10) KiB were read")
        }
        return item
    }
}
