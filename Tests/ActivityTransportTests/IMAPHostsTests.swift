import Testing
@testable import ActivityTransport

/// What the client sends to and reads from the hosts that bend IMAP (HOSTS.md).
@Suite("Mail hosts: sets, refusals, hosts")
struct IMAPHostsTests {
    @Test("UID sets go out ascending, merged and without repeats, as QQ and Exmail demand")
    func sequenceSets() {
        #expect(IMAPSequenceSet([1593, 1580, 1578, 1543, 1544, 1545, 1579]).description == "1543:1545,1578:1580,1593")
        #expect(IMAPSequenceSet([5, 4, 3, 2, 1]).description == "1:5")
        #expect(IMAPSequenceSet([7, 7, 7]).description == "7")
        #expect(IMAPSequenceSet([UInt32.max, UInt32.max - 1, 1]).description == "1,4294967294:4294967295")
        #expect(IMAPSequenceSet.from(41).description == "41:*")
        #expect(IMAPSequenceSet.from(0).description == "1:*")
        #expect(IMAPSequenceSet([UInt32]()).isEmpty)
    }

    @Test("a long set is cut into commands of bounded length that cover the same UIDs in order")
    func chunking() {
        let uids = (1...2000).map { UInt32($0 * 2) }
        let chunks = IMAPSequenceSet(uids).chunked(maxLength: 100)
        #expect(chunks.count > 1)
        #expect(chunks.allSatisfy { $0.description.count <= 100 })
        let back = chunks.flatMap { $0.ranges.flatMap { Array($0) } }
        #expect(back == uids)
    }

    @Test("Exchange's throttling answer gives the wait it suggests, in seconds")
    func throttling() {
        #expect(IMAPRefusal.throttleBackoff("Request is throttled. Suggested Backoff Time: 299609 milliseconds") == 299.609)
        #expect(IMAPRefusal.throttleBackoff("Request is throttled. Suggested Backoff Time: 300 milliseconds") == 0.3)
        #expect(IMAPRefusal.throttleBackoff("Request is throttled.") == 1)
        #expect(IMAPRefusal.throttleBackoff("Login failed.") == nil)
        #expect(IMAPRefusal.isNotConnected("User is authenticated but not connected."))
        #expect(IMAPRefusal.isUnsafeLogin("SELECT Unsafe Login. Please contact kefu@188.com for help"))
    }

    @Test("the host is known by its preset, its server name, or its words")
    func recognisingHosts() {
        #expect(MailHost.recognise(provider: "exmail", server: "127.0.0.1:993") == .exmail)
        #expect(MailHost.recognise(provider: nil, server: "imap.163.com:993") == .netease)
        #expect(MailHost.recognise(provider: nil, server: "imap.qiye.163.com:993") == .neteaseEnterprise)
        #expect(MailHost.recognise(provider: nil, server: "imap.exmail.qq.com:993") == .exmail)
        #expect(MailHost.recognise(provider: nil, server: "imap.qq.com:993") == .qq)
        #expect(MailHost.recognise(provider: nil, server: "partner.outlook.cn:993") == .microsoft365China)
        #expect(MailHost.recognise(provider: nil, server: "outlook.office365.com:993") == .microsoft365)
        #expect(MailHost.recognise(provider: nil, server: "imap.qiye.aliyun.com:993") == .aliyun)
        #expect(MailHost.recognise(provider: nil, server: "127.0.0.1:143",
                                   serverText: "NO Login fail. Account is abnormal, service is not open, password is incorrect, login frequency limited, or system is busy.") == .exmail)
        #expect(MailHost.recognise(provider: nil, server: "127.0.0.1:143", serverText: "* OK Coremail System IMap Server Ready") == .netease)
        #expect(MailHost.recognise(provider: nil, server: "mail.example.com:993") == nil)
        for host in MailHost.allCases { #expect(!host.loginAdvice.isEmpty) }
        #expect(MailHost.netease.loginAdvice.contains("授权码"))
        #expect(MailHost.qq.loginAdvice.contains("授权码"))
        #expect(MailHost.aliyun.loginAdvice.contains("authorization code"))
    }

    @Test("a refused login keeps the server's words, names the host's remedy, and never the password")
    func loginRefusal() {
        let endpoint = IMAPEndpoint(url: "imaps://imap.163.com:993", username: "wang@163.com", credential: .password("secret-pw"), account: "wang-163")
        let e = IMAPConnection.loginRefused(endpoint, detail: "Access denied: 000",
                                            transcript: ["* OK Coremail System IMap Server Ready(163com[10.0.0.1])",
                                                         "* CAPABILITY IMAP4rev1 XLIST SPECIAL-USE ID LITERAL+ STARTTLS",
                                                         "A001 OK CAPABILITY completed", "A002 NO LOGIN Login error or password error"])
        #expect(e.code == .noPermission)
        #expect(e.message.hasPrefix("account wang-163: imap.163.com:993: login refused (the server said \"NO LOGIN Login error or password error\")"))
        #expect(e.message.contains("授权码") && !e.message.contains("secret-pw"))
        let outlook = IMAPConnection.loginRefused(IMAPEndpoint(url: "imaps://outlook.office365.com:993", username: "a", credential: .password("p"), account: "a"),
                                                  detail: "", transcript: ["* OK The Microsoft Exchange IMAP4 service is ready.",
                                                                           "A002 NO Basic authentication is disabled.",
                                                                           "* BYE Microsoft Exchange Server IMAP4 server signing off."])
        #expect(outlook.message.contains("the server said \"NO Basic authentication is disabled.\"") && outlook.message.contains("OAuth 2.0"), "\(outlook.message)")
        let plain = IMAPConnection.loginRefused(IMAPEndpoint(url: "imap://127.0.0.1:143", username: "a", credential: .password("p"), account: "a"),
                                                detail: "Access denied: 000", transcript: [])
        #expect(plain.message.contains("login refused (Access denied: 000)") && plain.message.contains("check the username and password"))
    }

    @Test("an empty STATUS list, as mail.163.com sends, is read")
    func emptyStatus() throws {
        let r = try IMAPResponseParser.parse(Array("* STATUS \"INBOX\" ()\r\n".utf8))
        guard case .data("STATUS", let values) = r else { Issue.record("\(r)"); return }
        #expect(values.count == 2 && values[1].list == [])
    }
}
