import ActivityCore

/// The frame of every HTML page the program writes, the export's and the web view's: one
/// language, UTF-8, a phone-width viewport and the page's own inline CSS (nothing is loaded
/// from elsewhere). The title is escaped here; `body` is markup already.
enum HTMLDocument {
    static func page(title: String, css: String, body: String) -> String {
        head(title: title, css: css) + body + tail
    }

    /// What comes before a page's body.
    static func head(title: String, css: String) -> String {
        """
            <!DOCTYPE html>
            <html lang="zh-CN">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title.markupEscaped)</title>
            <style>\(css)</style>
            </head>
            <body>

            """
    }

    /// What comes after a page's body.
    static let tail = "\n</body>\n</html>\n"
}
