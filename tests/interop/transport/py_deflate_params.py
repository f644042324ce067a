"""interop.transport.deflate_params: our WebSocket client offering permessage-deflate parameters
(RFC 7692: client_max_window_bits, server_max_window_bits, server_no_context_takeover,
client_no_context_takeover) to a python3-websockets server, and a server that imposes its own
(smaller windows, no context takeover). Checked on both ends: what the server received and
agreed to (its PerMessageDeflate object), what our client reports as agreed, and that messages
of 0 B .. 1 MiB, each sent three times (so that context takeover would matter), echo intact
in both directions under those parameters."""
import asyncio
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import check, run_client  # noqa: E402
import websockets.server  # noqa: E402
from websockets.extensions.permessage_deflate import (PerMessageDeflate,  # noqa: E402
                                                      ServerPerMessageDeflateFactory)

WSECHO = sys.argv[1]
SIZES = '0,1,125,126,1000,5000,65535,65536,1048576'
NSIZES = len(SIZES.split(','))

CASES = [
    # (name, our client flags, server factory kwargs, expected server-side view, agreed words)
    ('client offers all three',
     ['--client-max-window-bits', '10', '--server-no-context-takeover',
      '--client-no-context-takeover'],
     {},
     {'remote_max_window_bits': 10, 'remote_no_context_takeover': True,
      'local_no_context_takeover': True},
     ['client_max_window_bits=10', 'server_no_context_takeover', 'client_no_context_takeover']),
    ('client offers server window and its own no takeover',
     ['--server-max-window-bits', '12', '--client-no-context-takeover'],
     {},
     {'local_max_window_bits': 12, 'remote_no_context_takeover': True,
      'local_no_context_takeover': False},
     ['server_max_window_bits=12', 'client_no_context_takeover']),
    ('server imposes windows and no takeover',
     [],
     {'server_no_context_takeover': True, 'server_max_window_bits': 11,
      'client_max_window_bits': 9},
     {'local_max_window_bits': 11, 'remote_max_window_bits': 9,
      'local_no_context_takeover': True, 'remote_no_context_takeover': False},
     ['server_no_context_takeover', 'server_max_window_bits=11', 'client_max_window_bits=9']),
]


async def run_case(name, flags, factory_kwargs, expect, agreed_words):
    seen = {}

    async def echo(ws, path=None):
        seen['offer'] = ', '.join(ws.request_headers.get_all('Sec-WebSocket-Extensions'))
        seen['ext'] = [e for e in ws.extensions if isinstance(e, PerMessageDeflate)]
        n = 0
        async for m in ws:
            n += 1
            await ws.send(m)
        seen['echoed'] = n

    async with websockets.server.serve(echo, '127.0.0.1', 0, subprotocols=['wamp.2.json'],
                                       compression=None, max_size=None,
                                       extensions=[ServerPerMessageDeflateFactory(**factory_kwargs)]
                                       ) as server:
        port = server.sockets[0].getsockname()[1]
        rc, out = await run_client(WSECHO, 'ws://127.0.0.1:%d/' % port, '--protocol', 'wamp.2.json',
                                   '--deflate', '--sizes', SIZES, '--repeat', '3', *flags)
        await asyncio.sleep(0)  # let the handler finish its bookkeeping
    oks = [l for l in out if l.startswith('OK ')]
    check(rc == 0 and len(oks) == NSIZES, '%s: every message echoed intact (%s)' % (
        name, out[-1] if out else 'no output'))
    check(len(seen.get('ext', [])) == 1, '%s: permessage-deflate in use on the server' % name)
    offer = seen['offer']
    for f in flags:
        if f.startswith('--') and f != '--deflate':
            word = f[2:].replace('-', '_')
            check(word in offer, '%s: offer carries %s (%s)' % (name, word, offer))
    ext = seen['ext'][0]
    for k, v in expect.items():
        check(getattr(ext, k) == v, '%s: server side %s == %s (is %s)' % (name, k, v,
                                                                          getattr(ext, k)))
    opened = out[0]
    for w in agreed_words:
        check(w in opened, '%s: our client reports %s agreed: %s' % (name, w, opened))
    check(seen.get('echoed') == NSIZES * 3, '%s: server echoed %d messages' % (name, NSIZES * 3))


async def main():
    for case in CASES:
        await run_case(*case)
    print('PASS')


asyncio.run(main())
