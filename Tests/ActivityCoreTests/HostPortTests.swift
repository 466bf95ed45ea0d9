import Testing
import ActivityCore

@Suite("Host and port")
struct HostPortTests {
    @Test("a URL names its server as host:port, never its credentials, path or query")
    func serverOfURL() {
        #expect(HostPort.of(url: "imaps://imap.example.com:993/") == "imap.example.com:993")
        #expect(HostPort.of(url: "imaps://imap.qq.com") == "imap.qq.com")
        #expect(HostPort.of(url: "https://u:pw@Dav.Example.com:8443/dav/cal%20x/") == "Dav.Example.com:8443")
        #expect(HostPort.of(url: "https://login.example.com?x=1") == "login.example.com")
        #expect(HostPort.of(url: "smtp://[::1]:2525") == "[::1]:2525")
        #expect(HostPort.of(url: "imap.example.com:993") == nil && HostPort.of(url: "https:///path") == nil)
    }

    @Test("a listen address splits into host and port and joins back, IPv6 in brackets")
    func splitAndJoin() {
        #expect(HostPort.split("127.0.0.1:8080")! == ("127.0.0.1", 8080))
        #expect(HostPort.split("[::1]:9000")! == ("::1", 9000))
        #expect(HostPort.split("::1:9000") == nil && HostPort.split("host") == nil && HostPort.split(":80") == nil && HostPort.split("h:70000") == nil)
        #expect(HostPort.join(host: "::1", port: 9000) == "[::1]:9000" && HostPort.join(host: "localhost", port: 80) == "localhost:80")
    }

    @Test("loopback: localhost, 127/8 and ::1, as a host, a host:port or a peer address")
    func loopback() {
        #expect(HostPort.isLoopback("::1") && HostPort.isLoopback("127.0.0.1") && !HostPort.isLoopback("0.0.0.0") && !HostPort.isLoopback("10.0.0.1"))
        #expect(HostPort.isLoopback("127.0.0.1:5232") && HostPort.isLoopback("[::1]:80") && HostPort.isLoopback("[::1]") && HostPort.isLoopback("localhost"))
        #expect(HostPort.isLoopback("::ffff:127.0.0.1") && !HostPort.isLoopback("dav.example.com:443"))
    }
}
