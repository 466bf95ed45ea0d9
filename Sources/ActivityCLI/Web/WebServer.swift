import Foundation
import ActivityCore
import Hummingbird
import Logging
import NIOCore
import HTTPTypes

/// The request context: Hummingbird's, plus the peer's address for throttling and the log.
struct WebContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let peer: String

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        peer = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// Bodies beyond this are refused with 413 before they are read whole.
    var maxUploadSize: Int { WebApp.maxBody }
}

/// Hummingbird as the HTTP server around `WebApp` (which knows nothing of it).
enum WebServer {
    static func application(_ app: WebApp, host: String, port: Int, logger: Logger,
                            onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let responder = CallbackResponder<WebContext> { request, context in
            let body: [UInt8]
            do {
                var buffer = try await request.body.collect(upTo: context.maxUploadSize)
                body = buffer.readBytes(length: buffer.readableBytes) ?? []
            } catch {
                return Self.response(WebResponse(status: 413, headers: WebApp.securityHeaders + [("Connection", "close")]),
                                     message: "request body too large")
            }
            var headers: [String: String] = [:]
            for field in request.headers {
                let name = field.name.canonicalName
                headers[name] = headers[name].map { $0 + (name == "cookie" ? "; " : ", ") + field.value } ?? field.value
            }
            // Behind a proxy on this machine, the client is the address the proxy appended last.
            var remote = context.peer
            if HostPort.isLoopback(remote), let forwarded = headers["x-forwarded-for"],
               let last = forwarded.split(separator: ",").last?.trimmingCharacters(in: .whitespaces), !last.isEmpty {
                remote = last
            }
            let web = WebRequest(method: request.method.rawValue, path: request.uri.path, query: request.uri.query ?? "",
                                 headers: headers, body: body, remote: remote)
            var answer = app.handle(web)
            if request.method == .head { answer.body = [] }
            return Self.response(answer)
        }
        // Connections idle for 30 s are closed (a client that opens many and sends nothing).
        return Application(responder: responder, server: .http1(configuration: .init(idleTimeout: .seconds(30))),
                           configuration: .init(address: .hostname(host, port: port), serverName: nil),
                           onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
                           logger: logger)
    }

    static func response(_ r: WebResponse, message: String? = nil) -> Response {
        var fields = HTTPFields()
        var body = r.body
        if let message {
            fields[.contentType] = "text/plain; charset=utf-8"
            body = Array((message + "\n").utf8)
        }
        for (name, value) in r.headers where message == nil || name != "Content-Type" {
            if let n = HTTPField.Name(name) { fields.append(HTTPField(name: n, value: value)) }
        }
        return Response(status: .init(code: r.status), headers: fields,
                         body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}
