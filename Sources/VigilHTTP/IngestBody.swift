import VigilCore

/// Splits a `POST /api/v1/events` body into the lines that enter the pipeline.
///
/// Accepted shapes: one JSON object (pretty-printed or not), a JSON array of objects, NDJSON, or,
/// for bodies that are not JSON (`text/plain`), one raw line per line (syslog lines, plain text).
/// JSON bodies are checked item by item: a bad item is reported with its number and skipped, the
/// others are ingested.
struct IngestBody {
    struct Rejection: Sendable, Equatable {
        /// 1-based line of an NDJSON body, or 1-based element of an array.
        var item: Int
        var reason: String
    }

    var lines: [[UInt8]] = []
    var rejections: [Rejection] = []

    /// The whole body is unusable (e.g. an array that is not valid JSON).
    struct Invalid: Error, Sendable {
        var reason: String
    }

    init(_ bytes: [UInt8], contentType: String?) throws(Invalid) {
        let type = contentType.map { String($0.prefix { $0 != ";" }.filter { $0 != " " }).lowercased() }
        let first = bytes.first { !Self.isSpace($0) }
        switch first {
        case UInt8(ascii: "["):
            let value: JSONValue
            do {
                value = try JSONParser.parse(bytes)
            } catch {
                throw Invalid(reason: "the body is not a valid JSON array: \(error)")
            }
            guard case .array(let elements) = value else { throw Invalid(reason: "the body is not a JSON array") }
            for (index, element) in elements.enumerated() {
                guard case .object = element else {
                    rejections.append(Rejection(item: index + 1, reason: "element \(index + 1) is not a JSON object"))
                    continue
                }
                lines.append(Self.compact(element))
            }
        case UInt8(ascii: "{"):
            // One object, possibly spread over several lines; otherwise NDJSON.
            if let value = try? JSONParser.parse(bytes), case .object = value {
                lines.append(Self.compact(value))
            } else {
                splitLines(bytes, requireJSON: true)
            }
        default:
            let json = type == "application/json" || type == "application/x-ndjson" || type == "application/jsonl"
            splitLines(bytes, requireJSON: json)
        }
    }

    private mutating func splitLines(_ bytes: [UInt8], requireJSON: Bool) {
        var number = 0
        for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
            number += 1
            var line = line
            if line.last == 0x0D { line = line.dropLast() }
            guard !line.allSatisfy(Self.isSpace) else { continue }
            if requireJSON {
                do {
                    guard case .object = try JSONParser.parse(line) else {
                        rejections.append(Rejection(item: number, reason: "line \(number) is not a JSON object"))
                        continue
                    }
                } catch {
                    rejections.append(Rejection(item: number, reason: "line \(number): \(error)"))
                    continue
                }
            }
            lines.append(Array(line))
        }
    }

    private static func compact(_ value: JSONValue) -> [UInt8] {
        var writer = JSONWriter()
        writer.write(value)
        return writer.bytes
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}
