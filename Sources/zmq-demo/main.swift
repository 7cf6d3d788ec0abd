import ZeroMQ
let ctx = try Context()
let rep = try RepSocket(ctx)
let ep = try rep.bind("tcp://127.0.0.1:*")
print("bound", ep)
let req = try ReqSocket(ctx)
try req.connect(ep)
try req.send("hello")
let m = try rep.receive()
print(m.string, m.peerAddress as Any, m.socketType as Any)
try rep.send([UInt8](repeating: 7, count: 5000))
let r = try req.receiveBytes()
print(r.count)
do { try req.bind("tcp://127.0.0.1:99999") } catch { print(error) }
do { try req.bind("foo://x") } catch { print(error) }
do { try req.receive() } catch .invalidState { print("EFSM caught:", "ok") } catch { print("other", error) }
do { try req.unbind("tcp://127.0.0.1:5") } catch { print(error) }
req.close()
do { try req.send("x") } catch { print(error) }
