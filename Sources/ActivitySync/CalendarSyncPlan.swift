import Foundation
import ActivityTransport

/// The rule of one calendar's incremental sync, apart from doing it (as `FolderSyncPlan` is for
/// a mail folder): what to list, what to fetch, what is gone, when the sync token moves. A pure
/// value: `CalendarSync` does the requests and the store writes and tells it how they went.
///
/// Events: `started` (the etags the store has), then `changesListed` (or `tokenInvalid`, then
/// `changesListed` again) or `etagsListed`, an `itemsFetched` per multiget answer and a
/// `committed` after every `store`, `fetchEnded`, and the `committed` of `finish`.
public struct CalendarSyncPlan {
    public enum Event {
        /// The calendar's objects in the store, href → etag.
        case started(stored: [String: String])
        case changesListed(CalDAVChanges)
        /// The server no longer knows the stored token.
        case tokenInvalid
        case etagsListed([String: String])
        /// One calendar-multiget answer.
        case itemsFetched([CalDAVItem])
        case fetchEnded
        /// The last `store` or `finish` is committed.
        case committed
    }

    public enum Action {
        /// sync-collection since the token (nil: everything); answer with `changesListed` or
        /// `tokenInvalid`.
        case listChanges(since: String?)
        /// PROPFIND of every member's etag; answer with `etagsListed`.
        case listETags
        /// calendar-multiget of these hrefs; answer with `itemsFetched`, then `fetchEnded`.
        case fetch([String])
        /// Store these objects (each with the etag to keep), in one transaction, without the
        /// token; answer with `committed`.
        case store([CalDAVItem])
        /// Delete these hrefs and save the token, in one transaction; answer with `committed`.
        case finish(gone: [String], token: String?)
        case done
    }

    public let calendar: CalDAVCalendar
    public let token: String?
    /// Objects stored and deleted by this sync (`done`'s count of changes).
    public private(set) var fetched = 0
    public private(set) var gone: [String] = []

    private var stored: [String: String] = [:]
    private var changed: [String: String] = [:]     // href → etag
    private var deleted: Set<String> = []
    private var newToken: String? = nil
    private var finishing = false
    /// The stored token was refused and everything listed again.
    private var fromScratch = false

    public init(calendar: CalDAVCalendar, token: String?) {
        self.calendar = calendar
        self.token = token
    }

    public mutating func handle(_ event: Event) -> [Action] {
        switch event {
        case .started(let stored):
            self.stored = stored
            return [calendar.supportsSyncCollection ? .listChanges(since: token) : .listETags]
        case .changesListed(let c):
            newToken = c.token
            for (href, etag) in c.changed { changed[href] = etag }
            if !fromScratch { deleted = Set(c.deleted) }
            return listed(full: token == nil || token == "" || fromScratch)
        case .tokenInvalid:
            // Listed again from scratch: what that listing misses is gone.
            fromScratch = true
            return [.listChanges(since: nil)]
        case .etagsListed(let etags):
            changed = etags
            return listed(full: true)
        case .itemsFetched(let items):
            guard !items.isEmpty else { return [] }
            fetched += items.count
            return [.store(items.map { CalDAVItem(href: $0.href, etag: changed[$0.href] ?? $0.etag, data: $0.data) })]
        case .fetchEnded:
            gone = deleted.filter { stored[$0] != nil }.sorted()
            finishing = true
            return [.finish(gone: gone, token: newToken)]
        case .committed:
            return finishing ? [.done] : []
        }
    }

    private mutating func listed(full: Bool) -> [Action] {
        if full {
            // A full listing: whatever the store has and the server did not list is gone.
            for href in stored.keys where changed[href] == nil { deleted.insert(href) }
        }
        // Changed items are committed a request's worth at a time, without the token: after a
        // cut or a crash, the next try lists the same changes again and skips, by etag, what is
        // already stored. The token moves only with the last transaction, the deletions'.
        return [.fetch(changed.filter { stored[$0.key] != $0.value }.map(\.key).sorted())]
    }
}
