import Foundation
import ZeroMQ

/// Writes received messages to standard output, one record each, as soon as they come.
struct OutputWriter {
    let encoding: Encoding
    let separator: [UInt8]
    let marksFrames: Bool
    let terminator: [UInt8]
    let fileDescriptor: Int32

    init(
        encoding: Encoding, separator: String?, marksFrames: Bool, mode: RecordMode,
        fileDescriptor: Int32 = STDOUT_FILENO
    ) {
        self.encoding = encoding
        self.separator = Array((separator ?? "").utf8)
        self.marksFrames = marksFrames
        self.terminator =
            switch mode {
            case .lines: [UInt8(ascii: "\n")]
            case .nul: [0]
            case .whole: []
            }
        self.fileDescriptor = fileDescriptor
    }

    /// Writes `message`'s frames, encoded, joined by the separator, then the terminator.
    func write(_ message: [Message]) throws(OutputError) {
        var record: [UInt8] = []
        for (index, frame) in message.enumerated() {
            if index > 0 { record += separator }
            if marksFrames { record += Array("[\(frame.count)]".utf8) }
            record += encoded(frame)
        }
        record += terminator
        try writeAll(record)
    }

    private func encoded(_ frame: Message) -> [UInt8] {
        switch encoding {
        case .text: return [UInt8](frame)
        case .hex:
            let digits = Array("0123456789abcdef".utf8)
            var hex: [UInt8] = []
            hex.reserveCapacity(frame.count * 2)
            for byte in frame {
                hex.append(digits[Int(byte >> 4)])
                hex.append(digits[Int(byte & 0x0f)])
            }
            return hex
        case .base64: return Array(Data(frame).base64EncodedString().utf8)
        }
    }

    private func writeAll(_ bytes: [UInt8]) throws(OutputError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes {
                Foundation.write(fileDescriptor, $0.baseAddress, $0.count)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw OutputError(description: "cannot write standard output: \(String(cString: strerror(errno)))")
            }
            offset += written
        }
    }
}

/// Standard output could not be written.
struct OutputError: Error, CustomStringConvertible {
    let description: String
}
