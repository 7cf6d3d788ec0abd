import Foundation

/// Standard input, cut into records: lines, NUL-terminated records, or all of it as one.
///
/// It reads the descriptor directly, one `read` at a time, so that a caller who polled
/// it readable can take what came without blocking, and it knows when input ended.
struct InputRecords {
    let mode: RecordMode
    let fileDescriptor: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    /// Standard input has ended: nothing more will come.
    private(set) var ended = false
    /// The whole input was handed out (mode `.whole`).
    private var wholeTaken = false

    init(mode: RecordMode, fileDescriptor: Int32 = STDIN_FILENO) {
        self.mode = mode
        self.fileDescriptor = fileDescriptor
    }

    /// There is no record left, and none will come.
    var exhausted: Bool { ended && !hasRecord }

    /// A whole record is ready to be taken without reading.
    var hasRecord: Bool {
        switch mode {
        case .lines: buffer[start...].contains(UInt8(ascii: "\n")) || (ended && start < buffer.count)
        case .nul: buffer[start...].contains(0) || (ended && start < buffer.count)
        case .whole: ended && !wholeTaken
        }
    }

    /// Reads once: what is there, or waits for something or the end of input.
    mutating func fill() throws(InputError) {
        guard !ended else { return }
        // Drop the records taken, so that a long input does not pile up in memory.
        if start > 0 {
            buffer.removeSubrange(..<start)
            start = 0
        }
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fileDescriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                buffer.append(contentsOf: chunk[..<count])
                return
            }
            if count == 0 {
                ended = true
                return
            }
            if errno == EINTR { continue }
            throw InputError("cannot read standard input: \(String(cString: strerror(errno)))")
        }
    }

    /// The next record if one is ready, without reading.
    mutating func take() -> [UInt8]? {
        guard hasRecord else { return nil }
        switch mode {
        case .lines, .nul:
            let terminator: UInt8 = mode == .lines ? UInt8(ascii: "\n") : 0
            let end = buffer[start...].firstIndex(of: terminator) ?? buffer.count
            let record = Array(buffer[start..<end])
            start = min(end + 1, buffer.count)
            return record
        case .whole:
            wholeTaken = true
            let record = Array(buffer[start...])
            start = buffer.count
            return record
        }
    }

    /// The next record, reading (and waiting) as needed; `nil` once input has ended.
    mutating func next() throws(InputError) -> [UInt8]? {
        while !hasRecord && !ended { try fill() }
        return take()
    }
}

/// Standard input could not be read, or a record could not be decoded.
struct InputError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Cuts records into frames and decodes them.
struct FrameDecoder {
    let separator: [UInt8]?
    let encoding: Encoding
    private(set) var recordNumber = 0

    init(separator: String?, encoding: Encoding) {
        self.separator = separator.map { Array($0.utf8) }
        self.encoding = encoding
    }

    /// The frames of `record`, decoded.
    mutating func frames(of record: [UInt8]) throws(InputError) -> [[UInt8]] {
        recordNumber += 1
        let parts = separator.map { split(record, at: $0) } ?? [record]
        var frames: [[UInt8]] = []
        for (index, part) in parts.enumerated() {
            frames.append(try decode(part, frame: index + 1, of: parts.count))
        }
        return frames
    }

    private func decode(_ part: [UInt8], frame: Int, of count: Int) throws(InputError) -> [UInt8] {
        if encoding == .text { return part }
        let text = String(decoding: part, as: UTF8.self).trimmingCharacters(in: .whitespaces)
        let place = count > 1 ? "record \(recordNumber), frame \(frame)" : "record \(recordNumber)"
        switch encoding {
        case .text:
            return part
        case .hex:
            guard text.count % 2 == 0, let bytes = hexBytes(text) else {
                throw InputError("\(place) is not hex (--input-format hex): two of 0-9a-f for each byte")
            }
            return bytes
        case .base64:
            guard let data = Data(base64Encoded: text) else {
                throw InputError("\(place) is not base64 (--input-format base64)")
            }
            return [UInt8](data)
        }
    }
}

/// `bytes` cut at each occurrence of `separator`.
func split(_ bytes: [UInt8], at separator: [UInt8]) -> [[UInt8]] {
    var parts: [[UInt8]] = []
    var partStart = 0
    var index = 0
    while index + separator.count <= bytes.count {
        if bytes[index..<index + separator.count].elementsEqual(separator) {
            parts.append(Array(bytes[partStart..<index]))
            index += separator.count
            partStart = index
        } else {
            index += 1
        }
    }
    parts.append(Array(bytes[partStart...]))
    return parts
}

private func hexBytes(_ text: String) -> [UInt8]? {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(text.utf8.count / 2)
    var high: UInt8?
    for character in text.utf8 {
        guard let digit = hexDigit(character) else { return nil }
        if let first = high {
            bytes.append(first << 4 | digit)
            high = nil
        } else {
            high = digit
        }
    }
    return high == nil ? bytes : nil
}

private func hexDigit(_ character: UInt8) -> UInt8? {
    switch character {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
    default: nil
    }
}
