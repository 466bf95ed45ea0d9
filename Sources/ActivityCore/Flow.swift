/// A sales flow: the stage model a company trains its reps on, as reports name it (DOMAIN.md
/// "Other flows from the seeds"). The ledger is always kept in kinds (Kind.swift, the eight
/// steps of seed 002); a flow only says which of its own steps each activity evidences, so
/// counts per kind and targets are the same under every flow while stages, the funnel, the
/// pipeline and every label follow the flow.
///
/// Each of the eight step kinds has one step by default (`kinds`); a step may also take
/// activities of a kind whose title matches one of its keywords (`keywords`, the latest step's
/// group first), ahead of that kind's default (keyaccount6's 招投标 takes the closings that speak of 投标, its 商务谈判 the
/// rest). `follow_up` never advances a flow: it has no step (0) under every flow.
public struct Flow: Sendable, Equatable {
    public struct Step: Sendable, Equatable {
        /// 1-based position in the flow.
        public var number: Int
        /// The name reports print (Chinese, as the seed writes it).
        public var name: String
        /// An English name, for people who read the reports in English; optional.
        public var english: String?
        /// The kinds whose activities belong here unless a keyword group claims them.
        public var kinds: [Kind]
        /// Keyword groups: an activity of the kind whose title holds one of the words belongs
        /// here (CJK words as substrings, ASCII words on word boundaries, as the rules match).
        public var keywords: [Kind: [String]]
        /// What the weekly review says comes next after this step (default: the next step's name).
        public var next: String?

        public init(number: Int, name: String, english: String? = nil, kinds: [Kind], keywords: [Kind: [String]] = [:],
                    next: String? = nil) {
            self.number = number
            self.name = name
            self.english = english
            self.kinds = kinds
            self.keywords = keywords
            self.next = next
        }
    }

    /// Where a deal standing at a step is in seed 001's weekly review (DOMAIN.md "Deal classes").
    /// A step's role is the highest of its kinds' (below), and never lower than an earlier step's.
    public enum Role: Int, Sendable, Comparable {
        /// Not a deal yet (信息搜集, 目标客户确认).
        case none
        /// An open deal, class C (初步接洽).
        case open
        /// B when active within `b_within_days` (面谈, 产品展示).
        case meeting
        /// A within `a_within_days`, B within `b_closing_within_days` (合作缔结, 安装培训).
        case closing
        /// Won: the deal leaves the pipeline (回款).
        case won

        public static func < (a: Role, b: Role) -> Bool { a.rawValue < b.rawValue }

        /// The role of a kind: the standard flow's rule of DOMAIN.md.
        public init(_ kind: Kind) {
            switch kind {
            case .lead, .qualified, .followUp: self = .none
            case .contact: self = .open
            case .visit, .demo: self = .meeting
            case .closing, .onboarding: self = .closing
            case .payment: self = .won
            }
        }
    }

    /// `standard`, `yonyou7`, `keyaccount6`, or the id of a `[[flow]]`.
    public var id: String
    /// A name for people (`软件销售基本流程`).
    public var name: String
    public var steps: [Step]
    /// Keyword groups folded once, in step order: (kind, step, folded word).
    private var folded: [(kind: Kind, step: Int, word: [Unicode.Scalar])] = []
    private var defaultStep: [Kind: Int] = [:]
    private var roles: [Role] = []

    public init(id: String, name: String, steps: [Step]) {
        self.id = id
        self.name = name
        self.steps = steps
        // Keyword groups are tried from the last step back: a title that names a later stage
        // ("投标建议书") evidences that stage.
        for s in steps {
            for k in s.kinds where defaultStep[k] == nil { defaultStep[k] = s.number }
        }
        for s in steps.reversed() {
            for k in Kind.allCases {
                for w in s.keywords[k] ?? [] { folded.append((k, s.number, Keyword.fold(w))) }
            }
        }
        // A step's role: its default kinds', else (a step of keyword groups only) its keyword
        // kinds'; never below the step before it.
        var role = Role.none
        for s in steps {
            let own = s.kinds.isEmpty ? s.keywords.keys.map(Role.init) : s.kinds.map(Role.init)
            role = max(role, own.max() ?? .none)
            roles.append(role)
        }
    }

    public static func == (a: Flow, b: Flow) -> Bool { a.id == b.id && a.name == b.name && a.steps == b.steps }

    /// The step an activity of `kind` titled `title` evidences; 0 for a follow-up (and for a kind
    /// the flow does not map, which a checked configuration never has).
    public func step(of kind: Kind, title: String) -> Int {
        guard kind != .followUp else { return 0 }
        if !folded.isEmpty, folded.contains(where: { $0.kind == kind }) {
            let text = Keyword.fold(title)
            if let hit = folded.first(where: { $0.kind == kind && Keyword.occurs($0.word, inFolded: text) }) { return hit.step }
        }
        return defaultStep[kind] ?? 0
    }

    public func step(of activity: Activity) -> Int { step(of: activity.kind, title: activity.title) }

    /// Kinds some keyword group splits on the title (their step needs the activity's title).
    public var titleKinds: Set<Kind> { Set(folded.map(\.kind)) }

    /// Whether a kind alone decides the step, as the standard flow does (the store's `step` column).
    public var isStandard: Bool { self == .standard }

    /// The step's name (`合作缔结`), or "" for 0 and numbers outside the flow.
    public func name(of step: Int) -> String { (1...max(1, steps.count)).contains(step) && !steps.isEmpty ? steps[step - 1].name : "" }

    /// The step's English name, if the flow gives one.
    public func english(of step: Int) -> String? { step >= 1 && step <= steps.count ? steps[step - 1].english : nil }

    /// `6 合作缔结`, as tables print a stage.
    public func label(of step: Int) -> String { name(of: step).isEmpty ? "\(step)" : "\(step) \(name(of: step))" }

    /// The name of the step(s) a kind's activities evidence (`招投标/商务谈判`); 跟进 for a follow-up.
    public func label(of kind: Kind) -> String {
        guard kind != .followUp else { return Kind.followUp.chineseName }
        return steps(of: kind).map { name(of: $0) }.joined(separator: "/")
    }

    /// The numbers of the steps a kind's activities can evidence, in order (none for a follow-up).
    public func steps(of kind: Kind) -> [Int] {
        guard kind != .followUp else { return [] }
        return steps.filter { $0.kinds.contains(kind) || $0.keywords[kind] != nil }.map(\.number)
    }

    /// The default step of a kind (0 for a follow-up).
    public func defaultStep(of kind: Kind) -> Int { defaultStep[kind] ?? 0 }

    /// The review's role of a deal standing at `step` (none for 0).
    public func role(of step: Int) -> Role { step >= 1 && step <= roles.count ? roles[step - 1] : .none }

    /// What comes after `step` in the weekly review: the step's own `next`, else the next step's name.
    public func next(after step: Int) -> String {
        guard !steps.isEmpty else { return "" }
        let s = max(1, min(step, steps.count))
        if let n = steps[s - 1].next { return n }
        return s < steps.count ? steps[s].name : steps[s - 1].name
    }

    /// The kinds every flow must map (follow_up has no step).
    public static let stepKinds: [Kind] = Kind.allCases.filter { $0 != .followUp }

    /// What is wrong with a flow's mapping, in words a config error can carry: a kind left
    /// unmapped or mapped twice, follow_up mapped, a step with no kind; nil when it is sound.
    public static func problems(steps: [Step]) -> [(step: Int?, message: String)] {
        var out: [(Int?, String)] = []
        if steps.isEmpty { out.append((nil, "a flow needs at least one [[flow.step]]")) }
        var seen: [Kind: Int] = [:]
        for s in steps {
            if s.kinds.isEmpty && s.keywords.isEmpty {
                out.append((s.number, "step \(s.number) \(s.name) has no kinds (give kinds = [...] or keywords = { kind = [...] })"))
            }
            for k in s.kinds {
                if k == .followUp { out.append((s.number, "follow_up never advances a flow; remove it from kinds")) }
                else if let other = seen[k] { out.append((s.number, "kind \(k.rawValue) is already the kind of step \(other); a kind has one default step (split it with keywords)")) }
                else { seen[k] = s.number }
            }
            for (k, words) in s.keywords.sorted(by: { $0.key < $1.key }) {
                if k == .followUp { out.append((s.number, "follow_up never advances a flow; remove its keywords")) }
                if words.isEmpty || words.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
                    out.append((s.number, "keywords.\(k.rawValue) of step \(s.number) \(s.name) needs non-empty words"))
                }
            }
        }
        for k in stepKinds where seen[k] == nil {
            out.append((nil, "kind \(k.rawValue) is left unmapped: put it in the kinds of one step (keywords alone leave the titles they miss without a step)"))
        }
        return out
    }
}

extension Flow {
    /// The eight steps of seed 002 (软件销售基本流程), the default: one kind per step, and the
    /// weekly review's next steps of seed 001 (初访 → 约演示或见高层 → 商务 → 签约).
    public static let standard = Flow(id: "standard", name: "软件销售基本流程", steps: [
        Step(number: 1, name: Kind.lead.chineseName, english: "Lead", kinds: [.lead], next: "约面谈"),
        Step(number: 2, name: Kind.qualified.chineseName, english: "Qualified", kinds: [.qualified], next: "约面谈"),
        Step(number: 3, name: Kind.contact.chineseName, english: "First contact", kinds: [.contact], next: "约面谈"),
        Step(number: 4, name: Kind.visit.chineseName, english: "Meeting", kinds: [.visit], next: "约演示或见高层"),
        Step(number: 5, name: Kind.demo.chineseName, english: "Demo", kinds: [.demo], next: "商务谈判"),
        Step(number: 6, name: Kind.closing.chineseName, english: "Closing", kinds: [.closing], next: "签约"),
        Step(number: 7, name: Kind.onboarding.chineseName, english: "Installation and training", kinds: [.onboarding], next: "回款"),
        Step(number: 8, name: Kind.payment.chineseName, english: "Payment", kinds: [.payment], next: "回款"),
    ])

    /// Seed 003, 广东用友 大项目销售阶段定义. Each stage's evidence in the ledger:
    /// 1 定位目标客户群 — a target organisation found: `lead`.
    /// 2 发掘潜在商机 — an opportunity explored by talking to the customer (needs, budget, IT,
    ///   competitors): the first outbound mail or online meeting, `contact`.
    /// 3 确认客户意向 — the customer shows interest and answers: `qualified` (in the ledger it
    ///   always follows a contact, so it is a later stage here than in the eight steps).
    /// 4 引导客户立项 — a project group set up and guided in meetings (PPT, 白皮书): `visit`.
    /// 5 赢得客户认可 — the product recognised after its presentation: `demo`.
    /// 6 进行商务谈判 — 正式报价, 合同谈判, 投标 times: `closing`.
    /// 7 完成销售成交 — contract signed, paid and shipped: `payment`, and `onboarding` (an
    ///   installation means the product was delivered). The review drops a deal on reaching it.
    public static let yonyou7 = Flow(id: "yonyou7", name: "用友大项目销售七阶段", steps: [
        Step(number: 1, name: "定位目标客户群", english: "Target customer group", kinds: [.lead]),
        Step(number: 2, name: "发掘潜在商机", english: "Potential opportunity", kinds: [.contact]),
        Step(number: 3, name: "确认客户意向", english: "Customer intent confirmed", kinds: [.qualified]),
        Step(number: 4, name: "引导客户立项", english: "Project initiated", kinds: [.visit]),
        Step(number: 5, name: "赢得客户认可", english: "Customer recognition", kinds: [.demo]),
        Step(number: 6, name: "进行商务谈判", english: "Negotiation", kinds: [.closing]),
        Step(number: 7, name: "完成销售成交", english: "Sale completed", kinds: [.onboarding, .payment]),
    ])

    /// Seed 004, 大客户销售流程管理和控制六个阶段. Each stage's evidence in the ledger:
    /// 1 客户开发 — leads found and the opportunity assessed: `lead`, `qualified`, `contact`.
    /// 2 立项 — 交流和调研 with the customer's decision makers: `visit`.
    /// 3 提案 — 产品/解决方案演示 and 提交建议书: `demo`, and closings titled as a proposal
    ///   (建议书, 提案, 解决方案, proposal).
    /// 4 招投标 — 投标或议标: closings titled 投标, 招标, 标书, 议标, 竞标, 中标, tender, bid.
    /// 5 商务谈判 — 合同审批和合同签订: every other `closing` (报价, 谈判, 合同, 签约).
    /// 6 工程实施 — implementation and 收款 after the contract: `onboarding`, `payment`. The
    ///   contract is signed before it, so the review drops a deal on reaching it.
    public static let keyaccount6 = Flow(id: "keyaccount6", name: "大客户销售六阶段", steps: [
        Step(number: 1, name: "客户开发", english: "Account development", kinds: [.lead, .qualified, .contact]),
        Step(number: 2, name: "立项", english: "Project approval", kinds: [.visit]),
        Step(number: 3, name: "提案", english: "Proposal", kinds: [.demo],
             keywords: [.closing: ["建议书", "提案", "解决方案", "proposal"]]),
        Step(number: 4, name: "招投标", english: "Tender", kinds: [],
             keywords: [.closing: ["投标", "招标", "标书", "议标", "竞标", "中标", "tender", "bid", "bidding"]]),
        Step(number: 5, name: "商务谈判", english: "Negotiation", kinds: [.closing]),
        Step(number: 6, name: "工程实施", english: "Implementation", kinds: [.onboarding, .payment]),
    ])

    public static let builtIn: [Flow] = [.standard, .yonyou7, .keyaccount6]

    public static func builtIn(_ id: String) -> Flow? { builtIn.first { $0.id == id } }
}
