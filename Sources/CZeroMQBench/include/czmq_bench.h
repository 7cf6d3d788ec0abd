#ifndef CZMQ_BENCH_H
#define CZMQ_BENCH_H
int czmq_bench_placeholder(void);
#endif
