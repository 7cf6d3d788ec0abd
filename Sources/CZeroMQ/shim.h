#ifndef SWIFT_ZEROMQ_SHIM_H
#define SWIFT_ZEROMQ_SHIM_H

// The C module of swift-zeromq: libzmq's own header, plus the few things that
// Swift cannot import from it as they are.
#include <zmq.h>
#include <errno.h>

// The reactor's kernel queue: Swift's Glibc module leaves these headers out.
#if defined(__linux__)
#include <sys/epoll.h>
#include <sys/eventfd.h>
#endif

// libzmq defines its own error codes as sums of macros (ZMQ_HAUSNUMERO + n),
// and on platforms whose errno.h lacks a POSIX code it defines that one too.
// Swift does not import macro arithmetic reliably, so the values are exposed
// as constants here.
static const int CZMQ_ETERM = ETERM;
static const int CZMQ_EFSM = EFSM;
static const int CZMQ_ENOCOMPATPROTO = ENOCOMPATPROTO;
static const int CZMQ_EMTHREAD = EMTHREAD;
static const int CZMQ_ENOTSUP = ENOTSUP;
static const int CZMQ_EPROTONOSUPPORT = EPROTONOSUPPORT;
static const int CZMQ_ENOBUFS = ENOBUFS;
static const int CZMQ_ENETDOWN = ENETDOWN;
static const int CZMQ_EADDRINUSE = EADDRINUSE;
static const int CZMQ_EADDRNOTAVAIL = EADDRNOTAVAIL;
static const int CZMQ_ECONNREFUSED = ECONNREFUSED;
static const int CZMQ_EINPROGRESS = EINPROGRESS;
static const int CZMQ_ENOTSOCK = ENOTSOCK;
static const int CZMQ_EMSGSIZE = EMSGSIZE;
static const int CZMQ_EAFNOSUPPORT = EAFNOSUPPORT;
static const int CZMQ_ENETUNREACH = ENETUNREACH;
static const int CZMQ_ECONNABORTED = ECONNABORTED;
static const int CZMQ_ECONNRESET = ECONNRESET;
static const int CZMQ_ENOTCONN = ENOTCONN;
static const int CZMQ_ETIMEDOUT = ETIMEDOUT;
static const int CZMQ_EHOSTUNREACH = EHOSTUNREACH;
static const int CZMQ_ENETRESET = ENETRESET;

#endif
