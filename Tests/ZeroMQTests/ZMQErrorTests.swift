import CZeroMQ
import Foundation
import Testing
import ZeroMQ

@Suite("ZMQError")
struct ZMQErrorTests {
    @Test("catch ZMQError.again matches in an untyped throwing context")
    func untypedCatch() throws {
        let context = try makeContext()
        let pull = try PullSocket.bounded(context, timeout: .milliseconds(20))
        try pull.bind(Transport.inproc.bindEndpoint())

        func receiveAny() throws -> Message { try pull.receive() }
        var caught = false
        do {
            _ = try receiveAny()
        } catch ZMQError.again {
            caught = true
        } catch {
            Issue.record("unexpected \(error)")
        }
        #expect(caught)

        // A ZMQError of another code does not match, nor does another error type.
        struct Other: Error {}
        #expect(!(ZMQError.again ~= (Other() as any Error)))
        #expect(!(ZMQError.again ~= (ZMQError.invalidState as any Error)))
        #expect(ZMQError.again ~= (ZMQError(rawValue: EAGAIN) as any Error))
    }

    @Test("catch .invalidState matches in a typed-throws context")
    func typedCatch() throws {
        let context = try makeContext()
        let rep = try RepSocket.bounded(context)
        var caught: ZMQError?
        do throws(ZMQError) {
            try rep.send("unasked")
        } catch .invalidState {
            caught = .invalidState
        } catch .again {
            Issue.record("again")
        } catch {
            Issue.record("unexpected \(error)")
        }
        #expect(caught == .invalidState)

        // A switch over a ZMQError works the same way.
        let error = ZMQError(CZMQ_ETERM, operation: "receive")
        switch error {
        case .again, .invalidState: Issue.record("wrong case")
        case .contextTerminated: break
        default: Issue.record("no case")
        }
    }

    @Test("errors are equal by code only")
    func equality() {
        let a = ZMQError(EINVAL, operation: "bind", target: "tcp://x", reason: "bad")
        let b = ZMQError(EINVAL, operation: "connect", target: nil, reason: nil)
        #expect(a == b)
        #expect(a == .invalidArgument)
        #expect(a != .again)
        #expect(a.hashValue == ZMQError.invalidArgument.hashValue)
        #expect(Set([a, b, .invalidArgument, .again]).count == 2)
        #expect(a.code == EINVAL)
        #expect(a.rawValue == EINVAL)
        #expect(ZMQError(rawValue: CZMQ_EFSM) == .invalidState)
    }

    @Test("description puts operation, target, reason, the code's name and zmq_strerror together")
    func description() {
        let strerror = String(cString: zmq_strerror(EINVAL))
        let full = ZMQError(EINVAL, operation: "bind", target: "tcp://x", reason: "bad port")
        #expect(full.message == strerror)
        #expect(full.description == "bind tcp://x: bad port (EINVAL: \(strerror))")
        #expect(ZMQError(EINVAL, operation: "bind").description == "bind: \(strerror) (EINVAL)")
        #expect(
            ZMQError(EINVAL, operation: nil, target: "ZMQ_LINGER").description == "ZMQ_LINGER: \(strerror) (EINVAL)")
        #expect(ZMQError.invalidArgument.description == "\(strerror) (EINVAL)")
        #expect(ZMQError.contextTerminated.message == String(cString: zmq_strerror(CZMQ_ETERM)))
        #expect(ZMQError.invalidState.message.contains("state"))
    }

    @Test("every named code has its C name, libzmq's own codes included")
    func names() {
        let named: [(ZMQError, String)] = [
            (.again, "EAGAIN"), (.contextTerminated, "ETERM"), (.invalidState, "EFSM"),
            (.notSupported, "ENOTSUP"), (.protocolNotSupported, "EPROTONOSUPPORT"),
            (.incompatibleProtocol, "ENOCOMPATPROTO"), (.addressInUse, "EADDRINUSE"),
            (.addressNotAvailable, "EADDRNOTAVAIL"), (.noSuchDevice, "ENODEV"), (.notSocket, "ENOTSOCK"),
            (.hostUnreachable, "EHOSTUNREACH"), (.noIOThread, "EMTHREAD"), (.invalidArgument, "EINVAL"),
            (.noEntry, "ENOENT"), (.nameTooLong, "ENAMETOOLONG"), (.messageTooLarge, "EMSGSIZE"),
            (.interrupted, "EINTR"), (.tooManyOpenFiles, "EMFILE"), (.noMemory, "ENOMEM"),
            (.noBufferSpace, "ENOBUFS"), (.badAddress, "EFAULT"), (.networkDown, "ENETDOWN"),
            (.networkUnreachable, "ENETUNREACH"), (.connectionRefused, "ECONNREFUSED"),
            (.addressFamilyNotSupported, "EAFNOSUPPORT"), (.inProgress, "EINPROGRESS"),
            (.connectionAborted, "ECONNABORTED"), (.connectionReset, "ECONNRESET"),
            (.notConnected, "ENOTCONN"), (.timedOut, "ETIMEDOUT"), (.networkReset, "ENETRESET"),
        ]
        for (error, name) in named {
            #expect(error.name == name, "\(error.code)")
            #expect(error.description.hasSuffix("(\(name))"), "\(error.description)")
        }
        // libzmq's own codes are ZMQ_HAUSNUMERO (156384712) + n: EFSM is the number a
        // log showed before errors had names.
        #expect(ZMQError(rawValue: 156_384_763).name == "EFSM")
        #expect(ZMQError(rawValue: 156_384_712 + 53).name == "ETERM")
        #expect(ZMQError(rawValue: 156_384_712 + 52).name == "ENOCOMPATPROTO")
        #expect(ZMQError(rawValue: 156_384_712 + 54).name == "EMTHREAD")
        // Codes libzmq passes on from the system, with no static of their own.
        #expect(ZMQError(rawValue: EACCES).name == "EACCES")
        #expect(ZMQError(rawValue: EPERM).name == "EPERM")
        #expect(ZMQError(rawValue: ENOTDIR).name == "ENOTDIR")
        #expect(ZMQError(rawValue: EWOULDBLOCK).name == "EAGAIN")
        // A code with no name says so, with its number.
        #expect(ZMQError(rawValue: 999_999).name == "errno 999999")
        #expect(ZMQError(rawValue: 999_999).description.hasSuffix("(errno 999999)"))
    }

    @Test("errors from real libzmq calls print their C names")
    func realNames() throws {
        let context = try makeContext()
        // EFSM: a REQ that sends twice.
        let req = try ReqSocket(context)
        try req.connect(Transport.inproc.bindEndpoint())
        try req.send("first")
        let twice = #expect(throws: ZMQError.self) { try req.send("second") }
        #expect(twice == .invalidState)
        #expect(twice?.description.contains("(EFSM: ") == true, "\(String(describing: twice))")
        // EPROTONOSUPPORT: an unknown transport.
        let unknown = #expect(throws: ZMQError.self) { try req.connect("nosuch://x") }
        #expect(unknown?.description.contains("EPROTONOSUPPORT") == true, "\(String(describing: unknown))")
        // ETERM: a socket of a context that was shut down.
        let pull = try PullSocket(context)
        context.shutdown()
        let terminated = #expect(throws: ZMQError.self) { _ = try pull.receive() }
        #expect(terminated == .contextTerminated)
        #expect(terminated?.description.contains("ETERM") == true, "\(String(describing: terminated))")
    }

    @Test("a real failure describes what failed")
    func realFailure() throws {
        let context = try makeContext()
        let pull = try PullSocket.bounded(context, timeout: .milliseconds(10))
        do {
            _ = try pull.receive()
            Issue.record("received")
        } catch {
            #expect(error == .again)
            #expect(error.operation == "receive")
            #expect(error.target == "PULL")
            #expect(error.reason == "timed out (ZMQ_RCVTIMEO)")
            #expect(
                error.description
                    == "receive PULL: timed out (ZMQ_RCVTIMEO) (EAGAIN: \(String(cString: zmq_strerror(EAGAIN))))"
            )
        }
    }

    @Test("named codes are libzmq's")
    func codes() {
        #expect(ZMQError.again.code == EAGAIN)
        #expect(ZMQError.contextTerminated.code == CZMQ_ETERM)
        #expect(ZMQError.invalidState.code == CZMQ_EFSM)
        #expect(ZMQError.notSupported.code == CZMQ_ENOTSUP)
        #expect(ZMQError.protocolNotSupported.code == CZMQ_EPROTONOSUPPORT)
        #expect(ZMQError.incompatibleProtocol.code == CZMQ_ENOCOMPATPROTO)
        #expect(ZMQError.addressInUse.code == CZMQ_EADDRINUSE)
        #expect(ZMQError.notSocket.code == CZMQ_ENOTSOCK)
        #expect(ZMQError.hostUnreachable.code == CZMQ_EHOSTUNREACH)
        #expect(ZMQError.noEntry.code == ENOENT)
        #expect(ZMQError.nameTooLong.code == ENAMETOOLONG)
        #expect(ZMQError.tooManyOpenFiles.code == EMFILE)
    }
}

@Suite("Library facts")
struct LibraryTests {
    @Test("LibZMQ.version is libzmq 4.x")
    func version() {
        let version = LibZMQ.version
        #expect(version.major == 4)
        #expect(version >= LibZMQ.Version(major: 4, minor: 3, patch: 0))
        #expect(version < LibZMQ.Version(major: 5, minor: 0, patch: 0))
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        #expect(version.description == "\(major).\(minor).\(patch)")
    }

    @Test("LibZMQ.has reports capabilities")
    func capabilities() {
        #expect(LibZMQ.has(.ipc))
        #expect(!LibZMQ.has(LibZMQ.Capability(rawValue: "no-such-capability")))
        for capability in LibZMQ.Capability.all {
            #expect(LibZMQ.has(capability) == (zmq_has(capability.rawValue) == 1))
        }
    }
}
