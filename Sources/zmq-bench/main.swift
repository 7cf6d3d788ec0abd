import CZeroMQBench
print(czmq_bench_placeholder())
