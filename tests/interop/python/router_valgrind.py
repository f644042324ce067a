"""interop.router.valgrind_churn: wampd (release build) under valgrind --leak-check=full
--error-exitcode=1 serves a churn of connect/join/leave/disconnect cycles from the C client
tests/interop/robust/churn.c (subscriptions, registrations, pending calls, GOODBYE or abrupt
TCP close), then shuts down on SIGTERM: valgrind must report no error and no leak.
Usage: router_valgrind.py <wampd> <churn> [cycles]; exit 77 (skip) without valgrind."""
import os
import shutil
import subprocess
import sys
import tempfile

from router_common import check, finish

exe, churn = sys.argv[1], sys.argv[2]
cycles = int(sys.argv[3]) if len(sys.argv) > 3 else 10000
valgrind = shutil.which('valgrind')
if not valgrind:
    print('SKIP: valgrind not installed')
    sys.exit(77)
log = tempfile.NamedTemporaryFile(suffix='.valgrind.log', delete=False).name
proc = subprocess.Popen([valgrind, '--leak-check=full', '--error-exitcode=1', '--log-file=' + log,
                         exe, '--listen', '127.0.0.1:0', '--log-level', 'error'],
                        stdout=subprocess.PIPE, text=True)
try:
    line = proc.stdout.readline().split()
    check(line and line[0] == 'LISTENING', 'wampd under valgrind listening: %s' % line)
    r = subprocess.run([churn, line[2], str(cycles)], capture_output=True, text=True, timeout=600)
    print(r.stdout.strip(), r.stderr.strip())
    check(r.returncode == 0, '%d connect/join/leave/disconnect cycles served' % cycles)
finally:
    proc.terminate()
    try:
        rc = proc.wait(120)
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = -9
with open(log) as f:
    report = f.read()
os.unlink(log)
summary = [ln for ln in report.splitlines() if 'ERROR SUMMARY' in ln or 'definitely lost' in ln or
           'indirectly lost' in ln or 'possibly lost' in ln or 'All heap blocks were freed' in ln]
print('\n'.join(summary))
check(rc == 0, 'valgrind: no error, no leak (exit %d)' % rc)
if rc != 0:
    print(report[-6000:])
finish()
