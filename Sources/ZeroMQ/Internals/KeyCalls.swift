import CZeroMQ

// libzmq's calls for Z85 and CURVE keys. Each calls one C function and turns its failure
// into a ZMQError read with zmq_errno(); checking the input, and sizing and wiping the
// buffers, is the caller's (Security/Z85.swift, Security/CurveKeys.swift).

/// Writes the Z85 text of `bytes`, and a NUL after it, into `text`.
///
/// Wraps `zmq_z85_encode`, which fails with `EINVAL` when `bytes.count` is not a multiple
/// of 4.
///
/// - Parameters:
///   - bytes: The data; an empty buffer writes only the NUL.
///   - text: Room for `bytes.count / 4 * 5` characters and the NUL.
func z85Encode(_ bytes: UnsafeRawBufferPointer, into text: UnsafeMutableBufferPointer<CChar>) throws(ZMQError) {
    precondition(text.count >= bytes.count / 4 * 5 + 1, "zmq_z85_encode writes 5n/4 + 1 bytes")
    let source = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
    guard zmq_z85_encode(text.baseAddress, source, bytes.count) != nil else {
        throw ZMQError.last("zmq_z85_encode", target: "\(bytes.count) bytes")
    }
}

/// Decodes the Z85 text before the NUL in `text` into `bytes`.
///
/// Wraps `zmq_z85_decode`, which fails with `EINVAL` when the text's length is not a
/// positive multiple of 5, a character is outside the alphabet, or a group of 5 stands
/// for more than 0xFFFFFFFF. The error says how many characters there were, never which.
///
/// - Parameters:
///   - text: `characters` characters of Z85 and a NUL.
///   - characters: The length of the text, without its NUL.
///   - bytes: Room for exactly `characters / 5 * 4` bytes: libzmq writes no terminator.
func z85Decode(
    _ text: UnsafeBufferPointer<CChar>, characters: Int, into bytes: UnsafeMutableRawBufferPointer
) throws(ZMQError) {
    precondition(text.count > characters && text[characters] == 0, "zmq_z85_decode reads up to a NUL")
    precondition(bytes.count >= characters / 5 * 4, "zmq_z85_decode writes 4n/5 bytes")
    let destination = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
    guard zmq_z85_decode(destination, text.baseAddress) != nil else {
        throw ZMQError.last("zmq_z85_decode", target: "\(characters) characters")
    }
}

/// Generates a new CURVE key pair and writes each key as 40 characters of Z85 and a NUL.
///
/// Wraps `zmq_curve_keypair`, which fails with `ENOTSUP` when libzmq was built without
/// CURVE.
///
/// - Parameters:
///   - publicText: Room for 41 bytes: the public key's text.
///   - secretText: Room for 41 bytes: the secret key's text.
func curveKeypair(
    publicText: UnsafeMutableBufferPointer<CChar>, secretText: UnsafeMutableBufferPointer<CChar>
) throws(ZMQError) {
    precondition(publicText.count >= 41 && secretText.count >= 41, "zmq_curve_keypair writes 41 bytes a key")
    if zmq_curve_keypair(publicText.baseAddress, secretText.baseAddress) != 0 {
        throw ZMQError.last("zmq_curve_keypair")
    }
}

/// Derives the public key of a secret key, both as 40 characters of Z85 and a NUL.
///
/// Wraps `zmq_curve_public`, which fails with `ENOTSUP` when libzmq was built without
/// CURVE, and with `EINVAL` when the secret's text is not valid Z85.
///
/// - Parameters:
///   - publicText: Room for 41 bytes: the public key's text.
///   - secretText: The secret key's 40 characters of Z85 and a NUL.
func curvePublic(
    _ publicText: UnsafeMutableBufferPointer<CChar>, from secretText: UnsafeBufferPointer<CChar>
) throws(ZMQError) {
    precondition(publicText.count >= 41, "zmq_curve_public writes 41 bytes")
    precondition(secretText.count >= 41 && secretText[40] == 0, "zmq_curve_public reads 40 characters and a NUL")
    if zmq_curve_public(publicText.baseAddress, secretText.baseAddress) != 0 {
        throw ZMQError.last("zmq_curve_public")
    }
}
