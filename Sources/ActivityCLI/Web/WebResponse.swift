import Foundation

/// What a handler answers: status, headers, body; `WebServer` turns it into Hummingbird's.
struct WebResponse: Sendable {
    var status: Int
    var headers: [(String, String)] = []
    var body: [UInt8] = []

    static func html(_ status: Int, _ text: String) -> WebResponse {
        WebResponse(status: status, headers: [("Content-Type", "text/html; charset=utf-8")], body: Array(text.utf8))
    }
    static func text(_ status: Int, _ text: String) -> WebResponse {
        WebResponse(status: status, headers: [("Content-Type", "text/plain; charset=utf-8")], body: Array((text + "\n").utf8))
    }
    static func json(_ status: Int, _ json: JSON) -> WebResponse {
        WebResponse(status: status, headers: [("Content-Type", "application/json; charset=utf-8")],
                    body: Array((json.serialized(pretty: true) + "\n").utf8))
    }
    static func redirect(_ location: String, headers: [(String, String)] = []) -> WebResponse {
        WebResponse(status: 303, headers: [("Location", location)] + headers, body: [])
    }
}
