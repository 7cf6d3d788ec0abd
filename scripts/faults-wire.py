#!/usr/bin/env python3
"""A wire between two network namespaces, with netem's faults done in user space.

    faults-wire.py TUN_A TUN_B CONTROL STATS

Creates two TUN devices (in the caller's namespace; the caller moves them into the
namespaces it made, and the open descriptors follow) and copies every IP packet read
from one to the other. The kernels of the two hosts see an ordinary point-to-point
link, and their TCP stacks do all the recovering.

Why not `tc qdisc ... netem`: kernels built without CONFIG_NET_SCH_NETEM (as the CI
machines' are) refuse it, and this wire does the same in any kernel with TUN.

CONTROL is a file of `key=value` words, read again on SIGHUP (a key it omits is 0):
    cut=1         drop every packet (a cable pulled out), both ways
    loss=0.05     drop each packet with this probability, each way
    delay=0.05    hold each packet this many seconds, each way
    reorder=0.25  send this share of the packets at once, ahead of the delayed
                  ones (netem's `reorder`: it needs a delay to reorder anything)
STATS is written on SIGHUP and at the end (SIGTERM): packets forwarded, dropped, and
sent ahead of a packet that came before them (reordered), and how many times it was
written (updates), so that a reader knows when it is fresh.
"""
import fcntl
import heapq
import os
import random
import select
import signal
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000


def open_tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def main():
    name_a, name_b, control, stats_path = sys.argv[1:5]
    fds = [open_tun(name_a), open_tun(name_b)]
    settings = {"cut": 0.0, "loss": 0.0, "delay": 0.0, "reorder": 0.0}
    stats = {"forwarded": 0, "dropped": 0, "reordered": 0, "updates": 0}
    reload = [True]
    running = [True]

    def write_stats():
        stats["updates"] += 1
        with open(stats_path + ".tmp", "w") as out:
            out.write(" ".join(f"{key}={value}" for key, value in stats.items()) + "\n")
        os.replace(stats_path + ".tmp", stats_path)

    signal.signal(signal.SIGHUP, lambda *_: reload.__setitem__(0, True))
    signal.signal(signal.SIGTERM, lambda *_: running.__setitem__(0, False))

    # (release time, arrival order, destination fd, packet)
    queue = []
    arrivals = 0
    last_released = [-1, -1]  # per direction: arrival order of the last packet sent
    print("ready", flush=True)
    while running[0]:
        if reload[0]:
            reload[0] = False
            settings = dict.fromkeys(settings, 0.0)  # the file is the whole state
            try:
                for word in open(control).read().split():
                    key, value = word.split("=")
                    settings[key] = float(value)
            except FileNotFoundError:
                pass
            write_stats()
        now = time.monotonic()
        timeout = max(0.0, queue[0][0] - now) if queue else 0.5
        try:
            # Short waits: a SIGHUP is seen within 50 ms (select resumes after a signal).
            readable, _, _ = select.select(fds, [], [], min(timeout, 0.05))
        except InterruptedError:
            continue
        for source in readable:
            destination = fds[1 - fds.index(source)]
            while True:
                try:
                    packet = os.read(source, 65536)
                except (BlockingIOError, OSError):
                    break
                arrivals += 1
                if settings["cut"] or random.random() < settings["loss"]:
                    stats["dropped"] += 1
                    continue
                delay = settings["delay"]
                if delay and random.random() < settings["reorder"]:
                    delay = 0.0
                heapq.heappush(queue, (time.monotonic() + delay, arrivals, destination, packet))
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, order, destination, packet = heapq.heappop(queue)
            direction = fds.index(destination)
            if order < last_released[direction]:
                stats["reordered"] += 1
            last_released[direction] = max(last_released[direction], order)
            try:
                os.write(destination, packet)
                stats["forwarded"] += 1
            except OSError:  # the device is down: the packet is lost, as on a cable
                stats["dropped"] += 1
    write_stats()


if __name__ == "__main__":
    main()
