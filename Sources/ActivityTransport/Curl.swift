import CCurl
import ActivityCore
#if canImport(Glibc)
import Glibc
#endif

/// libcurl's global state, initialised once before the first handle.
enum CurlGlobal {
    static let initialised: Bool = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK
    }()
}

/// A libcurl easy handle; the handle is cleaned up when the object goes away.
/// Not thread-safe: one handle belongs to one connection at a time.
final class CurlEasy {
    let handle: UnsafeMutableRawPointer
    /// Strings handed to libcurl stay alive as long as the handle (libcurl copies most, not all).
    private var keptStrings: [UnsafeMutablePointer<CChar>] = []
    private var slists: [UnsafeMutablePointer<curl_slist>] = []
    private var slistCache: [[String]: UnsafeMutablePointer<curl_slist>] = [:]
    /// Filled by libcurl with the last error's details.
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)

    init() throws {
        _ = CurlGlobal.initialised
        guard let h = curl_easy_init() else {
            throw ActivityError(.software, "libcurl could not create a handle (out of memory?)")
        }
        handle = h
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        try set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
        try set(CURLOPT_NOSIGNAL, 1)
    }

    deinit {
        curl_easy_cleanup(handle)
        for s in keptStrings { free(s) }
        for l in slists { curl_slist_free_all(l) }
        errorBuffer.deallocate()
    }

    func set(_ option: CURLoption, _ value: Int) throws {
        try check(activity_curl_setopt_long(handle, option, value), option)
    }

    func set(_ option: CURLoption, _ value: String) throws {
        guard let copy = strdup(value) else { throw ActivityError(.software, "out of memory") }
        keptStrings.append(copy)
        try check(activity_curl_setopt_string(handle, option, copy), option)
    }

    func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer?) throws {
        try check(activity_curl_setopt_pointer(handle, option, pointer), option)
    }

    func set(_ option: CURLoption, headers: [String]) throws {
        // Lists live until the handle goes; a repeated list (HTTP requests set one per
        // request) is reused rather than piling up.
        if let known = slistCache[headers] {
            try check(activity_curl_setopt_slist(handle, option, known), option)
            return
        }
        var list: UnsafeMutablePointer<curl_slist>? = nil
        for h in headers { list = curl_slist_append(list, h) }
        if let list {
            slists.append(list)
            slistCache[headers] = list
        }
        try check(activity_curl_setopt_slist(handle, option, list), option)
    }

    func set(_ option: CURLoption, callback: activity_curl_data_callback?) throws {
        try check(activity_curl_setopt_data_callback(handle, option, callback), option)
    }

    func set(_ option: CURLoption, debugCallback: activity_curl_debug_callback?) throws {
        try check(activity_curl_setopt_debug_callback(handle, option, debugCallback), option)
    }

    func infoLong(_ info: CURLINFO) -> Int {
        var v: Int = 0
        _ = activity_curl_getinfo_long(handle, info, &v)
        return v
    }

    func infoString(_ info: CURLINFO) -> String? {
        var p: UnsafePointer<CChar>? = nil
        guard activity_curl_getinfo_string(handle, info, &p) == CURLE_OK, let p else { return nil }
        return String(cString: p)
    }

    func activeSocket() -> curl_socket_t? {
        var s: curl_socket_t = CURL_SOCKET_BAD
        guard activity_curl_getinfo_socket(handle, CURLINFO_ACTIVESOCKET, &s) == CURLE_OK, s != CURL_SOCKET_BAD else {
            return nil
        }
        return s
    }

    /// The detail libcurl wrote for the last failure, or its generic text for the code.
    func errorText(_ code: CURLcode) -> String {
        let detail = String(cString: errorBuffer)
        return detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
    }

    func clearError() { errorBuffer[0] = 0 }

    /// `ca_file` adds a trust anchor: libcurl gets the system bundle and the file together.
    func trustAlsoCertificates(in caFile: String, account: String) throws {
        guard let extra = readWholeFile(caFile) else {
            throw ActivityError(.config, "account \(account): ca_file \(caFile) cannot be read; check the path and its permissions")
        }
        var pem = readWholeFile("/etc/ssl/certs/ca-certificates.crt") ?? []
        pem.append(0x0A)
        pem.append(contentsOf: extra)
        try pem.withUnsafeMutableBytes { buf in
            var blob = curl_blob(data: buf.baseAddress, len: buf.count, flags: UInt32(CURL_BLOB_COPY))
            try withUnsafeMutablePointer(to: &blob) { p in
                try set(CURLOPT_CAINFO_BLOB, pointer: UnsafeMutableRawPointer(p))
            }
        }
    }

    /// TLS as every client here speaks it: the server's certificate and name verified, against
    /// the system's trust store and, when the account names one, its `ca_file` too.
    func verifyTLS(alsoTrusting caFile: String?, account: String) throws {
        try set(CURLOPT_SSL_VERIFYPEER, 1)
        try set(CURLOPT_SSL_VERIFYHOST, 2)
        if let caFile { try trustAlsoCertificates(in: caFile, account: account) }
    }

    /// Connecting, and the whole transfer, each given up after `seconds`.
    func giveUp(after seconds: Double) throws {
        try set(CURLOPT_CONNECTTIMEOUT_MS, Int(seconds * 1000))
        try set(CURLOPT_TIMEOUT_MS, Int(seconds * 1000))
    }

    /// A mail login (IMAP, SMTP) with an OAuth 2.0 access token: SASL XOAUTH2.
    func logIn(bearer token: String) throws {
        try set(CURLOPT_XOAUTH2_BEARER, token)
        try set(CURLOPT_LOGIN_OPTIONS, "AUTH=XOAUTH2")
    }

    /// From now on, the lines the server sends are kept in the returned object (only what the
    /// server sends, never our commands: a login carries the password). Keep it alive across
    /// `curl_easy_perform`.
    func recordServerLines() throws -> ServerLines {
        let transcript = ServerLines()
        try set(CURLOPT_DEBUGFUNCTION, debugCallback: { _, type, data, size, user in
            guard type == CURLINFO_HEADER_IN, let data, let user else { return 0 }
            let lines = Unmanaged<ServerLines>.fromOpaque(user).takeUnretainedValue()
            data.withMemoryRebound(to: UInt8.self, capacity: size) { lines.append(UnsafeBufferPointer(start: $0, count: size)) }
            return 0
        })
        try set(CURLOPT_DEBUGDATA, pointer: Unmanaged.passUnretained(transcript).toOpaque())
        try set(CURLOPT_VERBOSE, 1)
        return transcript
    }

    /// The body of every answer goes to `sink` (which must outlive the transfers), up to its
    /// limit: past it the transfer fails with CURLE_WRITE_ERROR and `sink.overflowed` says why.
    func writeBody(into sink: CurlBodySink) throws {
        try set(CURLOPT_WRITEFUNCTION, callback: { ptr, size, count, userdata in
            let sink = Unmanaged<CurlBodySink>.fromOpaque(userdata!).takeUnretainedValue()
            let n = size * count
            if sink.body.count + n > sink.limit {
                sink.overflowed = true
                return 0
            }
            if let ptr, n > 0 {
                ptr.withMemoryRebound(to: UInt8.self, capacity: n) { sink.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: n)) }
            }
            return n
        })
        try set(CURLOPT_WRITEDATA, pointer: Unmanaged.passUnretained(sink).toOpaque())
    }

    /// Ends `recordServerLines` (for a handle that goes on being used).
    func stopRecordingServerLines() throws {
        try set(CURLOPT_VERBOSE, 0)
        try set(CURLOPT_DEBUGDATA, pointer: nil)
    }

    private func check(_ code: CURLcode, _ option: CURLoption) throws {
        guard code == CURLE_OK else {
            throw ActivityError(.software, "libcurl refused option \(option.rawValue): \(String(cString: curl_easy_strerror(code)))")
        }
    }
}

/// How a libcurl failure maps onto the exit codes of INTERFACE.md, with a message naming the server.
func curlFailure(_ code: CURLcode, detail: String, server: String, account: String) -> ActivityError {
    let prefix = "account \(account): \(server): "
    switch code {
    case CURLE_LOGIN_DENIED:
        return ActivityError.refusedLogin(prefix + "login refused (\(detail)); check the username and password of this account")
    case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CERTPROBLEM:
        return ActivityError(.noPermission, prefix + "the server's TLS certificate does not verify (\(detail)); add its CA with ca_file if it is private")
    case CURLE_SSL_CONNECT_ERROR:
        return ActivityError(.unavailable, prefix + "TLS handshake failed (\(detail))")
    case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_PROXY:
        return ActivityError(.unavailable, prefix + "cannot connect (\(detail)); is the server running and the URL right?")
    case CURLE_OPERATION_TIMEDOUT:
        return ActivityError(.tempFail, prefix + "timed out (\(detail)); retry later")
    case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT:
        return ActivityError(.config, prefix + "bad URL (\(detail))")
    case CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_WEIRD_SERVER_REPLY:
        return ActivityError(.tempFail, prefix + "connection failed (\(detail)); retry later")
    default:
        return ActivityError(.tempFail, prefix + "\(detail) (libcurl error \(code.rawValue))")
    }
}

/// An answer's body as libcurl hands it over (`CurlEasy.writeBody`), at most `limit` bytes.
class CurlBodySink {
    var body: [UInt8] = []
    var limit: Int
    var overflowed = false

    init(limit: Int) { self.limit = limit }
}

/// Lines the server sent while libcurl talked to it (its debug callback's CURLINFO_HEADER_IN
/// data: an IMAP greeting and login answers, SMTP replies), at most 64 of them.
final class ServerLines {
    private(set) var lines: [String] = []
    private var partial: [UInt8] = []

    func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        for b in bytes {
            if b == 0x0A {
                if partial.last == 0x0D { partial.removeLast() }
                if lines.count >= 64 { lines.removeFirst() }
                lines.append(String(decoding: partial, as: UTF8.self))
                partial.removeAll(keepingCapacity: true)
            } else if partial.count < 4096 {
                partial.append(b)
            }
        }
    }
}

/// Reads a file into memory, or nil if it cannot be read.
func readWholeFile(_ path: String) -> [UInt8]? {
    guard let f = fopen(path, "rb") else { return nil }
    defer { fclose(f) }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
        if n > 0 { out.append(contentsOf: chunk[0..<n]) }
        if n < chunk.count { break }
    }
    return ferror(f) == 0 ? out : nil
}
