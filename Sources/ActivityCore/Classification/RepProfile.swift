import Foundation

/// A sales rep as the classifier sees them: their addresses and time zone.
public struct RepProfile: Sendable, Equatable {
    public var id: String
    public var name: String
    public var team: String?
    /// Lower-cased addresses.
    public var emails: Set<String>
    public var timeZone: TimeZone
    public var startDate: DateComponents?

    public init(id: String, name: String, team: String? = nil, emails: [String], timeZone: TimeZone, startDate: DateComponents? = nil) {
        self.id = id
        self.name = name
        self.team = team
        self.emails = Set(emails.map { $0.lowercased() })
        self.timeZone = timeZone
        self.startDate = startDate
    }

    public func owns(_ address: String?) -> Bool {
        guard let address else { return false }
        return emails.contains(address.lowercased())
    }
}

/// Everything classification depends on besides the items themselves.
public struct ClassificationSettings: Sendable {
    public var identity: OrgIdentity
    public var rules: Rules
    public var leadLookbackDays: Int
    public var sharedCredit: SharedCredit
    /// Every configured rep's addresses (lower case): an organiser who is another rep.
    public var repAddresses: Set<String>
    /// Organisation names that adjustments made one (`adjust alias`): applied before
    /// classification, so leads, stages, follow-ups and meeting dedup see one organisation.
    public var aliases: [String: String] = [:]

    public enum SharedCredit: String, Sendable { case each, organizer }

    public init(identity: OrgIdentity, rules: Rules = .builtIn, leadLookbackDays: Int = 365,
                sharedCredit: SharedCredit = .each, repAddresses: Set<String> = []) {
        self.identity = identity
        self.rules = rules
        self.leadLookbackDays = leadLookbackDays
        self.sharedCredit = sharedCredit
        self.repAddresses = repAddresses
    }
}

/// What classification made of one item: the activities it yielded, or why it counts for nothing.
public struct ItemVerdict: Sendable, Equatable {
    public var itemKey: String
    public var activities: [Activity]
    /// nil when the item counted; otherwise the reason it counts for nothing.
    public var ignored: String?
    /// Mail exchanged with organisations, counted or not: what follow-ups due are computed from.
    public var exchanges: [Exchange] = []

    public init(itemKey: String, activities: [Activity], ignored: String?, exchanges: [Exchange] = []) {
        self.itemKey = itemKey
        self.activities = activities
        self.ignored = ignored
        self.exchanges = exchanges
    }
}

/// A mail to or from an organisation (inbound replies count here even when they yield nothing).
public struct Exchange: Sendable, Equatable {
    public enum Direction: String, Sendable { case outbound, inbound }
    public var org: String
    public var at: Date
    public var direction: Direction

    public init(org: String, at: Date, direction: Direction) {
        self.org = org
        self.at = at
        self.direction = direction
    }
}
