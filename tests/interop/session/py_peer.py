"""Autobahn|Python peer for the session interop test (run with /usr/bin/python3).

Joins realm1 at the URL given, registers com.py.add2, calls our CLI's echo procedure
com.c.echo, publishes to com.c.topic (our CLI subscriber), prints READY once add2 is
registered, and leaves after add2 has been called once (by our CLI). Exit 0 on success."""
import asyncio
import sys
from urllib.parse import urlparse

import txaio
txaio.use_asyncio()
from autobahn.asyncio.wamp import ApplicationSession  # noqa: E402
from autobahn.asyncio.websocket import WampWebSocketClientFactory  # noqa: E402
from autobahn.wamp.types import CallResult, ComponentConfig  # noqa: E402

url = sys.argv[1]
state = {"ok": False}
loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)


class Peer(ApplicationSession):
    async def onJoin(self, details):
        try:
            await self.scenario()
        except Exception as e:  # report and fail
            print("peer error:", repr(e), flush=True)
        self.leave()

    async def scenario(self):
        done = loop.create_future()

        def add2(a, b):
            if not done.done():
                done.set_result(a + b)
            # with kwargs: fox-wamp forwards absent kwargs as null, which Autobahn's parser
            # (and ours) reject
            return CallResult(a + b, op="add")

        await self.register(add2, "com.py.add2")
        res = await self.call("com.c.echo", 1, "x", k="v")
        print("echo:", res.results, res.kwresults, flush=True)
        self.publish("com.c.topic", 7, k="v")
        print("READY", flush=True)
        got = await asyncio.wait_for(done, 20)
        print("add2 called:", got, flush=True)
        state["ok"] = list(res.results) == [1, "x"] and res.kwresults == {"k": "v"} and got == 5

    def onDisconnect(self):
        loop.stop()


u = urlparse(url)
factory = WampWebSocketClientFactory(lambda: Peer(ComponentConfig("realm1")), url=url,
                                     serializers=None)
loop.run_until_complete(loop.create_connection(factory, u.hostname, u.port))
loop.run_forever()
sys.exit(0 if state["ok"] else 1)
