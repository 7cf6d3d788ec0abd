// The raw C side of zmq-bench: libzmq's C API in the plainest efficient C, doing
// the same work as the Swift side (Sources/zmq-bench/main.swift) message for
// message: same sockets, same options, same buffers prepared once, same receive
// into one reused zmq_msg_t, same size check of every message, same retry of EINTR.

#include "czmq_bench.h"

#include <zmq.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct czb_bound {
    void *context;
    void *socket;
};

static int fail(const char *what) {
    fprintf(stderr, "zmq-bench (c): %s: %s\n", what, zmq_strerror(zmq_errno()));
    return -1;
}

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int set_int(void *socket, int option, int value, const char *name) {
    if (zmq_setsockopt(socket, option, &value, sizeof value) != 0) return fail(name);
    return 0;
}

// A socket of `type` with the benchmark's options; NULL on failure.
static void *make_socket(void *context, int type) {
    void *s = zmq_socket(context, type);
    if (!s) {
        fail("zmq_socket");
        return NULL;
    }
    int rc = 0;
    switch (type) {
    case ZMQ_PUSH:
        rc |= set_int(s, ZMQ_LINGER, CZB_SENDER_LINGER_MS, "ZMQ_LINGER");
        rc |= set_int(s, ZMQ_SNDHWM, CZB_HWM, "ZMQ_SNDHWM");
        rc |= set_int(s, ZMQ_SNDTIMEO, CZB_TIMEOUT_MS, "ZMQ_SNDTIMEO");
        break;
    case ZMQ_PULL:
        rc |= set_int(s, ZMQ_LINGER, CZB_LINGER_MS, "ZMQ_LINGER");
        rc |= set_int(s, ZMQ_RCVHWM, CZB_HWM, "ZMQ_RCVHWM");
        rc |= set_int(s, ZMQ_RCVTIMEO, CZB_TIMEOUT_MS, "ZMQ_RCVTIMEO");
        break;
    default: // ZMQ_REQ, ZMQ_REP
        rc |= set_int(s, ZMQ_LINGER, CZB_LINGER_MS, "ZMQ_LINGER");
        rc |= set_int(s, ZMQ_SNDHWM, CZB_HWM, "ZMQ_SNDHWM");
        rc |= set_int(s, ZMQ_RCVHWM, CZB_HWM, "ZMQ_RCVHWM");
        rc |= set_int(s, ZMQ_SNDTIMEO, CZB_TIMEOUT_MS, "ZMQ_SNDTIMEO");
        rc |= set_int(s, ZMQ_RCVTIMEO, CZB_TIMEOUT_MS, "ZMQ_RCVTIMEO");
        break;
    }
    if (rc != 0) {
        zmq_close(s);
        return NULL;
    }
    return s;
}

static void term(void *context) {
    while (zmq_ctx_term(context) != 0 && zmq_errno() == EINTR) {
    }
}

static unsigned char *make_payload(size_t size) {
    unsigned char *buffer = malloc(size ? size : 1);
    if (buffer) memset(buffer, 'a', size);
    return buffer;
}

// MARK: - The measured loops

// zmq_msg_recv into `msg`, retrying EINTR, then the size check.
static inline int receive_one(void *socket, zmq_msg_t *msg, size_t size) {
    while (zmq_msg_recv(msg, socket, 0) < 0) {
        if (zmq_errno() != EINTR) return fail("zmq_msg_recv");
    }
    if (zmq_msg_size(msg) != size) {
        fprintf(stderr, "zmq-bench (c): received %zu bytes, expected %zu\n", zmq_msg_size(msg), size);
        return -1;
    }
    return 0;
}

static inline int send_copy(void *socket, const unsigned char *buffer, size_t size) {
    while (zmq_send(socket, buffer, size, 0) < 0) {
        if (zmq_errno() != EINTR) return fail("zmq_send");
    }
    return 0;
}

// The free function of zero-copy messages: counts the buffers libzmq gives back.
static void count_release(void *data, void *hint) {
    (void)data;
    atomic_fetch_add_explicit((atomic_long *)hint, 1, memory_order_relaxed);
}

static inline int send_zerocopy(void *socket, unsigned char *buffer, size_t size, atomic_long *released) {
    zmq_msg_t msg;
    if (zmq_msg_init_data(&msg, buffer, size, count_release, released) != 0) return fail("zmq_msg_init_data");
    while (zmq_msg_send(&msg, socket, 0) < 0) {
        if (zmq_errno() != EINTR) {
            int rc = fail("zmq_msg_send");
            zmq_msg_close(&msg);
            return rc;
        }
    }
    return 0;
}

static int receive_loop(void *socket, size_t size, long count, double *elapsed_s) {
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    int rc = 0;
    double start = 0;
    if (count > 0) {
        rc = receive_one(socket, &msg, size);
        start = now_s();
    }
    long i = 1;
    for (; rc == 0 && i < count; i++) {
        rc = receive_one(socket, &msg, size);
    }
    double end = now_s();
    if (rc != 0) fprintf(stderr, "zmq-bench (c): failed after %ld of %ld messages\n", count > 0 ? i - 1 : 0, count);
    zmq_msg_close(&msg);
    *elapsed_s = end - start;
    return rc;
}

// Sends on a connected PUSH socket from `buffer`, prepared once by the caller, which
// frees it after terminating the context: only then has libzmq released every
// zero-copy message that points into it.
static int send_loop(void *socket, unsigned char *buffer, size_t size, long count, int zerocopy,
                     atomic_long *released) {
    int rc = 0;
    if (zerocopy) {
        for (long i = 0; rc == 0 && i < count; i++) rc = send_zerocopy(socket, buffer, size, released);
    } else {
        for (long i = 0; rc == 0 && i < count; i++) rc = send_copy(socket, buffer, size);
    }
    return rc;
}

static int request_loop(void *socket, size_t size, long count, long warmup, double *elapsed_s) {
    unsigned char *buffer = make_payload(size);
    if (!buffer) return fail("malloc");
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    int rc = 0;
    for (long i = 0; rc == 0 && i < warmup; i++) {
        rc = send_copy(socket, buffer, size);
        if (rc == 0) rc = receive_one(socket, &msg, size);
    }
    double start = now_s();
    for (long i = 0; rc == 0 && i < count; i++) {
        rc = send_copy(socket, buffer, size);
        if (rc == 0) rc = receive_one(socket, &msg, size);
    }
    double end = now_s();
    zmq_msg_close(&msg);
    free(buffer);
    *elapsed_s = end - start;
    return rc;
}

static int reply_loop(void *socket, size_t size, long total) {
    unsigned char *buffer = make_payload(size);
    if (!buffer) return fail("malloc");
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    int rc = 0;
    for (long i = 0; rc == 0 && i < total; i++) {
        rc = receive_one(socket, &msg, size);
        if (rc == 0) rc = send_copy(socket, buffer, size);
    }
    zmq_msg_close(&msg);
    free(buffer);
    return rc;
}

static long long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + ((long long)t.tv_nsec + 999999) / 1000000;
}

// zmq_poll, resumed after EINTR for the time that remains (as the Swift Poller does).
static inline int poll_items(zmq_pollitem_t *items, int n, long timeout_ms) {
    long long start = timeout_ms > 0 ? now_ms() : 0;
    int ready;
    while ((ready = zmq_poll(items, n, timeout_ms)) < 0 && zmq_errno() == EINTR) {
        if (timeout_ms > 0) {
            long long left = start + timeout_ms - now_ms();
            timeout_ms = left > 0 ? (long)left : 0;
            start = now_ms();
        }
    }
    return ready;
}

// Binds CZB_POLL_IDLE PULL sockets to `endpoints` into `idle`; closes them on failure.
static int bind_idle(void *context, const char *const *endpoints, void **idle) {
    for (int i = 0; i < CZB_POLL_IDLE; i++) {
        idle[i] = make_socket(context, ZMQ_PULL);
        if (!idle[i] || zmq_bind(idle[i], endpoints[i]) != 0) {
            if (idle[i]) fail("zmq_bind (idle)");
            for (int j = 0; j <= i; j++) if (idle[j]) zmq_close(idle[j]);
            return -1;
        }
    }
    return 0;
}

static void close_idle(void **idle) {
    for (int i = 0; i < CZB_POLL_IDLE; i++) zmq_close(idle[i]);
}

// Polls the idle sockets and `fed` (last) until `count` messages have arrived,
// draining every readable socket with ZMQ_DONTWAIT receives.
static int poll_loop(void *fed, void **idle, size_t size, long count, double *elapsed_s) {
    zmq_pollitem_t items[CZB_POLL_IDLE + 1];
    for (int i = 0; i < CZB_POLL_IDLE; i++) items[i] = (zmq_pollitem_t){idle[i], 0, ZMQ_POLLIN, 0};
    items[CZB_POLL_IDLE] = (zmq_pollitem_t){fed, 0, ZMQ_POLLIN, 0};
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    long received = 0;
    double start = 0;
    int rc = 0;
    while (rc == 0 && received < count) {
        int ready = poll_items(items, CZB_POLL_IDLE + 1, CZB_TIMEOUT_MS);
        if (ready < 0) {
            rc = fail("zmq_poll");
            break;
        }
        if (ready == 0) {
            fprintf(stderr, "zmq-bench (c): nothing to receive within %d ms\n", CZB_TIMEOUT_MS);
            rc = -1;
            break;
        }
        for (int i = 0; rc == 0 && i < CZB_POLL_IDLE + 1; i++) {
            if (!(items[i].revents & ZMQ_POLLIN)) continue;
            while (received < count) {
                if (zmq_msg_recv(&msg, items[i].socket, ZMQ_DONTWAIT) < 0) {
                    if (zmq_errno() == EINTR) continue;
                    if (zmq_errno() != EAGAIN) rc = fail("zmq_msg_recv");
                    break;
                }
                if (zmq_msg_size(&msg) != size) {
                    fprintf(stderr, "zmq-bench (c): received %zu bytes, expected %zu\n", zmq_msg_size(&msg), size);
                    rc = -1;
                    break;
                }
                if (received++ == 0) start = now_s();
            }
        }
    }
    double end = now_s();
    if (rc != 0) fprintf(stderr, "zmq-bench (c): failed after %ld of %ld messages\n", received, count);
    zmq_msg_close(&msg);
    *elapsed_s = end - start;
    return rc;
}

static int check_released(long released, long expected) {
    if (released != expected) {
        fprintf(stderr, "zmq-bench (c): %ld zero-copy buffers released, expected %ld\n", released, expected);
        return -1;
    }
    return 0;
}

// MARK: - Two processes

czb_bound *czb_bind(int role, const char *endpoint, char *bound, size_t bound_capacity) {
    czb_bound *peer = calloc(1, sizeof *peer);
    if (!peer) return NULL;
    peer->context = zmq_ctx_new();
    if (!peer->context) {
        fail("zmq_ctx_new");
        free(peer);
        return NULL;
    }
    peer->socket = make_socket(peer->context, role == CZB_ROLE_REQ ? ZMQ_REQ : ZMQ_PULL);
    if (!peer->socket || zmq_bind(peer->socket, endpoint) != 0) {
        if (peer->socket) {
            fail("zmq_bind");
            zmq_close(peer->socket);
        }
        term(peer->context);
        free(peer);
        return NULL;
    }
    size_t length = bound_capacity;
    if (zmq_getsockopt(peer->socket, ZMQ_LAST_ENDPOINT, bound, &length) != 0) {
        snprintf(bound, bound_capacity, "%s", endpoint);
    }
    return peer;
}

void czb_bound_close(czb_bound *peer) {
    if (!peer) return;
    zmq_close(peer->socket);
    term(peer->context);
    free(peer);
}

int czb_thr_receive(czb_bound *peer, size_t size, long count, double *elapsed_s) {
    return receive_loop(peer->socket, size, count, elapsed_s);
}

int czb_poll_receive(czb_bound *peer, const char *const *idle_endpoints, size_t size, long count,
                     double *elapsed_s) {
    void *idle[CZB_POLL_IDLE];
    if (bind_idle(peer->context, idle_endpoints, idle) != 0) return -1;
    int rc = poll_loop(peer->socket, idle, size, count, elapsed_s);
    close_idle(idle);
    return rc;
}

int czb_lat_request(czb_bound *peer, size_t size, long count, long warmup, double *elapsed_s) {
    return request_loop(peer->socket, size, count, warmup, elapsed_s);
}

int czb_thr_send(const char *endpoint, size_t size, long count, int zerocopy, void (*before_close)(void)) {
    void *context = zmq_ctx_new();
    if (!context) return fail("zmq_ctx_new");
    void *socket = make_socket(context, ZMQ_PUSH);
    if (!socket) {
        term(context);
        return -1;
    }
    atomic_long released = 0;
    unsigned char *buffer = make_payload(size);
    int rc = buffer ? 0 : fail("malloc");
    if (rc == 0 && zmq_connect(socket, endpoint) != 0) rc = fail("zmq_connect");
    if (rc == 0) rc = send_loop(socket, buffer, size, count, zerocopy, &released);
    if (rc == 0 && before_close) before_close();
    zmq_close(socket);
    term(context); // waits, up to the linger, until the queue is flushed
    free(buffer);
    if (rc == 0 && zerocopy) rc = check_released(atomic_load(&released), count);
    return rc;
}

int czb_lat_reply(const char *endpoint, size_t size, long total, void (*before_close)(void)) {
    void *context = zmq_ctx_new();
    if (!context) return fail("zmq_ctx_new");
    void *socket = make_socket(context, ZMQ_REP);
    if (!socket) {
        term(context);
        return -1;
    }
    int rc = zmq_connect(socket, endpoint) == 0 ? 0 : fail("zmq_connect");
    if (rc == 0) rc = reply_loop(socket, size, total);
    if (rc == 0 && before_close) before_close();
    zmq_close(socket);
    term(context);
    return rc;
}

// MARK: - Two threads, one context (inproc)

struct inproc_peer {
    void *context;
    const char *endpoint;
    size_t size;
    long count;
    int zerocopy;
    atomic_long *released;
    int rc;
    unsigned char *buffer;
};

static void *thr_sender_thread(void *argument) {
    struct inproc_peer *p = argument;
    void *socket = make_socket(p->context, ZMQ_PUSH);
    if (!socket) {
        p->rc = -1;
        return NULL;
    }
    unsigned char *buffer = make_payload(p->size);
    p->rc = buffer ? 0 : fail("malloc");
    if (p->rc == 0 && zmq_connect(socket, p->endpoint) != 0) p->rc = fail("zmq_connect");
    if (p->rc == 0) p->rc = send_loop(socket, buffer, p->size, p->count, p->zerocopy, p->released);
    zmq_close(socket);
    p->buffer = buffer; // freed after zmq_ctx_term, when no message points into it
    return NULL;
}

static void *lat_replier_thread(void *argument) {
    struct inproc_peer *p = argument;
    void *socket = make_socket(p->context, ZMQ_REP);
    if (!socket) {
        p->rc = -1;
        return NULL;
    }
    p->rc = zmq_connect(socket, p->endpoint) == 0 ? 0 : fail("zmq_connect");
    if (p->rc == 0) p->rc = reply_loop(socket, p->size, p->count);
    zmq_close(socket);
    return NULL;
}

static int run_inproc(int bound_type, void *(*peer_main)(void *), size_t size, long count, long warmup,
                      int zerocopy, const char *const *idle_endpoints, double *elapsed_s) {
    static const char endpoint[] = "inproc://zmq-bench";
    void *context = zmq_ctx_new();
    if (!context) return fail("zmq_ctx_new");
    void *socket = make_socket(context, bound_type);
    if (!socket) {
        term(context);
        return -1;
    }
    if (zmq_bind(socket, endpoint) != 0) {
        int rc = fail("zmq_bind");
        zmq_close(socket);
        term(context);
        return rc;
    }
    void *idle[CZB_POLL_IDLE];
    if (idle_endpoints && bind_idle(context, idle_endpoints, idle) != 0) {
        zmq_close(socket);
        term(context);
        return -1;
    }
    atomic_long released = 0;
    struct inproc_peer peer = {context, endpoint, size, bound_type == ZMQ_REQ ? warmup + count : count,
                               zerocopy, &released, 0, NULL};
    pthread_t thread;
    if (pthread_create(&thread, NULL, peer_main, &peer) != 0) {
        fprintf(stderr, "zmq-bench (c): pthread_create failed\n");
        if (idle_endpoints) close_idle(idle);
        zmq_close(socket);
        term(context);
        return -1;
    }
    int rc = bound_type == ZMQ_REQ ? request_loop(socket, size, count, warmup, elapsed_s)
             : idle_endpoints      ? poll_loop(socket, idle, size, count, elapsed_s)
                                   : receive_loop(socket, size, count, elapsed_s);
    if (idle_endpoints) close_idle(idle);
    zmq_close(socket);
    pthread_join(thread, NULL);
    term(context);
    free(peer.buffer);
    if (rc == 0) rc = peer.rc;
    if (rc == 0 && zerocopy) rc = check_released(atomic_load(&released), count);
    return rc;
}

int czb_thr_inproc(size_t size, long count, int zerocopy, double *elapsed_s) {
    return run_inproc(ZMQ_PULL, thr_sender_thread, size, count, 0, zerocopy, NULL, elapsed_s);
}

int czb_poll_inproc(const char *const *idle_endpoints, size_t size, long count, double *elapsed_s) {
    return run_inproc(ZMQ_PULL, thr_sender_thread, size, count, 0, 0, idle_endpoints, elapsed_s);
}

int czb_lat_inproc(size_t size, long count, long warmup, double *elapsed_s) {
    return run_inproc(ZMQ_REQ, lat_replier_thread, size, count, warmup, 0, NULL, elapsed_s);
}
