#include "czmq_bench.h"
int czmq_bench_placeholder(void) { return 0; }
