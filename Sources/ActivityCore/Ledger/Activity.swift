import Foundation

/// One counted step of the sales flow, with the rule that produced it.
public struct Activity: Sendable, Equatable, Codable {
    /// `manual`: added by hand (`adjust add`); its `ref` names the adjustment.
    public enum SourceType: String, Sendable, Codable { case imap, caldav, manual }

    public var id: String
    public var rep: String
    public var kind: Kind
    public var at: Date
    /// The organisation credited: a registrable domain, a freemail address, or `hint:…`.
    public var org: String
    /// Other organisations on the same mail or meeting.
    public var otherOrgs: [String]
    public var title: String
    public var rule: String
    public var sourceType: SourceType
    public var account: String
    /// Where the item lives: `Message-ID` for mail, `UID` (+ `RECURRENCE-ID`) for events.
    public var ref: String
    /// False for an activity voided by an adjustment: it stays listed but counts for nothing.
    public var counted = true
    /// The adjustment that changed or added this activity, if any.
    public var adjusted: Adjustment.Mark?

    public init(rep: String, kind: Kind, at: Date, org: String, otherOrgs: [String] = [], title: String, rule: String,
                sourceType: SourceType, account: String, ref: String) {
        self.rep = rep
        self.kind = kind
        self.at = at
        self.org = org
        self.otherOrgs = otherOrgs
        self.title = title
        self.rule = rule
        self.sourceType = sourceType
        self.account = account
        self.ref = ref
        self.id = Activity.makeID(rep: rep, kind: kind, ref: ref, org: org)
    }

    /// Stable across rebuilds and syncs: the same item gives the same id.
    public static func makeID(rep: String, kind: Kind, ref: String, org: String) -> String {
        // FNV-1a of `rep \u{1} kind \u{1} ref \u{1} org`, hashed part by part (no joined string).
        var h = FNV1a64()
        h.add(rep)
        h.add(1)
        h.add(kind.rawValue)
        h.add(1)
        h.add(ref)
        h.add(1)
        h.add(org)
        return h.hex
    }
}
