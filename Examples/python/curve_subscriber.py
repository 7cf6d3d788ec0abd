#!/usr/bin/env python3
"""A CURVE subscriber, written with pyzmq, for the Swift curve-publisher example.

    python3 Examples/python/curve_subscriber.py --server-key='PUBLISHER KEY' \
        [--endpoint tcp://localhost:5556] [--certificate alice.key_secret] [--count 5] [--timeout 10]
    python3 Examples/python/curve_subscriber.py --server-certificate publisher.key ...

It subscribes to "weather", prints each update it receives, and exits 0 once it has
COUNT of them, or 1 when TIMEOUT seconds pass first (a subscriber that the publisher
refuses, or that has the wrong publisher key, receives nothing). The publisher's key is
given as Z85 text (write --server-key=KEY with '=': a Z85 key may start with '-', which
would otherwise be taken for an option), or in the publisher's public certificate.
Its key pair comes from a secret certificate (czmq's format) or, without one, is new.
To make a certificate and admit it (curve-publisher's CLIENTS directory holds public
certificates only):

    python3 -c "import zmq.auth; zmq.auth.create_certificates('.', 'alice')"
    mkdir -p clients && cp alice.key clients/     # alice.key_secret stays with alice

Needs pyzmq: apt-get install python3-zmq, or pip3 install pyzmq.
"""
import argparse
import sys
import time

import zmq
import zmq.auth


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    server = parser.add_mutually_exclusive_group(required=True)
    server.add_argument("--server-key", help="the publisher's public key, Z85")
    server.add_argument("--server-certificate", help="the publisher's public certificate file")
    parser.add_argument("--endpoint", default="tcp://localhost:5556")
    parser.add_argument("--certificate", help="this subscriber's secret certificate file")
    parser.add_argument("--count", type=int, default=5, help="updates to receive")
    parser.add_argument("--timeout", type=float, default=10, help="seconds to wait for them")
    options = parser.parse_args()
    if options.server_certificate:
        server_key, _ = zmq.auth.load_certificate(options.server_certificate)
    else:
        server_key = options.server_key.encode()

    if options.certificate:
        public, secret = zmq.auth.load_certificate(options.certificate)
        if secret is None:
            sys.exit(f"{options.certificate} has no secret key: give the _secret certificate")
    else:
        public, secret = zmq.curve_keypair()
    print("subscriber key:", public.decode(), flush=True)

    context = zmq.Context()
    subscriber = context.socket(zmq.SUB)
    subscriber.linger = 0
    subscriber.curve_serverkey = server_key
    subscriber.curve_publickey = public
    subscriber.curve_secretkey = secret
    subscriber.setsockopt(zmq.SUBSCRIBE, b"weather")
    subscriber.connect(options.endpoint)

    received = 0
    deadline = time.monotonic() + options.timeout
    while received < options.count:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not subscriber.poll(int(remaining * 1000)):
            break
        print("received:", subscriber.recv_string(), flush=True)
        received += 1
    print(f"received {received} updates", flush=True)
    subscriber.close()
    context.term()
    sys.exit(0 if received == options.count else 1)


if __name__ == "__main__":
    main()
