#!/usr/bin/python3
"""Differential test of libwamp's message layer against Autobahn|Python.

Usage: message_diff.py <message_peer>

1. Every Autobahn message class, built with rich options, is serialized with Autobahn's
   JSONSerializer (plain, and batched: each message ends with 0x18), and with its MsgPack, CBOR
   and UBJSON serializers (plain and batched). Our decode -> parse -> marshal -> encode must give
   the same bytes, and Autobahn must unserialize our bytes to an equal message.
2. Mutations of those messages (wrong lengths, every element and option replaced by values of
   other types, extra options): whenever Autobahn rejects one, we must reject it; whenever it
   accepts one, we must accept it and produce the bytes Autobahn's marshal produces. The few
   documented deviations (include/wamp/message.h, "Fidelity") are recognised explicitly.
"""
import copy
import subprocess
import sys

import txaio

txaio.use_asyncio()

from autobahn.wamp import message as M  # noqa: E402
from autobahn.wamp import role  # noqa: E402
from autobahn.wamp.serializer import (CBORSerializer, JsonObjectSerializer,  # noqa: E402
                                      JsonSerializer, MsgPackSerializer, UBJSONSerializer)

FF = [{'session': 3456789012, 'authid': 'client1', 'authrole': 'frontend'},
      {'session': 1, 'authid': None, 'authrole': 'router'}]
PAY = b'\x82\xa5color\xa6orange\x00\xff'


def messages():
    """Autobahn message objects covering every class and every option they model."""
    out = []
    roles_c = dict(role.DEFAULT_CLIENT_ROLES)
    out.append(M.Hello('realm1', roles_c))
    out.append(M.Hello('com.example.realm', {'caller': role.RoleCallerFeatures()},
                       authmethods=['cryptosign', 'anonymous'], authid='joe', authrole='user',
                       authextra={'pubkey': 'ab' * 32, 'x': [1, 2]}, resumable=True,
                       resume_session=12345, resume_token='tok'))
    out.append(M.Hello(None, {'subscriber': role.RoleSubscriberFeatures(event_history=False)},
                       resume_session=5, resume_token='t'))
    broker = role.RoleBrokerFeatures(publisher_identification=True, pattern_based_subscription=True,
                                     session_meta_api=True, subscription_meta_api=True,
                                     subscriber_blackwhite_listing=True, publisher_exclusion=True,
                                     subscription_revocation=True, event_retention=True,
                                     payload_transparency=True, x_acknowledged_event_delivery=True)
    dealer = role.RoleDealerFeatures(caller_identification=True, pattern_based_registration=True,
                                     session_meta_api=True, registration_meta_api=True,
                                     shared_registration=True, call_canceling=True,
                                     progressive_call_results=True, registration_revocation=True,
                                     testament_meta_api=True, call_timeout=False)
    out.append(M.Welcome(9129137332, {'broker': broker, 'dealer': dealer}))
    out.append(M.Welcome(1, {'dealer': role.RoleDealerFeatures()}, realm='realm1', authid='joe',
                         authrole='user', authmethod='ticket', authprovider='static',
                         authextra={'k': 'v'}, resumed=True, resumable=True, resume_token='t',
                         custom={'x_cb_node': 'node1', 'x_cb_pid': 42}))
    out.append(M.Welcome(2, {'broker': role.RoleBrokerFeatures()}, authrole='anonymous'))
    out.append(M.Abort('wamp.error.no_such_realm', message='The realm does not exist.'))
    out.append(M.Abort('wamp.error.system_shutdown'))
    out.append(M.Challenge('wampcra', {'challenge': '{"nonce": "x"}', 'salt': 's', 'keylen': 32,
                                       'iterations': 1000}))
    out.append(M.Challenge('ticket'))
    out.append(M.Authenticate('gir1mSx+deCDUV7FgLvsQNTi6n3W/Z/WcZ/OT9RwdZY=', {'nonce': 'n'}))
    out.append(M.Goodbye())
    out.append(M.Goodbye('wamp.close.system_shutdown', message='bye', resumable=True))
    out.append(M.Error(M.Call.MESSAGE_TYPE, 7814135, 'com.myapp.error'))
    out.append(M.Error(M.Invocation.MESSAGE_TYPE, 6131533, 'com.myapp.error.object_write_protected',
                       args=['Object is write protected.'], kwargs={'severity': 3},
                       callee=5, callee_authid='a', callee_authrole='r', forward_for=FF))
    out.append(M.Error(M.Call.MESSAGE_TYPE, 1, 'wamp.error.canceled', payload=PAY,
                       enc_algo='cryptobox', enc_key='key1', enc_serializer='msgpack'))
    for rt in (16, 32, 34, 64, 66):
        out.append(M.Error(rt, 99, 'wamp.error.not_authorized', args=[1]))
    out.append(M.Publish(239714735, 'com.myapp.mytopic1', args=[],
                         kwargs={'color': 'orange', 'sizes': [23, 42, 7]}))
    out.append(M.Publish(1, 'com.myapp.t', args=['Hello', 1.5, None, True, {'a': [1]}],
                         acknowledge=True, exclude_me=False, exclude=[1, 2], exclude_authid=['a'],
                         exclude_authrole=['r'], eligible=[3, 4], eligible_authid=['b'],
                         eligible_authrole=['s'], retain=True, transaction_hash='0xabc',
                         forward_for=FF))
    out.append(M.Publish(123456789, 'com.myapp.encrypted', payload=PAY, enc_algo='cryptobox',
                         enc_serializer='msgpack', enc_key='k', acknowledge=True, forward_for=FF))
    out.append(M.Publish(5, 'com.myapp.signal'))
    out.append(M.Published(239714735, 4429313566))
    out.append(M.Subscribe(713845233, 'com.myapp.mytopic1'))
    out.append(M.Subscribe(1, 'com.myapp.', match='prefix', get_retained=True, forward_for=FF))
    out.append(M.Subscribe(2, 'com..topic', match='wildcard'))
    out.append(M.Subscribed(713845233, 5512315355))
    out.append(M.Unsubscribe(85346237, 5512315355))
    out.append(M.Unsubscribe(1, 2, forward_for=FF))
    out.append(M.Unsubscribed(85346237))
    out.append(M.Unsubscribed(0, subscription=5512315355, reason='wamp.subscription.revoked'))
    out.append(M.Event(5512315355, 4429313566, args=['Hello, world!']))
    out.append(M.Event(1, 2, args=[1], kwargs={'k': 'v'}, publisher=3, publisher_authid='a',
                       publisher_authrole='r', topic='com.myapp.t', retained=True,
                       transaction_hash='h', x_acknowledged_delivery=True, forward_for=FF))
    out.append(M.Event(5647382910, 998877665544, payload=PAY, enc_algo='cryptobox',
                       enc_serializer='msgpack', forward_for=FF))
    out.append(M.Call(7814135, 'com.myapp.user.new', args=['johnny'],
                      kwargs={'firstname': 'John', 'surname': 'Doe'}))
    out.append(M.Call(1, 'com.p', args=[1], timeout=1000, receive_progress=True,
                      transaction_hash='h', caller=9, caller_authid='a', caller_authrole='r',
                      forward_for=FF))
    out.append(M.Call(2, 'com.p', payload=PAY, enc_algo='xbr', enc_key='k',
                      enc_serializer='cbor', timeout=0))
    out.append(M.Cancel(7814135))
    for mode in ('skip', 'kill', 'killnowait'):
        out.append(M.Cancel(1, mode=mode, forward_for=FF))
    out.append(M.Result(7814135, args=[30]))
    out.append(M.Result(1, args=[], kwargs={'a': 1}, progress=True, callee=2, callee_authid='a',
                        callee_authrole='r', forward_for=FF))
    out.append(M.Result(1, payload=PAY, enc_algo='mqtt'))
    out.append(M.Register(25349185, 'com.myapp.myprocedure1'))
    out.append(M.Register(1, 'com.myapp.', match='prefix', invoke='roundrobin', concurrency=3,
                          force_reregister=True, forward_for=FF))
    out.append(M.Register(2, 'com..proc', match='wildcard', invoke='last', force_reregister=False))
    for inv in ('first', 'random'):
        out.append(M.Register(3, 'p', invoke=inv))
    out.append(M.Registered(25349185, 2103333224))
    out.append(M.Unregister(788923562, 2103333224))
    out.append(M.Unregister(1, 2, forward_for=FF))
    out.append(M.Unregistered(788923562))
    out.append(M.Unregistered(0, registration=2103333224, reason='wamp.registration.revoked'))
    out.append(M.Invocation(6131533, 9823529, args=['johnny'],
                            kwargs={'firstname': 'John', 'surname': 'Doe'}))
    out.append(M.Invocation(1, 2, args=[1], timeout=5, receive_progress=True, caller=3,
                            caller_authid='a', caller_authrole='r', procedure='com.p',
                            transaction_hash='h', forward_for=FF))
    out.append(M.Invocation(1, 2, payload=PAY, enc_algo='cryptobox', enc_serializer='json'))
    out.append(M.Interrupt(6131533))
    out.append(M.Interrupt(1, mode='kill', reason='wamp.error.canceled', forward_for=FF))
    out.append(M.Interrupt(1, mode='killnowait', reason='wamp.error.timeout'))
    out.append(M.Yield(6131533, args=[], kwargs={'userid': 123, 'karma': 10}))
    out.append(M.Yield(1, args=[1], progress=True, callee=1, callee_authid='a',
                       callee_authrole='r', forward_for=FF))
    out.append(M.Yield(1, payload=PAY, enc_algo='cryptobox', enc_key='k'))
    return out


class Peer:
    def __init__(self, path):
        self.p = subprocess.Popen([path], stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def ask(self, mode, data):
        self.p.stdin.write(('%s %s\n' % (mode, data.hex())).encode())
        self.p.stdin.flush()
        line = self.p.stdout.readline().decode().rstrip('\n')
        if line.startswith('OK '):
            return True, bytes.fromhex(line[3:])
        if line.startswith('ERR '):
            return False, line[4:]
        raise RuntimeError('peer answered %r' % line)

    def close(self):
        self.p.stdin.close()
        return self.p.wait()


failures = []


def fail(msg):
    failures.append(msg)
    if len(failures) <= 30:
        print('FAIL:', msg if len(msg) < 900 else msg[:300] + ' ... ' + msg[-600:])


OBJ = JsonObjectSerializer()


def autobahn_verdict(wmsg):
    """(accepted, marshalled bytes or error text) for a raw message list."""
    ser = JsonSerializer()
    try:
        data = OBJ.serialize(wmsg)
    except Exception as e:  # not representable in JSON: skip
        return None, str(e)
    try:
        msgs = ser.unserialize(data)
        return True, ser.serialize(msgs[0])[0] if msgs else b''
    except Exception as e:
        return False, '%s: %s' % (type(e).__name__, e)


def is_str(v):
    return isinstance(v, (str, bytes))


PPT = {'ppt_scheme', 'ppt_serializer', 'ppt_cipher', 'ppt_keyid'}
SPEC_KEYS = {1: {'agent'}, 2: {'agent'}, 8: PPT, 16: {'disclose_me'} | PPT,
             36: {'trustlevel'} | PPT, 48: {'disclose_me', 'progress'} | PPT, 50: PPT,
             64: {'disclose_caller', 'forward_timeout'}, 68: {'trustlevel', 'progress'} | PPT,
             70: PPT}


# The type under which we keep each [spec] key; a value of another type is ignored by us, as
# Autobahn ignores every [spec] key, so acceptance never differs because of them.
SPEC_TYPES = {'agent': str, 'ppt_scheme': str, 'ppt_serializer': str, 'ppt_cipher': str,
              'ppt_keyid': str, 'disclose_me': bool, 'progress': bool, 'disclose_caller': bool,
              'forward_timeout': bool, 'trustlevel': int}


def has_spec_key(wmsg):
    """A [spec] key (message.h) that we keep (right type) and marshal; Autobahn drops it."""
    t = wmsg[0] if wmsg and type(wmsg[0]) == int else None
    keys = SPEC_KEYS.get(t, set())
    for e in wmsg[1:]:
        if type(e) != dict:
            continue
        for k in keys & set(e):
            v = e[k]
            if type(v) == SPEC_TYPES[k] and (type(v) != int or -2 ** 63 <= v < 2 ** 63):
                return True
    return False


def deviation(wmsg, ab_ok, ours_ok):
    """True when a disagreement on acceptance is a documented deviation of message.h."""
    t = wmsg[0] if wmsg and type(wmsg[0]) == int else None
    if ab_ok and not ours_ok:
        # PUBLISH's six-element form with a string/bytes in the Arguments position
        if t == 16 and len(wmsg) == 6 and is_str(wmsg[4]):
            return True
    return False


def marshal_deviation(wmsg):
    """Both accept but bytes may differ: null Arguments before ArgumentsKw (we send []),
    force_reregister given as 0/1 (we send a bool)."""
    t = wmsg[0]
    if has_spec_key(wmsg):
        return True
    pos = {8: 5, 16: 4, 36: 4, 48: 4, 50: 3, 68: 4, 70: 3}.get(t)
    if pos is not None and len(wmsg) == pos + 2 and wmsg[pos] is None:
        return True
    if t == 64 and type(wmsg[2]) == dict and type(wmsg[2].get('force_reregister')) in (int, float) \
            and type(wmsg[2].get('force_reregister')) != bool:
        return True
    return False


VALUES = [None, True, False, 0, -1, 7, 2 ** 53, 2 ** 53 + 1, 1.5, '', 'a..b', 'com.x', 'x_y',
          'cryptobox', 'kill', 'prefix', b'\x01', [], [1], ['a'], {}, {'a': 1},
          [{'session': 1, 'authid': 'a', 'authrole': 'r'}]]

OPTION_KEYS = ['acknowledge', 'exclude_me', 'exclude', 'exclude_authid', 'exclude_authrole',
               'eligible', 'eligible_authid', 'eligible_authrole', 'retain', 'transaction_hash',
               'forward_for', 'enc_algo', 'enc_key', 'enc_serializer', 'match', 'get_retained',
               'publisher', 'publisher_authid', 'publisher_authrole', 'topic', 'retained',
               'x_acknowledged_delivery', 'timeout', 'receive_progress', 'caller',
               'caller_authid', 'caller_authrole', 'mode', 'reason', 'progress', 'callee',
               'callee_authid', 'callee_authrole', 'invoke', 'concurrency', 'force_reregister',
               'procedure', 'subscription', 'registration', 'message', 'resumable', 'resumed',
               'resume_token', 'resume-session', 'resume-token', 'authid', 'authrole',
               'authmethods', 'authextra', 'roles', 'realm', 'authmethod', 'authprovider']


def mutations(wmsg):
    n = len(wmsg)
    for k in range(1, n):
        yield wmsg[:k]
    for v in (None, [], {}, 1):
        yield wmsg + [v]
    for i in range(1, n):
        for v in VALUES:
            m = copy.deepcopy(wmsg)
            m[i] = v
            yield m
        if type(wmsg[i]) == dict:
            d = wmsg[i]
            for key in list(d.keys()) + [k for k in OPTION_KEYS if k not in d]:
                for v in VALUES:
                    m = copy.deepcopy(wmsg)
                    m[i][key] = v
                    yield m
            if 'roles' in d:
                for rname in list(d['roles']):
                    for v in VALUES:
                        m = copy.deepcopy(wmsg)
                        m[i]['roles'][rname] = {'features': {'call_canceling': v,
                                                             'publisher_identification': v,
                                                             'foo': v}}
                        yield m


def main():
    peer = Peer(sys.argv[1])
    msgs = messages()
    checked = 0

    # 1. Autobahn-built messages, plain: byte-identical, and Autobahn reads ours back as equal.
    for msg in msgs:
        ser = JsonSerializer()
        data, _ = ser.serialize(msg)
        ok, ours = peer.ask('j', data)
        if not ok:
            fail('%s rejected: %s' % (data, ours))
            continue
        if ours != data:
            fail('bytes differ:\n  autobahn %s\n  ours     %s' % (data, ours))
        back = JsonSerializer().unserialize(ours)
        if len(back) != 1 or back[0] != msg:
            fail('Autobahn reads %s as a different message' % ours)
        checked += 1

    # 2. Batched: all messages in one payload, each followed by 0x18.
    bser = JsonSerializer(batched=True)
    batch = b"".join(bser.serialize(m)[0] for m in msgs)
    assert batch.count(b'\x18') >= len(msgs)
    ok, ours = peer.ask('b', batch)
    if not ok:
        fail('batch rejected: %s' % ours)
    elif ours != batch:
        fail('batched bytes differ')
    else:
        back = JsonSerializer(batched=True).unserialize(ours)
        if back != msgs:
            fail('Autobahn reads our batch differently')

    # 2b. The binary serializers, plain and batched (length-prefixed): same bytes both ways.
    for mode, cls in (('m', MsgPackSerializer), ('c', CBORSerializer), ('u', UBJSONSerializer)):
        for msg in msgs:
            data, _ = cls().serialize(msg)
            ok, ours = peer.ask(mode, data)
            if not ok or ours != data:
                fail('%s: %s -> %s' % (cls.__name__, data.hex(), ours))
            elif cls().unserialize(ours) != [msg]:
                fail('%s reads %s as a different message' % (cls.__name__, ours.hex()))
            else:
                checked += 1
        bser = cls(batched=True)
        batch = b''.join(bser.serialize(m)[0] for m in msgs)
        ok, ours = peer.ask(mode.upper(), batch)
        if not ok or ours != batch:
            fail('%s batched differs: %s' % (cls.__name__, ours if not ok else ''))

    # 3. Mutations: same verdict as Autobahn; same bytes when both accept.
    seen = set()
    agree = rejected = deviations = 0
    for msg in msgs:
        base = msg.marshal()
        for wmsg in mutations(base):
            ab_ok, ab_out = autobahn_verdict(wmsg)
            if ab_ok is None:
                continue
            data = OBJ.serialize(wmsg)
            if data in seen:
                continue
            seen.add(data)
            ok, ours = peer.ask('j', data)
            if ok != ab_ok:
                if deviation(wmsg, ab_ok, ok):
                    deviations += 1
                    continue
                fail('%s: Autobahn %s, we %s' % (
                    data.decode('utf8', 'replace'),
                    'accepts' if ab_ok else 'rejects (%s)' % ab_out,
                    'accept' if ok else 'reject (%s)' % ours))
                continue
            if ok and ours != ab_out and not marshal_deviation(wmsg):
                fail('%s: marshal differs:\n  autobahn %s\n  ours     %s' % (
                    data.decode('utf8', 'replace'), ab_out, ours))
                continue
            agree += 1
            rejected += not ok

    # 4. Hand-picked malformed messages Autobahn rejects.
    bad = [[], [1], [1, 'realm1'], ['1', 'realm1', {}], [999, 1], [1.0, 'r', {}],
           [48, 1, {}, 'com.p', {}], [48, 1, {}, 'com.p', [], []], [16, 1, {}, 'a b'],
           [32, 1, {'match': 'regex'}, 'com.x'], [64, 1, {'invoke': 'all'}, 'com.x'],
           [49, 1, {'mode': 'abort'}], [69, 1, {'mode': 'skip'}], [2, -1, {'roles': {'broker': {}}}],
           [16, 1, {'enc_algo': 'nope'}, 't', PAY], [35, 1, {'subscription': 3}]]
    for wmsg in bad:
        ab_ok, why = autobahn_verdict(wmsg)
        assert ab_ok is False, wmsg
        ok, ours = peer.ask('j', OBJ.serialize(wmsg))
        if ok:
            fail('%r accepted, Autobahn rejects: %s' % (wmsg, why))
    # Not JSON, not a list.
    for raw in (b'', b'[1,', b'{"a":1}', b'"x"', b'\xff'):
        ok, ours = peer.ask('j', raw)
        if ok:
            fail('%r accepted' % raw)

    rc = peer.close()
    print('interop.message: %d Autobahn messages byte-identical, batch of %d, %d mutations agree '
          '(%d rejected by both), %d documented deviations, %d failures'
          % (checked, len(msgs), agree, rejected, deviations, len(failures)))
    if failures or rc != 0 or checked != 4 * len(msgs) or agree < 1000:
        sys.exit(1)


if __name__ == '__main__':
    main()
