#ifndef CZMQ_BENCH_H
#define CZMQ_BENCH_H

// The raw C side of zmq-bench: the same work as the Swift side, written against
// libzmq's C API in the plainest efficient C. Every measured loop of `zmq-bench
// --impl c` is in this file's implementation; the Swift executable only starts
// processes and threads around it and prints the result.
//
// Every function returns 0 on success, or -1 after printing what failed to stderr.

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

// Socket options, the same values as the Swift side sets (see zmq-bench/main.swift).
#define CZB_HWM 1000              // ZMQ_SNDHWM / ZMQ_RCVHWM: libzmq's default, set explicitly
#define CZB_TIMEOUT_MS 10000      // ZMQ_RCVTIMEO / ZMQ_SNDTIMEO: a dead peer ends the run
#define CZB_LINGER_MS 1000        // ZMQ_LINGER of receivers and of latency sockets
#define CZB_SENDER_LINGER_MS 10000 // ZMQ_LINGER of throughput senders: time to flush the queue

// Socket roles.
#define CZB_ROLE_PULL 0
#define CZB_ROLE_REQ 1

// A bound socket with its own context: the parent-process side of a two-process run.
typedef struct czb_bound czb_bound;

// Creates a context and a PULL (CZB_ROLE_PULL) or REQ (CZB_ROLE_REQ) socket, sets
// the options and binds it to `endpoint`. The endpoint actually bound (after a
// wildcard tcp port) is written to `bound`. Returns NULL on failure.
czb_bound *czb_bind(int role, const char *endpoint, char *bound, size_t bound_capacity);

// Closes the socket and terminates the context.
void czb_bound_close(czb_bound *peer);

// Throughput, receiver: receives `count` messages of `size` bytes into one zmq_msg_t,
// timing from the first message to the last.
int czb_thr_receive(czb_bound *peer, size_t size, long count, double *elapsed_s);

// Throughput, sender (child process): connects a PUSH socket and sends `count`
// messages, copying (`zerocopy` 0: zmq_send) or zero-copy (`zerocopy` 1:
// zmq_msg_init_data + zmq_msg_send with a counting free function). Then calls
// `before_close`, which returns once the receiver has everything: libzmq can drop
// the last messages of a socket closed right after sending them, linger or not
// (libzmq issues #1922, #3774).
int czb_thr_send(const char *endpoint, size_t size, long count, int zerocopy, void (*before_close)(void));

// Latency, requester: `warmup` untimed round trips, then `count` timed ones.
int czb_lat_request(czb_bound *peer, size_t size, long count, long warmup, double *elapsed_s);

// Latency, replier (child process): connects a REP socket and answers `total` requests,
// then calls `before_close` as czb_thr_send does.
int czb_lat_reply(const char *endpoint, size_t size, long total, void (*before_close)(void));

// Poll throughput, receiver: `peer`'s PULL socket (fed by a czb_thr_send sender) and
// CZB_POLL_IDLE idle PULL sockets, bound here to `idle_endpoints`, polled together with
// zmq_poll (the fed socket last); every socket found readable is drained with
// ZMQ_DONTWAIT receives until `count` messages of `size` bytes have arrived, timing
// from the first to the last.
#define CZB_POLL_IDLE 15
int czb_poll_receive(czb_bound *peer, const char *const *idle_endpoints, size_t size, long count,
                     double *elapsed_s);

// The same over inproc, with the sender (or replier) on a second thread of one context.
int czb_thr_inproc(size_t size, long count, int zerocopy, double *elapsed_s);
int czb_lat_inproc(size_t size, long count, long warmup, double *elapsed_s);
int czb_poll_inproc(const char *const *idle_endpoints, size_t size, long count, double *elapsed_s);

#ifdef __cplusplus
}
#endif

#endif
