#!/usr/bin/python3
"""Reference side of bench_message: Autobahn|Python unserializes (JSON decode + Message.parse)
and re-serializes (marshal + JSON encode, cache cleared) the same messages, timed with timeit.
Reads the messages as JSON lines on stdin: <name> <json>. Prints one line per message:
<name> <round trips per second>. usage: message_ref.py <seconds per message>"""
import sys
import timeit
import warnings

warnings.filterwarnings("ignore")
import txaio  # noqa: E402

txaio.use_asyncio()
from autobahn.wamp.serializer import JsonSerializer  # noqa: E402

budget = float(sys.argv[1]) if len(sys.argv) > 1 else 0.5
ser = JsonSerializer()
for line in sys.stdin:
    name, data = line.rstrip('\n').split(' ', 1)
    data = data.encode('utf8')

    def once():
        msg = ser.unserialize(data)[0]
        msg.uncache()
        return ser.serialize(msg)

    once()
    n, t = 1, 0.0
    while t < budget:
        n *= 2
        t = timeit.timeit(once, number=n)
    print('%s %.1f' % (name, n / t), flush=True)
