import Foundation

/// A correction a person made to the ledger (DOMAIN.md "Corrections"): it sits beside the derived
/// activities, is never edited or deleted, and is applied after every derivation. Which fields
/// are set depends on the action:
/// - `add`: `rep`, `activity` (the id given to the new activity), `kind`, `org`, `activityAt`, `title`;
/// - `void`, `reclassify`: `rep`, `activity`, `fromKind`, `org`, `activityAt`, `title`, `ref` (what
///   the activity was when the adjustment was made, so that it can be found again and shown
///   when it is orphaned), and for `reclassify` the new `kind`;
/// - `alias`: `org` (the name that goes away) and `toOrg` (the name it becomes);
/// - `revoke`: `revokes` (the adjustment withdrawn) and, for the audit list, that one's `rep`.
public struct Adjustment: Sendable, Equatable {
    public enum Action: String, Sendable, CaseIterable { case add, void, reclassify, alias, revoke }

    public var id: Int64
    public var action: Action
    public var rep: String?
    public var activity: String?
    public var kind: Kind?
    public var fromKind: Kind?
    public var org: String?
    public var toOrg: String?
    public var activityAt: Date?
    public var title: String?
    public var ref: String?
    public var revokes: Int64?
    public var by: String
    public var madeAt: Date
    public var reason: String

    public init(id: Int64 = 0, action: Action, rep: String? = nil, activity: String? = nil, kind: Kind? = nil,
                fromKind: Kind? = nil, org: String? = nil, toOrg: String? = nil, activityAt: Date? = nil,
                title: String? = nil, ref: String? = nil, revokes: Int64? = nil, by: String, madeAt: Date, reason: String) {
        self.id = id
        self.action = action
        self.rep = rep
        self.activity = activity
        self.kind = kind
        self.fromKind = fromKind
        self.org = org
        self.toOrg = toOrg
        self.activityAt = activityAt
        self.title = title
        self.ref = ref
        self.revokes = revokes
        self.by = by
        self.madeAt = madeAt
        self.reason = reason
    }

    /// The `ref` of an activity added by hand: it names the adjustment, as a Message-ID names a mail.
    public static func manualRef(_ id: Int64) -> String { "adjustment:\(id)" }

    /// What an adjustment did to the activity it is attached to, as reports show it.
    public struct Mark: Sendable, Equatable, Codable {
        public var id: Int64
        public var action: Action
        /// The kind the activity was derived as (a reclassified one has another now).
        public var fromKind: Kind?
        public var by: String
        public var at: Date
        public var reason: String

        public init(id: Int64, action: Action, fromKind: Kind?, by: String, at: Date, reason: String) {
            self.id = id
            self.action = action
            self.fromKind = fromKind
            self.by = by
            self.at = at
            self.reason = reason
        }
    }
}

extension Adjustment.Action: Codable {}

/// Every adjustment of a ledger, resolved: which are withdrawn, what the aliases make of an
/// organisation name, and a rep's derived activities with the adjustments applied. Pure: the
/// same adjustments and activities give the same ledger, whatever order things were synced in.
public struct Adjustments: Sendable {
    public let all: [Adjustment]
    /// The revoke entry that withdrew an adjustment, by the withdrawn one's id.
    public let revokedBy: [Int64: Adjustment]
    /// Each aliased name and the name it finally becomes (chains followed).
    public let aliases: [String: String]

    public init(_ all: [Adjustment]) {
        self.all = all.sorted { $0.id < $1.id }
        var revokedBy: [Int64: Adjustment] = [:]
        for a in self.all where a.action == .revoke {
            if let target = a.revokes, revokedBy[target] == nil { revokedBy[target] = a }
        }
        self.revokedBy = revokedBy
        var direct: [String: String] = [:]
        for a in self.all where a.action == .alias && revokedBy[a.id] == nil {
            if let from = a.org, let to = a.toOrg { direct[from] = to }
        }
        self.aliases = Adjustments.resolve(direct)
    }

    public static let none = Adjustments([])

    public var isEmpty: Bool { all.isEmpty }

    /// Follows each alias to its end; a cycle (which `adjust alias` refuses to make) stops where
    /// it would repeat a name.
    static func resolve(_ direct: [String: String]) -> [String: String] {
        var out: [String: String] = [:]
        for start in direct.keys {
            var seen: Set<String> = [start]
            var name = direct[start]!
            while let next = direct[name], !seen.contains(next) {
                seen.insert(name)
                name = next
            }
            if name != start { out[start] = name }
        }
        return out
    }

    /// The organisation an aliased name stands for; any other name unchanged.
    public func canonical(_ org: String) -> String { aliases[org] ?? org }

    public func isRevoked(_ id: Int64) -> Bool { revokedBy[id] != nil }

    public func adjustment(_ id: Int64) -> Adjustment? { all.first { $0.id == id } }

    /// The ids an adjusted activity may have now: the one it had when adjusted, and the one it has
    /// when an alias made later renamed its organisation (ids are made from the organisation).
    public func targetIDs(of a: Adjustment) -> [String] {
        guard let rep = a.rep, let id = a.activity else { return [] }
        var ids = [id]
        if let kind = a.fromKind, let ref = a.ref, let org = a.org {
            let renamed = Activity.makeID(rep: rep, kind: kind, ref: ref, org: canonical(org))
            if renamed != id { ids.append(renamed) }
        }
        return ids
    }

    /// A rep's derived activities with the rep's adjustments applied: activities added by hand
    /// join them, and a void or reclassify changes the activity it names — when an activity is
    /// adjusted twice, the later adjustment that still stands decides. Withdrawn adjustments do
    /// nothing. Returns the activities, and the adjustments whose activity is not among them
    /// (orphaned, e.g. after a rules change).
    public func apply(to derived: [Activity], rep: String) -> (activities: [Activity], orphaned: [Adjustment]) {
        var activities = derived
        let standing = all.filter { $0.rep == rep && !isRevoked($0.id) }
        for a in standing where a.action == .add {
            guard let kind = a.kind, let at = a.activityAt, let id = a.activity else { continue }
            var added = Activity(rep: rep, kind: kind, at: at, org: canonical(a.org ?? ""), title: a.title ?? "",
                                 rule: "manual", sourceType: .manual, account: "", ref: Adjustment.manualRef(a.id))
            added.id = id
            added.adjusted = Adjustment.Mark(id: a.id, action: .add, fromKind: nil, by: a.by, at: a.madeAt, reason: a.reason)
            activities.append(added)
        }
        var index: [String: Int] = [:]
        for (i, a) in activities.enumerated() { index[a.id] = i }
        var orphaned: [Adjustment] = []
        for a in standing where a.action == .void || a.action == .reclassify {
            guard let i = targetIDs(of: a).lazy.compactMap({ index[$0] }).first else {
                orphaned.append(a)
                continue
            }
            // Each one applies to the activity as derived, so the later one wins outright.
            var activity = activities[i]
            let derivedKind = activity.adjusted?.fromKind ?? activity.kind
            activity.kind = derivedKind
            activity.counted = true
            if a.action == .void {
                activity.counted = false
            } else if let kind = a.kind {
                activity.kind = kind
            }
            activity.adjusted = Adjustment.Mark(id: a.id, action: a.action, fromKind: derivedKind, by: a.by, at: a.madeAt, reason: a.reason)
            activities[i] = activity
        }
        return (activities, orphaned)
    }

    /// The adjustments that name an activity which is not in the ledger (its rep's stored
    /// activities, by id): void and reclassify only, withdrawn ones excluded.
    public func orphaned(present: (String) throws -> Bool) rethrows -> Set<Int64> {
        var out: Set<Int64> = []
        for a in all where (a.action == .void || a.action == .reclassify) && !isRevoked(a.id) {
            if try !targetIDs(of: a).contains(where: present) { out.insert(a.id) }
        }
        return out
    }
}
