// zmqcat: talk to any ZeroMQ peer from the command line. It sends what it reads on
// standard input as messages and writes what it receives on standard output, on a
// socket whose kind is chosen at run time (a DynamicSocket): every option of the
// socket, CURVE keys and certificates, and exit codes a script can rely on.
//
//   cd Examples && swift run zmqcat --help
//
// For example, `echo ping | swift run zmqcat req -c tcp://localhost:5555 -t 5s` asks
// the hello-server example and prints its reply. Docs/zmqcat.md is the manual.
Zmqcat.main()
