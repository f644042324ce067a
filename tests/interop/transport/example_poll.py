"""interop.transport.example_poll: examples/rawsocket_poll.c (a RawSocket client framer driven
from a plain poll() loop, no libuv) against a real router, wampd, on 127.0.0.1 with an
ephemeral port. The example must join realm1 (WELCOME), say GOODBYE, receive the router's
GOODBYE and exit 0.

usage: example_poll.py <example_rawsocket_poll> <wampd>
"""
import subprocess
import sys


def main():
    example, wampd = sys.argv[1], sys.argv[2]
    router = subprocess.Popen([wampd, '--log-level', 'warn', '--listen', '127.0.0.1:0'],
                              stdout=subprocess.PIPE, text=True)
    try:
        line = router.stdout.readline().split()
        assert line and line[0] == 'LISTENING', line
        port = line[2]
        run = subprocess.run([example, '127.0.0.1', port, 'realm1'], capture_output=True,
                             text=True, timeout=60)
        print(run.stdout)
        print(run.stderr, file=sys.stderr)
        assert run.returncode == 0, 'example exited with %d' % run.returncode
        lines = run.stdout.splitlines()
        assert any(l.startswith('> [1,"realm1"') for l in lines), 'no HELLO sent'
        assert any(l.startswith('< [2,') for l in lines), 'no WELCOME received'
        assert any(l.startswith('< [6,') for l in lines), 'no GOODBYE received'
        assert any(l.startswith('rawsocket open') for l in lines)
        # a wrong realm must fail (exit 1: ABORT), so exit 0 above is meaningful
        bad = subprocess.run([example, '127.0.0.1', port, 'no.such.realm'],
                             capture_output=True, text=True, timeout=60)
        print(bad.stdout)
        assert bad.returncode == 1, 'unknown realm: exit %d' % bad.returncode
        assert any(l.startswith('< [3,') for l in bad.stdout.splitlines()), 'no ABORT'
    finally:
        router.terminate()
        try:
            router.wait(10)
        except subprocess.TimeoutExpired:
            router.kill()
    print('ok')


if __name__ == '__main__':
    main()
