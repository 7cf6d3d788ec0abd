import Synchronization
import Testing

// Internals: how secrets are wiped and compared.
@testable import ZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// What a CURVE secret key leaves in this process's memory. The tests search every
// writable mapping (through /proc/self/mem, so Linux only) for the secret, which they
// hold only in buffers of their own that they exclude from the search and wipe after.
// Not under AddressSanitizer or ThreadSanitizer (`make sanitize`): their shadow memory
// is terabytes of writable mappings, and their allocators change what freed memory is.

@Suite("Secret keys in memory")
struct SecretMemoryTests {
    @Test("secretsEqual: equal only for the same bytes, whatever the lengths")
    func secretsEqualResults() {
        func equal(_ given: [UInt8], _ expected: [UInt8]) -> Bool {
            given.withUnsafeBytes { given in expected.withUnsafeBytes { expected in secretsEqual(given, expected) } }
        }
        let secret = Array("correct horse battery staple".utf8)
        #expect(equal(secret, secret))
        #expect(equal([], []))
        #expect(equal([0], [0]))
        var first = secret
        first[0] ^= 1
        var last = secret
        last[last.count - 1] ^= 0x80
        for wrong in [first, last, Array(secret.dropLast()), secret + [0], [], [0], secret + secret] {
            #expect(!equal(wrong, secret), "\(wrong)")
            #expect(!equal(secret, wrong), "\(wrong)")
        }
        // Nothing expected: compared with zero bytes, and a length difference still counts.
        #expect(!equal([0], []))
        #expect(!equal([0, 0, 0], []))
        #expect(!equal([], [0]))
        // The index into `expected` wraps around: a repetition of it is not it.
        #expect(!equal([1, 2, 1, 2], [1, 2]))
        #expect(!equal([1, 2, 1], [1, 2]))
        // Lengths that differ by a multiple of 256 (their low bytes are equal).
        #expect(!equal([UInt8](repeating: 7, count: 256), []))
        #expect(!equal([UInt8](repeating: 7, count: 512), [UInt8](repeating: 7, count: 256)))
        #expect(equal([UInt8](repeating: 7, count: 300), [UInt8](repeating: 7, count: 300)))
        // Every single-bit difference at every position.
        for index in secret.indices {
            for bit in 0..<8 {
                var changed = secret
                changed[index] ^= 1 << bit
                #expect(!equal(changed, secret))
            }
        }
    }

    @Test("wipe zeroes a buffer; a secret key's bytes read without a copy are its bytes")
    func wipeAndRead() throws {
        var bytes = (0..<64).map { UInt8($0 | 0x80) }
        bytes.withUnsafeMutableBytes { wipe($0) }
        #expect(bytes == [UInt8](repeating: 0, count: 64))
        wipe(UnsafeMutableRawBufferPointer(start: nil, count: 0))

        let key = try CurveKeyPair.generate().secretKey
        let viewed = key.withUnsafeBytes { Array($0) }
        #expect(viewed.count == 32)
        #expect(viewed == key.bytes)
        #expect(try CurveSecretKey(bytes: viewed) == key)
        // A throwing body's error comes out typed.
        let error = #expect(throws: ZMQError.invalidArgument) {
            try key.withUnsafeBytes { _ throws(ZMQError) in throw ZMQError.invalidArgument }
        }
        #expect(error != nil)
    }

    #if os(Linux)
    @Test(
        "generating, deriving, setting and printing secret keys makes no Z85 text of them",
        .enabled(if: !underSanitizer))
    func noTextOfTheSecret() throws {
        let pairs = try (0..<10).map { _ in try CurveKeyPair.generate() }
        try expectNoZ85Text(of: pairs, "after generate()")

        let context = try makeContext()
        for pair in pairs {
            #expect(try pair.secretKey.publicKey() == pair.publicKey)
            #expect(try CurveKeyPair(secretKey: pair.secretKey) == pair)
            #expect(try CurvePublicKey(secretKey: pair.secretKey) == pair.publicKey)
            #expect("\(pair)".hasSuffix("secretKey: redacted)"))
            #expect(String(reflecting: pair.secretKey) == "CurveSecretKey(redacted)")
            let socket = try DealerSocket(context)
            try socket.setOption(.curveServer, true)
            try socket.setOption(.curveSecretKey, pair.secretKey)
            #expect(try socket.option(.curveSecretKey) == pair.secretKey)
            socket.close()
        }
        context.close()
        try expectNoZ85Text(of: pairs, "after publicKey(), setOption, option and printing")
    }

    @Test(
        "saving and loading secret certificates makes no Z85 text of them",
        .enabled(if: !underSanitizer))
    func certificateFilesLeaveNoText() throws {
        let directory = try temporaryDirectory()
        let pairs = try (0..<10).map { _ in try CurveKeyPair.generate() }
        var names: [String] = []
        for (index, pair) in pairs.enumerated() {
            let certificate = CurveCertificate(keyPair: pair, metadata: ["index": "\(index)"])
            try certificate.save(to: directory + "/\(index).key")
            names += ["\(index).key", "\(index).key_secret"]
            let loaded = try CurveCertificate(secretFile: directory + "/\(index).key_secret")
            #expect(loaded.keyPair == pair)
            #expect(try CurveCertificate(publicFile: directory + "/\(index).key_secret").secretKey == nil)
            #expect("\(loaded)".contains("secretKey: redacted"))
        }
        #expect(try CurveCertificate.publicCertificates(inDirectory: directory).count == pairs.count)
        try expectNoZ85Text(of: pairs, "after saving and loading certificates")
        for name in names { unlink(directory + "/" + name) }
        rmdir(directory)
    }

    /// Expects no Z85 text of the pairs' secret keys in writable memory.
    private func expectNoZ85Text(of pairs: [CurveKeyPair], _ when: String) throws {
        let text = UnsafeMutableRawBufferPointer.allocate(byteCount: 40, alignment: 1)
        defer {
            text.initializeMemory(as: UInt8.self, repeating: 0)
            text.deallocate()
        }
        for (index, pair) in pairs.enumerated() {
            pair.secretKey.withUnsafeBytes { writeZ85($0, into: text) }
            let found = try occurrencesInWritableMemory(of: UnsafeRawBufferPointer(text))
            #expect(found.isEmpty, "\(when): key \(index)'s Z85 text at \(found.map { "0x" + String($0, radix: 16) })")
        }
    }

    @Test("released secret keys leave no copy of their bytes", .enabled(if: !underSanitizer))
    func releasedKeysAreWiped() throws {
        // The keys' bytes, masked, so that these arrays are not copies of them.
        let mask: UInt8 = 0xA5
        var generator = SystemRandomNumberGenerator()
        let masked = (0..<10).map { _ in (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) } }
        do {
            let keys = try masked.map { key throws(ZMQError) in try CurveSecretKey(bytes: key.lazy.map { $0 ^ mask }) }
            let copies = keys
            for (key, copy) in zip(keys, copies) {
                #expect(key == copy)
                #expect(try CurveSecretKey(bytes: masked[0].lazy.map { $0 ^ mask }) == keys[0])
                #expect("\(key)" == "CurveSecretKey(redacted)")
            }
            var dumped = ""
            dump(keys, to: &dumped)
            #expect(!dumped.isEmpty)
        }
        let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: 32, alignment: 1)
        defer {
            bytes.initializeMemory(as: UInt8.self, repeating: 0)
            bytes.deallocate()
        }
        for (index, key) in masked.enumerated() {
            for offset in 0..<32 { bytes[offset] = key[offset] ^ mask }
            let found = try occurrencesInWritableMemory(of: UnsafeRawBufferPointer(bytes))
            #expect(found.isEmpty, "released key \(index)'s bytes at \(found.map { "0x" + String($0, radix: 16) })")
        }
    }
    #endif
}

#if os(Linux)
/// Whether the process runs under AddressSanitizer or ThreadSanitizer.
private let underSanitizer: Bool = {
    let program = dlopen(nil, RTLD_NOW)
    return dlsym(program, "__asan_init") != nil || dlsym(program, "__tsan_init") != nil
}()

/// Writes the Z85 text of `bytes` into `text`, one character at a time, so that the
/// text exists nowhere else.
private func writeZ85(_ bytes: UnsafeRawBufferPointer, into text: UnsafeMutableRawBufferPointer) {
    Z85.alphabet.utf8.withContiguousStorageIfAvailable { alphabet in
        for group in 0..<(bytes.count / 4) {
            var value = UInt32(0)
            for index in 0..<4 { value = value << 8 | UInt32(bytes[group * 4 + index]) }
            for index in (0..<5).reversed() {
                text[group * 5 + index] = alphabet[Int(value % 85)]
                value /= 85
            }
        }
    }!
}

/// One search at a time: a search's read buffer holds copies of whatever it read, which
/// another search running at the same time would find.
private let searchLock = Mutex(())

/// The addresses where `pattern` occurs in this process's writable memory, other than
/// the pattern itself and this function's read buffer. Throws if the search does not
/// find the pattern itself, which would mean it cannot see the heap.
private func occurrencesInWritableMemory(of pattern: UnsafeRawBufferPointer) throws -> [UInt] {
    try searchLock.withLock { _ throws in try search(for: pattern) }
}

private func search(for pattern: UnsafeRawBufferPointer) throws -> [UInt] {
    let maps = try readWholeFile("/proc/self/maps")
    let memory = open("/proc/self/mem", O_RDONLY)
    guard memory >= 0 else { throw TestFailure("open /proc/self/mem: errno \(errno)") }
    defer { close(memory) }
    // The read buffer is mapped for this search alone and unmapped after it, so that the
    // copies it holds are not left in the heap for a later search to find.
    let chunkSize = 1 << 20
    guard let mapped = mmap(nil, chunkSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
        mapped != MAP_FAILED
    else { throw TestFailure("mmap: errno \(errno)") }
    defer { munmap(mapped, chunkSize) }
    let chunk = UnsafeMutableRawBufferPointer(start: mapped, count: chunkSize)
    let ownBuffers = [
        UInt(bitPattern: chunk.baseAddress)..<UInt(bitPattern: chunk.baseAddress) + UInt(chunkSize),
        UInt(bitPattern: pattern.baseAddress)..<UInt(bitPattern: pattern.baseAddress) + UInt(pattern.count),
    ]
    var found: [UInt] = []
    var sawPattern = false
    var scanned = 0
    for line in String(decoding: maps, as: UTF8.self).split(separator: "\n") {
        let fields = line.split(separator: " ")
        guard fields.count >= 2, fields[1].hasPrefix("rw") else { continue }
        let bounds = fields[0].split(separator: "-")
        guard bounds.count == 2, let start = UInt(bounds[0], radix: 16), let end = UInt(bounds[1], radix: 16),
            end - start <= 1 << 32  // A heap, a stack; not a reservation of address space.
        else { continue }
        var address = start
        while address < end {
            let length = Int(min(UInt(chunkSize), end - address))
            let count = pread(memory, chunk.baseAddress, length, off_t(Int(bitPattern: address)))
            guard count >= pattern.count else { break }
            scanned += count
            var offset = 0
            // memchr finds the first byte, memcmp checks the rest (Glibc's Swift module
            // leaves out memmem).
            while offset + pattern.count <= count,
                let hit = memchr(chunk.baseAddress! + offset, Int32(pattern[0]), count - offset - pattern.count + 1)
            {
                let hitOffset = UnsafeRawPointer(hit) - UnsafeRawPointer(chunk.baseAddress!)
                if memcmp(hit, pattern.baseAddress!, pattern.count) == 0 {
                    let hitAddress = address + UInt(hitOffset)
                    if ownBuffers[1].contains(hitAddress) {
                        sawPattern = true
                    } else if !ownBuffers[0].contains(hitAddress) {
                        found.append(hitAddress)
                    }
                }
                offset = hitOffset + 1
            }
            if address + UInt(count) >= end { break }
            // Overlap the next read, so that a match across the boundary is seen.
            address += UInt(count - pattern.count + 1)
        }
    }
    guard sawPattern else {
        throw TestFailure("the search of \(scanned) bytes did not see the pattern's own buffer")
    }
    return found
}

private func readWholeFile(_ path: String) throws -> [UInt8] {
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else { throw TestFailure("open \(path): errno \(errno)") }
    defer { close(descriptor) }
    var contents: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count < 0, errno == EINTR { continue }
        guard count > 0 else { return contents }
        contents += buffer[..<count]
    }
}
#endif
