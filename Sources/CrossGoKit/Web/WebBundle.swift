// The web bundle of a js/wasm program (index.html, the toolchain's wasm_exec.js, the .wasm and its .wasm.gz) and the
// static site `crossgo serve` serves from it with LocalHTTPServer: MIME types, precompressed gzip, ETag revalidation.
import Crypto
import Foundation
import ZIPFoundation

public enum WebBundle {
    /// The page that loads wasm_exec.js and the program, and shows what it prints in the page (a <pre id="output">).
    public static func indexHTML(wasmName: String, title: String) -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(title)</title></head>
        <body>
        <pre id="output"></pre>
        <script src="wasm_exec.js"></script>
        <script>
        "use strict";
        const output = document.getElementById("output");
        const decoder = new TextDecoder("utf-8");
        const write = globalThis.fs.writeSync;
        globalThis.fs.writeSync = function (fd, buf) {
          output.textContent += decoder.decode(buf);
          return write.call(this, fd, buf);
        };
        const go = new Go();
        WebAssembly.instantiateStreaming(fetch("\(wasmName)"), go.importObject)
          .then(({ instance }) => go.run(instance))
          .catch((err) => { output.textContent += "error: " + err + "\\n"; });
        </script>
        </body></html>

        """
    }

    /// gzip (RFC 1952) of `data`: a header, raw deflate (ZIPFoundation), CRC-32 and size. No brotli: no library here does it.
    public static func gzip(_ data: Data) throws -> Data {
        var deflated = Data()
        let crc = try Data.compress(size: Int64(data.count), bufferSize: 64 * 1024, provider: { position, size in
            data.subdata(in: Int(position) ..< Int(position) + size)
        }, consumer: { deflated.append($0) })
        var out = Data([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255])  // no name, no time (reproducible), unknown OS
        out.append(deflated)
        for v in [crc, UInt32(truncatingIfNeeded: data.count)] {
            for k in 0 ..< 4 { out.append(UInt8((v >> (8 * UInt32(k))) & 0xff)) }
        }
        return out
    }

    /// The files of a bundle for `wasm` (the artifact's bytes), named `<binary>.wasm`.
    public static func files(binary: String, wasm: Data, wasmExec: Data) throws -> [(name: String, data: Data)] {
        let wasmName = binary + ".wasm"
        return [("index.html", Data(indexHTML(wasmName: wasmName, title: binary).utf8)), ("wasm_exec.js", wasmExec),
                (wasmName, wasm), (wasmName + ".gz", try gzip(wasm))]
    }

    static let mimeTypes = ["html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8", "wasm": "application/wasm",
                            "css": "text/css; charset=utf-8", "json": "application/json", "png": "image/png", "svg": "image/svg+xml",
                            "txt": "text/plain; charset=utf-8", "ico": "image/x-icon"]

    /// Answers a request from the files under `root`: index.html for folders, the `.gz` sibling when the client accepts
    /// gzip, an ETag and `Cache-Control: no-cache` (always revalidate: a rebuilt bundle is seen at once) with 304 answers.
    public static func serve(_ request: LocalRequest, root: String, system: any HostSystem = liveSystem()) -> LocalResponse {
        guard request.method == "GET" || request.method == "HEAD" else { return LocalResponse(status: 405, headers: ["Allow": "GET, HEAD"]) }
        var path = request.path.split(separator: "?").first.map(String.init) ?? "/"
        path = path.removingPercentEncoding ?? path
        if path.hasSuffix("/") { path += "index.html" }
        let parts = path.split(separator: "/")
        guard !parts.contains(where: { $0 == ".." || $0 == "." || $0.hasPrefix(".") }) else { return LocalResponse(status: 404) }
        let file = root + "/" + parts.joined(separator: "/")
        guard system.fileExists(file) else { return LocalResponse(status: 404) }
        if system.isDirectory(file) { return LocalResponse(status: 301, headers: ["Location": path + "/"]) }
        let ext = (file as NSString).pathExtension.lowercased()
        var headers = ["Content-Type": mimeTypes[ext] ?? "application/octet-stream", "Cache-Control": "no-cache",
                       "X-Content-Type-Options": "nosniff"]
        var served = file
        let accepts = (request.headers["accept-encoding"] ?? "").split(separator: ",").contains {
            $0.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() == "gzip"
        }
        if system.fileExists(file + ".gz") {
            headers["Vary"] = "Accept-Encoding"
            if accepts { served = file + ".gz"; headers["Content-Encoding"] = "gzip" }
        }
        guard let body = system.readData(served) else { return LocalResponse(status: 404) }
        let etag = "\"" + SHA256.hash(data: body).prefix(12).map { String(format: "%02x", $0) }.joined() + "\""
        headers["ETag"] = etag
        if request.headers["if-none-match"]?.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == etag }) == true {
            return LocalResponse(status: 304, headers: headers)
        }
        return LocalResponse(status: 200, headers: headers, body: body)  // for HEAD the server sends the head only
    }
}
