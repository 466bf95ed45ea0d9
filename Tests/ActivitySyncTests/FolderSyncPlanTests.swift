import Foundation
import Testing
import ActivityStore
@testable import ActivitySync
import ActivityTransport

/// The per-folder rule alone: events in, actions out, no server and no store.
@Suite("Folder sync plan")
struct FolderSyncPlanTests {
    static let t0 = Date(timeIntervalSince1970: 1_790_000_000)

    /// A message as a server's FETCH answer gives it; with a text/calendar part if `invitation`.
    static func message(uid: UInt32, sequence: Int? = nil, invitation: Bool = false) throws -> FetchedMessage {
        let headers = "Message-ID: <m\(uid)@example.com>\r\nSubject: \(uid)\r\n\r\n"
        let plain = "(\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 10 1)"
        let structure = invitation ? "(\(plain)(\"text\" \"calendar\" (\"method\" \"REQUEST\") NIL NIL \"7bit\" 100 3) \"mixed\")" : plain
        let text = "* \(sequence ?? Int(uid)) FETCH (UID \(uid) INTERNALDATE \"17-Nov-2026 10:05:00 +0800\" "
            + "BODY[HEADER.FIELDS (MESSAGE-ID SUBJECT)]<0> {\(headers.utf8.count)}\r\n\(headers) BODYSTRUCTURE \(structure))\r\n"
        return try #require(FetchedMessage(try IMAPResponseParser.parse(Array(text.utf8))))
    }

    static func status(uidNext: UInt32?, messages: Int, validity: UInt32 = 7) -> IMAPFolderStatus {
        IMAPFolderStatus(uidValidity: validity, uidNext: uidNext, highestModSeq: nil, messages: messages)
    }

    static func plan(batchSize: Int = 2) -> FolderSyncPlan {
        var plan = FolderSyncPlan(account: "a", folder: "INBOX", now: t0)
        plan.batchSize = batchSize
        plan.commitInterval = .greatestFiniteMagnitude
        return plan
    }

    /// The batches and checkpoints of the `store` actions among `actions`.
    static func stores(_ actions: [FolderSyncPlan.Action]) -> [(uids: [UInt32], checkpoint: UInt32?)] {
        actions.compactMap {
            if case .store(let b) = $0 { return (b.messages.map(\.message.uid), b.checkpoint?.highestUID) }
            return nil
        }
    }

    @Test("A new folder is fetched from UID 1, in batches, each moving the checkpoint to its last UID")
    func batches() throws {
        var plan = Self.plan()
        let start = plan.handle(.examined(Self.status(uidNext: 4, messages: 3), nil))
        guard case .fetch(let set) = try #require(start.first) else { Issue.record("\(start)"); return }
        #expect(set == .from(1))
        #expect(plan.handle(.messageRead(try Self.message(uid: 1), now: Self.t0)).isEmpty)
        let full = plan.handle(.messageRead(try Self.message(uid: 2), now: Self.t0))
        #expect(Self.stores(full).map(\.uids) == [[1, 2]])
        #expect(Self.stores(full).map(\.checkpoint) == [2])
        #expect(plan.handle(.batchCommitted(now: Self.t0)).isEmpty)
        _ = plan.handle(.messageRead(try Self.message(uid: 3), now: Self.t0))
        let ended = plan.handle(.fetchEnded)
        #expect(Self.stores(ended).map(\.uids) == [[3]])
        let last = plan.handle(.batchCommitted(now: Self.t0))
        guard case .store(let final) = try #require(last.first) else { Issue.record("\(last)"); return }
        #expect(final.final && final.messages.isEmpty && final.checkpoint?.uidNext == 4 && final.checkpoint?.highestUID == 3)
        guard case .done = try #require(plan.handle(.batchCommitted(now: Self.t0)).first) else { Issue.record("not done"); return }
    }

    @Test("A pending invitation holds the checkpoint below its UID until its calendar parts are stored")
    func invitationHoldsTheCheckpoint() throws {
        var plan = Self.plan()
        _ = plan.handle(.examined(Self.status(uidNext: 6, messages: 5), nil))
        _ = plan.handle(.messageRead(try Self.message(uid: 1), now: Self.t0))
        _ = plan.handle(.messageRead(try Self.message(uid: 2, invitation: true), now: Self.t0))
        let full = plan.handle(.messageRead(try Self.message(uid: 3), now: Self.t0))
        #expect(Self.stores(full).map(\.uids) == [[1, 3]])
        #expect(Self.stores(full).map(\.checkpoint) == [1])
        _ = plan.handle(.batchCommitted(now: Self.t0))
        #expect(Self.stores(plan.handle(.fetchEnded)).map(\.checkpoint) == [nil])
        let next = plan.handle(.batchCommitted(now: Self.t0))
        guard case .fetchInvitation(let m, let parts) = try #require(next.first) else { Issue.record("\(next)"); return }
        #expect(m.uid == 2 && parts.map(\.number) == ["2"])
        var read = m
        read.calendarParts = [Array("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n".utf8)]
        let final = plan.handle(.invitationRead(read))
        #expect(Self.stores(final).map(\.uids) == [[2]])
        #expect(Self.stores(final).map(\.checkpoint) == [3])
    }

    @Test("Invitations are stored a batch at a time, the checkpoint held below the first until the last is stored")
    func invitationsInBatches() throws {
        var plan = Self.plan(batchSize: 2)
        _ = plan.handle(.examined(Self.status(uidNext: 6, messages: 5), nil))
        for uid in [1, 2, 4] as [UInt32] { _ = plan.handle(.messageRead(try Self.message(uid: uid, invitation: true), now: Self.t0)) }
        _ = plan.handle(.messageRead(try Self.message(uid: 5), now: Self.t0))
        #expect(Self.stores(plan.handle(.fetchEnded)).map(\.uids) == [[5]])
        var next = plan.handle(.batchCommitted(now: Self.t0))
        func read(_ actions: [FolderSyncPlan.Action]) throws -> [FolderSyncPlan.Action] {
            guard case .fetchInvitation(var m, _) = try #require(actions.first) else { Issue.record("\(actions)"); return [] }
            m.calendarParts = [Array("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n".utf8)]
            return plan.handle(.invitationRead(m))
        }
        next = try read(next)
        guard case .fetchInvitation = try #require(next.first) else { Issue.record("\(next)"); return }
        let full = try read(next)
        #expect(Self.stores(full).map(\.uids) == [[1, 2]])
        #expect(Self.stores(full).map(\.checkpoint) == [nil])
        guard case .store(let batch) = try #require(full.first) else { return }
        #expect(batch.full && !batch.final)
        let last = try read(plan.handle(.batchCommitted(now: Self.t0)))
        #expect(Self.stores(last).map(\.uids) == [[4]])
        #expect(Self.stores(last).map(\.checkpoint) == [5])
    }

    @Test("An unreadable answer holds the checkpoint below it, and is fetched once more after the big FETCH")
    func unreadableHoldsTheCheckpoint() throws {
        var plan = Self.plan(batchSize: 10)
        _ = plan.handle(.examined(Self.status(uidNext: 4, messages: 3), nil))
        _ = plan.handle(.messageRead(try Self.message(uid: 1), now: Self.t0))
        let broken = UnreadableFetch(sequence: 2, uid: 2, reason: "garbled")
        #expect(plan.handle(.unreadable(broken)).isEmpty)
        _ = plan.handle(.messageRead(try Self.message(uid: 3), now: Self.t0))
        #expect(Self.stores(plan.handle(.fetchEnded)).map(\.checkpoint) == [1])
        let next = plan.handle(.batchCommitted(now: Self.t0))
        guard case .refetch(let answer) = try #require(next.first) else { Issue.record("\(next)"); return }
        #expect(answer == broken)
        // Still unreadable: recorded as malformed, and the checkpoint moves past it at the end.
        let final = plan.handle(.refetched(broken, nil, bare: false, reason: "garbled again", now: Self.t0))
        guard case .store(let batch) = try #require(final.first) else { Issue.record("\(final)"); return }
        #expect(batch.final && batch.checkpoint?.highestUID == 3)
        #expect(batch.malformed.map(\.ref) == ["UID 2"])
    }

    @Test("Answers out of order: the checkpoint stays until the folder's last batch")
    func outOfOrder() throws {
        var plan = Self.plan()
        _ = plan.handle(.examined(Self.status(uidNext: 5, messages: 4), nil))
        _ = plan.handle(.messageRead(try Self.message(uid: 3, sequence: 3), now: Self.t0))
        let full = plan.handle(.messageRead(try Self.message(uid: 1, sequence: 1), now: Self.t0))
        #expect(Self.stores(full).map(\.checkpoint) == [nil])
    }

    @Test("Without UIDNEXT (NetEase) the UIDs above the checkpoint are asked for; none: nothing is fetched")
    func withoutUIDNext() throws {
        var plan = Self.plan()
        let checkpoint = FolderCheckpoint(uidValidity: 7, uidNext: nil, highestUID: 9, highestModSeq: nil)
        let start = plan.handle(.examined(Self.status(uidNext: nil, messages: 9), checkpoint))
        guard case .uidsAfter(9) = try #require(start.first) else { Issue.record("\(start)"); return }
        let none = plan.handle(.uidsListed([]))
        guard case .done = try #require(none.first) else { Issue.record("\(none)"); return }
        var again = Self.plan()
        _ = again.handle(.examined(Self.status(uidNext: nil, messages: 10), checkpoint))
        guard case .fetch(let set) = try #require(again.handle(.uidsListed([10])).first) else { Issue.record("no fetch"); return }
        #expect(set == .from(10))
    }

    @Test("A changed UIDVALIDITY forgets the folder's locations and fetches it again from UID 1")
    func uidValidityChanged() throws {
        var plan = Self.plan()
        let old = FolderCheckpoint(uidValidity: 7, uidNext: 10, highestUID: 9, highestModSeq: nil)
        let actions = plan.handle(.examined(Self.status(uidNext: 3, messages: 2, validity: 8), old))
        guard actions.count == 2, case .reset(7, let fresh) = actions[0], case .fetch(let set) = actions[1] else {
            Issue.record("\(actions)"); return
        }
        #expect(fresh.uidValidity == 8 && fresh.highestUID == 0)
        #expect(set == .from(1))
    }
}
