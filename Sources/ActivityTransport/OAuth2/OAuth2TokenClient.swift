import Foundation
import CCurl
import ActivityCore

/// An access token from a token endpoint.
public struct OAuth2Token: Sendable {
    public var accessToken: String
    /// When the token stops working (from `expires_in`; an hour if the server gives none).
    public var expires: Date
    /// A new refresh token, when the server rotates them (RFC 6749 section 6).
    public var refreshToken: String?

    public init(accessToken: String, expires: Date, refreshToken: String?) {
        self.accessToken = accessToken
        self.expires = expires
        self.refreshToken = refreshToken
    }
}

/// The refresh-token grant of RFC 6749 section 6 over libcurl: a form POST of
/// `grant_type=refresh_token` to the token endpoint, answered with JSON. No token, secret or
/// request body ever goes into a message: errors carry the endpoint's host and the OAuth
/// `error` code only.
public enum OAuth2TokenClient {
    /// What the endpoint is asked for.
    public struct Request: Sendable {
        public var tokenURL: String
        public var clientID: String
        public var clientSecret: String?
        public var refreshToken: String
        public var scope: String?
        public var caFile: String?
        /// The account id from the config, for messages.
        public var account: String
        public var timeout: Double

        public init(tokenURL: String, clientID: String, clientSecret: String?, refreshToken: String, scope: String?,
                    caFile: String?, account: String, timeout: Double = 30) {
            self.tokenURL = tokenURL
            self.clientID = clientID
            self.clientSecret = clientSecret
            self.refreshToken = refreshToken
            self.scope = scope
            self.caFile = caFile
            self.account = account
            self.timeout = timeout
        }
    }

    /// Largest answer read: a token answer is a few kilobytes.
    static let responseLimit = 1 << 20

    public static func refresh(_ request: Request, now: Date = Date()) throws -> OAuth2Token {
        let server = HostPort.of(url: request.tokenURL) ?? "(unparsable URL)"
        let prefix = "account \(request.account): token endpoint \(server): "
        let curl = try CurlEasy()
        let sink = CurlBodySink(limit: OAuth2TokenClient.responseLimit)
        try curl.set(CURLOPT_URL, request.tokenURL)
        try curl.set(CURLOPT_PROTOCOLS_STR, "http,https")
        try curl.verifyTLS(alsoTrusting: request.caFile, account: request.account)
        try curl.giveUp(after: request.timeout)
        try curl.set(CURLOPT_FOLLOWLOCATION, 0)
        try curl.set(CURLOPT_USERAGENT, "activity-oauth2/1")
        try curl.set(CURLOPT_HTTPHEADER, headers: ["Accept: application/json", "Expect:"])
        var fields = [("grant_type", "refresh_token"), ("refresh_token", request.refreshToken), ("client_id", request.clientID)]
        if let secret = request.clientSecret { fields.append(("client_secret", secret)) }
        if let scope = request.scope { fields.append(("scope", scope)) }
        var body = Array(fields.map { "\(formEncode($0.0))=\(formEncode($0.1))" }.joined(separator: "&").utf8)
        try curl.set(CURLOPT_POSTFIELDSIZE, body.count)
        // COPYPOSTFIELDS: libcurl keeps its own copy, and the secret-bearing buffer is wiped below.
        try body.withUnsafeMutableBytes { try curl.set(CURLOPT_COPYPOSTFIELDS, pointer: $0.baseAddress) }
        for i in body.indices { body[i] = 0 }
        try curl.writeBody(into: sink)
        let rc = withExtendedLifetime(sink) { curl_easy_perform(curl.handle) }
        guard rc == CURLE_OK else {
            throw curlFailure(rc, detail: curl.errorText(rc), server: "token endpoint \(server)", account: request.account)
        }
        let status = curl.infoLong(CURLINFO_RESPONSE_CODE)
        let json = (try? JSONSerialization.jsonObject(with: Data(sink.body))) as? [String: Any]
        guard status == 200 else {
            // RFC 6749 section 5.2: {"error": "invalid_grant", "error_description": ...}
            let code = json?["error"] as? String
            let what = code.map { "\($0)" + ((json?["error_description"] as? String).map { ": \($0.prefix(200))" } ?? "") }
                ?? "HTTP \(status)"
            switch (status, code) {
            case (_, "invalid_grant"):
                throw ActivityError(.noPermission, prefix + "the refresh token was refused (\(what)); obtain a new one and write it to oauth2_refresh_token_file")
            case (_, "invalid_client"), (_, "unauthorized_client"), (401, _), (403, _):
                throw ActivityError(.noPermission, prefix + "the client was refused (\(what)); check oauth2_client_id and oauth2_client_secret_file")
            case (400..<500, _):
                throw ActivityError(.config, prefix + "the request was refused (\(what)); check the oauth2_* keys of this account")
            default:
                throw ActivityError(.tempFail, prefix + "answered \(what); retry later")
            }
        }
        guard let json, let token = json["access_token"] as? String, !token.isEmpty else {
            throw ActivityError(.tempFail, prefix + "answered 200 without an access_token; is oauth2_token_url the token endpoint?")
        }
        if let type = json["token_type"] as? String, type.lowercased() != "bearer" {
            throw ActivityError(.config, prefix + "gave a token of type \(type.prefix(40)), not Bearer; XOAUTH2 needs a bearer token")
        }
        let lifetime = (json["expires_in"] as? NSNumber)?.doubleValue ?? (json["expires_in"] as? String).flatMap(Double.init) ?? 3600
        return OAuth2Token(accessToken: token, expires: now + lifetime, refreshToken: json["refresh_token"] as? String)
    }

    /// `application/x-www-form-urlencoded`: everything but unreserved characters is escaped.
    static func formEncode(_ s: String) -> String {
        var out = ""
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += Hex.percentEscape(byte)
            }
        }
        return out
    }
}
