import Foundation

/// Meetings: DOMAIN.md's calendar rules. An event instance from a rep's calendar, or from an
/// invitation mailed to or by the rep, is judged with the same history as the rep's mail.
extension Classifier {
    /// One event instance with where it came from.
    public struct EventInput: Sendable {
        public enum Origin: String, Sendable { case calendar, invitation }
        public var instance: EventInstance
        public var account: String
        public var origin: Origin

        public init(instance: EventInstance, account: String, origin: Origin) {
            self.instance = instance
            self.account = account
            self.origin = origin
        }

        /// UID, plus RECURRENCE-ID for an instance of a series: the dedup key of DOMAIN.md.
        public var key: String {
            instance.recurrenceID.map { "\(instance.uid)/\($0)" } ?? instance.uid
        }
    }

    /// Everything a rep has, mail and meetings, replayed in one timeline.
    public func classify(mails: [MailInput], events: [EventInput]) -> [ItemVerdict] {
        let order = mails.indices.sorted {
            Classifier.precedes((mails[$0].item.date, true, mails[$0].item.key), (mails[$1].item.date, true, mails[$1].item.key))
        }
        var replay = Replay(self, events: events)
        var out: [ItemVerdict] = []
        out.reserveCapacity(mails.count + events.count)
        for i in order { replay.add(mails[i]) { out.append($0) } }
        replay.finish { out.append($0) }
        return out
    }

    /// The timeline's order: by time; at the same second, meetings before mail; then by key,
    /// compared as UTF-8 bytes (SQLite's BINARY collation), so the store can hand mail over in
    /// this very order (`Store.forEachMail`) and a rep's mail need not be held in memory.
    static func precedes(_ a: (date: Date, isMail: Bool, key: String), _ b: (date: Date, isMail: Bool, key: String)) -> Bool {
        if a.date != b.date { return a.date < b.date }
        if a.isMail != b.isMail { return !a.isMail }
        return a.key.utf8.lexicographicallyPrecedes(b.key.utf8)
    }

    /// A rep's history replayed item by item: mail is given in timeline order (see `precedes`),
    /// meetings all at once up front, and each verdict comes out as soon as it is known.
    public struct Replay {
        private let classifier: Classifier
        private var history = History()
        /// Deduplicated, in timeline order.
        private let events: [EventInput]
        private let positions: [(date: Date, isMail: Bool, key: String)]
        private var next = 0

        public init(_ classifier: Classifier, events: [EventInput]) {
            self.classifier = classifier
            history.aliases = classifier.settings.aliases
            let unique = Classifier.deduplicated(events)
            let keys = unique.map { (date: $0.instance.start, isMail: false, key: $0.key) }
            let order = keys.indices.sorted { Classifier.precedes(keys[$0], keys[$1]) }
            self.events = order.map { unique[$0] }
            self.positions = order.map { keys[$0] }
        }

        /// The verdicts of the meetings before `mail`, then the mail's.
        public mutating func add(_ mail: MailInput, _ emit: (ItemVerdict) throws -> Void) rethrows {
            let position = (date: mail.item.date, isMail: true, key: mail.item.key)
            while next < events.count, Classifier.precedes(positions[next], position) {
                try emit(classifier.judge(events[next], history: &history))
                next += 1
            }
            try emit(classifier.classify(mail, history: &history))
        }

        /// The verdicts of the meetings after the last mail.
        public mutating func finish(_ emit: (ItemVerdict) throws -> Void) rethrows {
            while next < events.count {
                try emit(classifier.judge(events[next], history: &history))
                next += 1
            }
        }
    }

    /// One activity per (UID, RECURRENCE-ID): the calendar copy wins over a mailed invitation;
    /// among invitations the highest SEQUENCE wins.
    public static func deduplicated(_ events: [EventInput]) -> [EventInput] {
        var best: [String: EventInput] = [:]
        var order: [String] = []
        for e in events {
            guard let current = best[e.key] else {
                best[e.key] = e
                order.append(e.key)
                continue
            }
            let better: Bool
            if current.origin != e.origin {
                better = e.origin == .calendar
            } else {
                better = (e.instance.sequence, e.account) > (current.instance.sequence, current.account)
            }
            if better { best[e.key] = e }
        }
        return order.compactMap { best[$0] }
    }

    func judge(_ input: EventInput, history: inout History) -> ItemVerdict {
        let event = input.instance
        let key = input.key
        func ignored(_ why: String) -> ItemVerdict { ItemVerdict(itemKey: key, activities: [], ignored: why) }
        let identity = settings.identity

        if event.status == "CANCELLED" { return ignored("the event is cancelled") }
        if let me = event.attendees.first(where: { rep.owns($0.address) }), me.partstat == "DECLINED" {
            return ignored("\(rep.id) declined the meeting")
        }
        if settings.sharedCredit == .organizer, let organizer = event.organizer?.address,
           !rep.owns(organizer), settings.repAddresses.contains(organizer.lowercased()) {
            return ignored("shared_credit = organizer: the meeting is credited to its organiser \(organizer)")
        }
        if let word = settings.rules.ignoreMatch(event.summary) {
            return ignored("internal meeting (\"\(word)\" is on the ignore list)")
        }

        // External organisations: attendees in order, then the organiser.
        var orgs: [String] = []
        for p in event.attendees + [event.organizer].compactMap({ $0 }) {
            if let org = history.externalOrg(p.address, rep: rep, identity), !orgs.contains(org) { orgs.append(org) }
        }
        let keyword = settings.rules.match(event.summary)
        let location = (event.location ?? "").trimmedWhitespace
        let onlineText = [location, event.description ?? "", event.url ?? ""].joined(separator: "\n")
        let online = settings.rules.onlineMarker(in: onlineText)
        let physical = !location.isEmpty && settings.rules.onlineMarker(in: location) == nil

        var kind: Kind
        var rule: String
        var credited: String
        // The credited organisation's name before any alias (for the meeting dedup below).
        var unaliased: String?
        var addressIdentified = true
        if let keyword {
            kind = keyword.kind
            rule = "keyword:\(keyword.keyword)"
            if let first = orgs.first {
                credited = first
            } else {
                // No external attendee: an address in the event if there is one, else a hint
                // from the SUMMARY (reps log "拜访XX公司" in their own calendar).
                if let org = Classifier.addressIn(event.description ?? "", identity: identity) {
                    credited = settings.aliases[org] ?? org
                    unaliased = org
                    orgs = [credited]
                } else {
                    let hint = "hint:" + orgHint(event.summary)
                    credited = settings.aliases[hint] ?? hint
                    unaliased = hint
                    // A hint a manager aliased to an organisation is that organisation.
                    addressIdentified = credited != hint
                    if addressIdentified { orgs = [credited] }
                }
            }
        } else {
            guard let first = orgs.first else {
                return ignored(event.attendees.isEmpty ? "no keyword and no external attendee" : "internal meeting with no keyword")
            }
            credited = first
            if physical {
                kind = .visit
                rule = "meeting:external-in-person"
            } else if let online {
                if history.lastCounted[first] == nil {
                    kind = .contact
                    rule = "meeting:online-first-contact(\(online))"
                } else {
                    kind = .followUp
                    rule = "meeting:online-known-org(\(online))"
                }
            } else {
                return ignored("an external meeting with no keyword, no location and no online link")
            }
        }
        let activityDate = event.start
        // Two meetings at the same start that only an alias made the same organisation's (a
        // calendar entry "拜访华为 坂田基地" and huawei.com's invitation) are one meeting.
        let meetingKey = MeetingKey(org: credited, start: activityDate)
        if unaliased == nil {
            // Credited from an attendee or the organiser: the first whose organisation it is.
            unaliased = credited
            if settings.aliases.values.contains(credited) {
                for p in event.attendees + [event.organizer].compactMap({ $0 })
                where history.externalOrg(p.address, rep: rep, identity) == credited {
                    unaliased = identity.org(of: p.address)
                    break
                }
            }
        }
        if let earlier = history.meetings[meetingKey], earlier != unaliased ?? credited {
            return ignored("the same meeting as one already counted at this start with \(credited) (as \(earlier); an alias makes them one organisation)")
        }
        history.meetings[meetingKey] = unaliased ?? credited
        var activities: [Activity] = []
        if addressIdentified {
            activities += leads(for: orgs, at: activityDate, history: history, ref: key, title: event.summary,
                                source: .caldav, account: input.account)
        }
        activities.append(Activity(rep: rep.id, kind: kind, at: activityDate, org: credited,
                                   otherOrgs: orgs.filter { $0 != credited }, title: event.summary, rule: rule,
                                   sourceType: .caldav, account: input.account, ref: key))
        for org in (addressIdentified ? orgs : [credited]) {
            history.lastCounted[org] = activityDate
            history.contacted.insert(org)
        }
        return ItemVerdict(itemKey: key, activities: activities, ignored: nil)
    }

    /// DOMAIN.md's org hint: the SUMMARY without its keywords, brackets and punctuation.
    func orgHint(_ summary: String) -> String {
        var text = summary
        for kind in Rules.precedence {
            for word in settings.rules.keywords[kind] ?? [] where !word.allSatisfy(\.isASCII) {
                text = text.replacingOccurrences(of: word, with: " ")
            }
        }
        let kept = text.unicodeScalars.map { u -> Character in
            let p = u.properties
            if p.generalCategory == .openPunctuation || p.generalCategory == .closePunctuation
                || p.generalCategory == .otherPunctuation || p.generalCategory == .dashPunctuation
                || p.generalCategory == .initialPunctuation || p.generalCategory == .finalPunctuation
                || p.generalCategory == .mathSymbol || p.generalCategory == .otherSymbol || u == "|" {
                return " "
            }
            return Character(u)
        }
        var words = String(kept).lowercased().split(whereSeparator: { $0.isWhitespace }).map(String.init)
        // ASCII keywords are whole words: drop them as words.
        let asciiKeywords = Set(Rules.precedence.flatMap { settings.rules.keywords[$0] ?? [] }.filter { $0.allSatisfy(\.isASCII) }.map { $0.lowercased() })
        words.removeAll { asciiKeywords.contains($0) }
        let hint = words.joined(separator: " ")
        return hint.isEmpty ? summary.lowercased() : hint
    }

    /// The first external address written in a text (mailto: links in an event's DESCRIPTION).
    static func addressIn(_ text: String, identity: OrgIdentity) -> String? {
        for token in text.split(whereSeparator: { $0.isWhitespace || "<>()[],;:\"'".contains($0) }) where token.contains("@") {
            if let org = identity.org(of: String(token)) { return org }
        }
        return nil
    }
}
