/// Classification rules as data: keywords per kind, online-meeting markers and the ignore list.
/// The built-in defaults are DOMAIN.md's tables; `Config/rules.toml` spells the same defaults
/// out for operators, and a deployment adds its own words on top.
public struct Rules: Sendable, Equatable {
    /// Keyword kinds in precedence order, first match wins (DOMAIN.md: demo › onboarding ›
    /// closing › payment › follow_up › visit).
    public static let precedence: [Kind] = [.demo, .onboarding, .closing, .payment, .followUp, .visit]

    public private(set) var keywords: [Kind: [String]]
    public private(set) var onlineMarkers: [String]
    public private(set) var ignore: [String]
    /// The same words folded once, in precedence order, so matching a subject folds only it.
    private var foldedKeywords: [(kind: Kind, word: String, folded: [Unicode.Scalar])] = []
    /// Those of the kinds a mail's subject can give (`Kind.mailKeywordKinds`), the usual question.
    private var foldedMailKeywords: [(kind: Kind, word: String, folded: [Unicode.Scalar])] = []
    private var foldedIgnore: [(word: String, folded: [Unicode.Scalar])] = []
    private var foldedOnline: [(word: String, folded: [Unicode.Scalar])] = []

    public init(keywords: [Kind: [String]], onlineMarkers: [String], ignore: [String]) {
        self.keywords = keywords
        self.onlineMarkers = onlineMarkers
        self.ignore = ignore
        foldedKeywords = Rules.precedence.flatMap { kind in
            (keywords[kind] ?? []).map { (kind, $0, Keyword.fold($0)) }
        }
        foldedMailKeywords = foldedKeywords.filter { Kind.mailKeywordKinds.contains($0.kind) }
        foldedIgnore = ignore.map { ($0, Keyword.fold($0)) }
        foldedOnline = onlineMarkers.map { ($0, Keyword.fold($0)) }
    }

    public static func == (a: Rules, b: Rules) -> Bool {
        a.keywords == b.keywords && a.onlineMarkers == b.onlineMarkers && a.ignore == b.ignore
    }

    public static let builtIn = Rules(
        keywords: [
            .demo: ["演示", "展示", "试用", "产品介绍会", "demo", "POC", "presentation", "trial"],
            .onboarding: ["安装", "实施", "培训", "上线", "部署", "installation", "deployment", "training",
                          "onboarding", "kickoff", "go-live"],
            .closing: ["报价", "谈判", "合同", "签约", "商务", "投标", "quote", "quotation", "proposal", "contract",
                       "negotiation", "tender"],
            .payment: ["回款", "付款", "收款", "发票", "首期款", "payment", "invoice", "remittance"],
            .followUp: ["回访", "跟进", "复访", "follow up", "follow-up", "check-in"],
            .visit: ["拜访", "面谈", "上门", "现场", "见面", "visit", "on-site", "onsite"],
        ],
        onlineMarkers: ["zoom.us", "teams.microsoft.com", "webex.com", "meet.google.com", "meeting.tencent.com",
                        "腾讯会议", "dingtalk.com", "钉钉", "feishu.cn", "飞书"],
        ignore: ["内部", "周会", "例会", "新员工", "团建", "internal", "all-hands", "standup", "1:1"])

    /// These rules with a deployment's words added (never removed: the defaults stay).
    public func adding(keywords extra: [Kind: [String]], onlineMarkers extraOnline: [String], ignore extraIgnore: [String]) -> Rules {
        var k = keywords
        for (kind, words) in extra { k[kind, default: []].append(contentsOf: words.filter { !(k[kind] ?? []).contains($0) }) }
        return Rules(keywords: k,
                     onlineMarkers: onlineMarkers + extraOnline.filter { !onlineMarkers.contains($0) },
                     ignore: ignore + extraIgnore.filter { !ignore.contains($0) })
    }

    /// The first kind (in precedence order, limited to `allowed`) with a keyword in `text`,
    /// and the keyword that matched.
    public func match(_ text: String, allowed: Set<Kind>? = nil) -> (kind: Kind, keyword: String)? {
        let folded = Keyword.fold(text)
        if allowed == Kind.mailKeywordKinds {
            for k in foldedMailKeywords where Keyword.occurs(k.folded, inFolded: folded) { return (k.kind, k.word) }
            return nil
        }
        for k in foldedKeywords where allowed?.contains(k.kind) ?? true {
            if Keyword.occurs(k.folded, inFolded: folded) { return (k.kind, k.word) }
        }
        return nil
    }

    public func ignoreMatch(_ text: String) -> String? {
        let folded = Keyword.fold(text)
        return foldedIgnore.first { Keyword.occurs($0.folded, inFolded: folded) }?.word
    }

    public func onlineMarker(in text: String) -> String? {
        let folded = Keyword.fold(text)
        return foldedOnline.first { Keyword.contains($0.folded, inFolded: folded) }?.word
    }
}

/// Keyword matching of DOMAIN.md: case-insensitive; CJK keywords match as substrings, ASCII
/// keywords only on word boundaries (`demo` does not match "democracy").
public enum Keyword {
    /// Lower case with full-width ASCII folded to ASCII (Chinese subjects often write ＰＯＣ).
    public static func fold(_ s: String) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.unicodeScalars.count)
        for u in s.unicodeScalars {
            var v = u.value
            if v >= 0xFF01 && v <= 0xFF5E { v -= 0xFEE0 }  // full-width forms
            if v == 0x3000 { v = 0x20 }
            if v >= 0x41 && v <= 0x5A { v += 0x20 }
            if v < 0x80 {
                out.append(Unicode.Scalar(UInt8(v)))
            } else if let scalar = Unicode.Scalar(v) {
                out.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return out
    }

    public static func occurs(_ keyword: String, inFolded text: [Unicode.Scalar]) -> Bool {
        occurs(fold(keyword), inFolded: text)
    }

    /// Whether `k` (folded, not empty) occurs anywhere in `text`, word boundaries or not.
    static func contains(_ k: [Unicode.Scalar], inFolded text: [Unicode.Scalar]) -> Bool {
        guard let first = k.first, k.count <= text.count else { return false }
        var i = 0
        while i + k.count <= text.count {
            if text[i] == first && text[i..<(i + k.count)].elementsEqual(k) { return true }
            i += 1
        }
        return false
    }

    /// `k` already folded.
    static func occurs(_ k: [Unicode.Scalar], inFolded text: [Unicode.Scalar]) -> Bool {
        guard let first = k.first, k.count <= text.count else { return false }
        var i = 0
        var ascii: Bool? = nil
        while i + k.count <= text.count {
            if text[i] == first && text[i..<(i + k.count)].elementsEqual(k) {
                if ascii == nil { ascii = k.allSatisfy { $0.isASCII } }
                if ascii == false { return true }
                let before = i == 0 ? nil : text[i - 1]
                let after = i + k.count < text.count ? text[i + k.count] : nil
                // Boundaries matter only on the keyword's word-character ends.
                let startOK = !isWordChar(k[0]) || before.map { !isWordChar($0) } ?? true
                let endOK = !isWordChar(k[k.count - 1]) || after.map { !isWordChar($0) } ?? true
                if startOK && endOK { return true }
            }
            i += 1
        }
        return false
    }

    /// ASCII letters and digits. A CJK character next to an ASCII keyword is a boundary:
    /// "华为POC测试" matches POC.
    static func isWordChar(_ u: Unicode.Scalar) -> Bool {
        (u >= "a" && u <= "z") || (u >= "A" && u <= "Z") || (u >= "0" && u <= "9") || u == "_"
    }
}

extension Kind {
    /// Kinds a mail's subject can give (DOMAIN.md: visits and demos are meetings, never mail).
    public static let mailKeywordKinds: Set<Kind> = [.onboarding, .closing, .payment]
}
