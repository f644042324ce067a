/* Constructors, decode/encode helpers and deep copy of messages. */
#include <wamp/flatbuffers.h>
#include "message/message_int.h"

#include <stdio.h>
#include <string.h>

wamp_message wamp_message_new(wamp_msg_type type)
{
    wamp_message m;
    memset(&m, 0, sizeof m);
    m.type = type;
    return m;
}

wamp_message wamp_message_hello(const char *realm, const wamp_roles *roles)
{
    wamp_message m = wamp_message_new(WAMP_MSG_HELLO);
    m.hello.realm = wamp_str_c(realm);
    if (roles) m.hello.roles = *roles;
    return m;
}

wamp_message wamp_message_welcome(wamp_id session, const wamp_roles *roles)
{
    wamp_message m = wamp_message_new(WAMP_MSG_WELCOME);
    m.welcome.session = session;
    if (roles) m.welcome.roles = *roles;
    return m;
}

wamp_message wamp_message_abort(const char *reason, const char *message)
{
    wamp_message m = wamp_message_new(WAMP_MSG_ABORT);
    m.abort.reason = wamp_str_c(reason);
    m.abort.message = wamp_str_c(message);
    return m;
}

wamp_message wamp_message_challenge(const char *method)
{
    wamp_message m = wamp_message_new(WAMP_MSG_CHALLENGE);
    m.challenge.method = wamp_str_c(method);
    return m;
}

wamp_message wamp_message_authenticate(const char *signature)
{
    wamp_message m = wamp_message_new(WAMP_MSG_AUTHENTICATE);
    m.authenticate.signature = wamp_str_c(signature);
    return m;
}

wamp_message wamp_message_goodbye(const char *reason, const char *message)
{
    wamp_message m = wamp_message_new(WAMP_MSG_GOODBYE);
    m.goodbye.reason = wamp_str_c(reason);
    m.goodbye.message = wamp_str_c(message);
    return m;
}

wamp_message wamp_message_error(int request_type, wamp_id request, const char *error)
{
    wamp_message m = wamp_message_new(WAMP_MSG_ERROR);
    m.error.request_type = request_type;
    m.error.request = request;
    m.error.error = wamp_str_c(error);
    return m;
}

wamp_message wamp_message_publish(wamp_id request, const char *topic)
{
    wamp_message m = wamp_message_new(WAMP_MSG_PUBLISH);
    m.publish.request = request;
    m.publish.topic = wamp_str_c(topic);
    return m;
}

wamp_message wamp_message_published(wamp_id request, wamp_id publication)
{
    wamp_message m = wamp_message_new(WAMP_MSG_PUBLISHED);
    m.published.request = request;
    m.published.publication = publication;
    return m;
}

wamp_message wamp_message_subscribe(wamp_id request, const char *topic, wamp_match match)
{
    wamp_message m = wamp_message_new(WAMP_MSG_SUBSCRIBE);
    m.subscribe.request = request;
    m.subscribe.topic = wamp_str_c(topic);
    m.subscribe.match = match;
    return m;
}

wamp_message wamp_message_subscribed(wamp_id request, wamp_id subscription)
{
    wamp_message m = wamp_message_new(WAMP_MSG_SUBSCRIBED);
    m.subscribed.request = request;
    m.subscribed.subscription = subscription;
    return m;
}

wamp_message wamp_message_unsubscribe(wamp_id request, wamp_id subscription)
{
    wamp_message m = wamp_message_new(WAMP_MSG_UNSUBSCRIBE);
    m.unsubscribe.request = request;
    m.unsubscribe.subscription = subscription;
    return m;
}

wamp_message wamp_message_unsubscribed(wamp_id request)
{
    wamp_message m = wamp_message_new(WAMP_MSG_UNSUBSCRIBED);
    m.unsubscribed.request = request;
    return m;
}

wamp_message wamp_message_event(wamp_id subscription, wamp_id publication)
{
    wamp_message m = wamp_message_new(WAMP_MSG_EVENT);
    m.event.subscription = subscription;
    m.event.publication = publication;
    return m;
}

wamp_message wamp_message_event_received(wamp_id publication)
{
    wamp_message m = wamp_message_new(WAMP_MSG_EVENT_RECEIVED);
    m.event_received.publication = publication;
    return m;
}

wamp_message wamp_message_call(wamp_id request, const char *procedure)
{
    wamp_message m = wamp_message_new(WAMP_MSG_CALL);
    m.call.request = request;
    m.call.procedure = wamp_str_c(procedure);
    return m;
}

wamp_message wamp_message_cancel(wamp_id request, wamp_cancel_mode mode)
{
    wamp_message m = wamp_message_new(WAMP_MSG_CANCEL);
    m.cancel.request = request;
    m.cancel.mode = mode;
    return m;
}

wamp_message wamp_message_result(wamp_id request)
{
    wamp_message m = wamp_message_new(WAMP_MSG_RESULT);
    m.result.request = request;
    return m;
}

wamp_message wamp_message_register(wamp_id request, const char *procedure, wamp_match match)
{
    wamp_message m = wamp_message_new(WAMP_MSG_REGISTER);
    m.register_.request = request;
    m.register_.procedure = wamp_str_c(procedure);
    m.register_.match = match;
    return m;
}

wamp_message wamp_message_registered(wamp_id request, wamp_id registration)
{
    wamp_message m = wamp_message_new(WAMP_MSG_REGISTERED);
    m.registered.request = request;
    m.registered.registration = registration;
    return m;
}

wamp_message wamp_message_unregister(wamp_id request, wamp_id registration)
{
    wamp_message m = wamp_message_new(WAMP_MSG_UNREGISTER);
    m.unregister.request = request;
    m.unregister.registration = registration;
    return m;
}

wamp_message wamp_message_unregistered(wamp_id request)
{
    wamp_message m = wamp_message_new(WAMP_MSG_UNREGISTERED);
    m.unregistered.request = request;
    return m;
}

wamp_message wamp_message_invocation(wamp_id request, wamp_id registration)
{
    wamp_message m = wamp_message_new(WAMP_MSG_INVOCATION);
    m.invocation.request = request;
    m.invocation.registration = registration;
    return m;
}

wamp_message wamp_message_interrupt(wamp_id request, wamp_cancel_mode mode)
{
    wamp_message m = wamp_message_new(WAMP_MSG_INTERRUPT);
    m.interrupt.request = request;
    m.interrupt.mode = mode;
    return m;
}

wamp_message wamp_message_yield(wamp_id request)
{
    wamp_message m = wamp_message_new(WAMP_MSG_YIELD);
    m.yield.request = request;
    return m;
}

/* ---------------------------------------------------------------- decode / encode */

int wamp_message_decode(wamp_serializer_id ser, const uint8_t *data, size_t len, wamp_arena *a,
                        const wamp_decode_opts *opts, wamp_message *out, wamp_msg_error *err)
{
    wamp_value v;
    if (ser == WAMP_SER_FLATBUFFERS) /* message-level codec (flatbuffers.c) */
        return wamp_message_decode_flatbuffers(data, len, WAMP_FBS_SCHEMA_CURRENT, a, out, err);
    int rc = wamp_value_decode(ser, data, len, a, opts, &v);
    if (rc) {
        if (out) memset(out, 0, sizeof *out);
        if (err) {
            err->code = rc;
            snprintf(err->text, sizeof err->text, "message: cannot decode: %s", wamp_strerror(rc));
        }
        return rc;
    }
    return wamp_message_parse(&v, a, out, err);
}

int wamp_message_encode(wamp_serializer_id ser, const wamp_message *m, wamp_arena *a, wamp_buf *out)
{
    wamp_value v;
    if (ser == WAMP_SER_FLATBUFFERS) return wamp_message_encode_flatbuffers(m, WAMP_FBS_SCHEMA_CURRENT, out);
    int rc = wamp_message_marshal(m, a, &v);
    if (rc) return rc;
    return wamp_value_encode(ser, &v, out);
}

/* ---------------------------------------------------------------- copy */

static int copy_str(wamp_arena *a, wamp_str *s)
{
    if (!s->ptr) return WAMP_OK;
    char *p = wamp_arena_strndup(a, s->ptr, s->len);
    if (!p) return WAMP_ENOMEM;
    s->ptr = p;
    return WAMP_OK;
}

static int copy_val(wamp_arena *a, wamp_value *v)
{
    if (v->type == WAMP_VALUE_NULL) return WAMP_OK;
    wamp_value c;
    int rc = wamp_value_copy(a, &c, v);
    if (rc) return rc;
    *v = c;
    return WAMP_OK;
}

int wamp_message_copy(wamp_arena *a, wamp_message *dst, const wamp_message *src)
{
    if (!a || !dst || !src) return WAMP_EINVAL;
    wamp_message m = *src;
    int rc = 0;
    wamp_str *strs[] = {&m.payload,    &m.enc_algo,       &m.enc_key,    &m.enc_serializer,
                        &m.ppt_scheme, &m.ppt_serializer, &m.ppt_cipher, &m.ppt_keyid};
    wamp_value *vals[] = {&m.args, &m.kwargs, &m.forward_for, &m.options_in};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0] && !rc; i++)
        rc = copy_str(a, strs[i]);
    for (size_t i = 0; i < sizeof vals / sizeof vals[0] && !rc; i++)
        rc = copy_val(a, vals[i]);
    /* Per-type fields: every wamp_str / wamp_value the option table or the positional
     * elements name. */
    const wamp__msginfo *info = wamp__message_info(m.type);
    for (size_t i = 0; info && i < info->nopts && !rc; i++) {
        const wamp__optdesc *d = &info->opts[i];
        void *field = (char *)&m + d->off;
        switch ((wamp__okind)d->kind) {
        case OK_STR:
        case OK_STR_NULLOK:
        case OK_URI: rc = copy_str(a, field); break;
        case OK_DICT:
        case OK_DICT_NULLOK:
        case OK_LIST_INT:
        case OK_LIST_STR:
        case OK_CUSTOM: rc = copy_val(a, field); break;
        default: break;
        }
    }
    if (rc) return rc;
    switch (m.type) {
    case WAMP_MSG_HELLO: rc = copy_str(a, &m.hello.realm); break;
    case WAMP_MSG_ABORT: rc = copy_str(a, &m.abort.reason); break;
    case WAMP_MSG_CHALLENGE:
        if (!(rc = copy_str(a, &m.challenge.method))) rc = copy_val(a, &m.challenge.extra);
        break;
    case WAMP_MSG_AUTHENTICATE:
        if (!(rc = copy_str(a, &m.authenticate.signature))) rc = copy_val(a, &m.authenticate.extra);
        break;
    case WAMP_MSG_GOODBYE: rc = copy_str(a, &m.goodbye.reason); break;
    case WAMP_MSG_ERROR: rc = copy_str(a, &m.error.error); break;
    case WAMP_MSG_PUBLISH: rc = copy_str(a, &m.publish.topic); break;
    case WAMP_MSG_SUBSCRIBE: rc = copy_str(a, &m.subscribe.topic); break;
    case WAMP_MSG_CALL: rc = copy_str(a, &m.call.procedure); break;
    case WAMP_MSG_REGISTER: rc = copy_str(a, &m.register_.procedure); break;
    default: break;
    }
    if (rc) return rc;
    *dst = m;
    return WAMP_OK;
}

/* ---------------------------------------------------------------- helpers for peers */

bool wamp_message_request_id(const wamp_message *m, wamp_id *id)
{
    wamp_id r;
    switch (m->type) {
    case WAMP_MSG_ERROR: r = m->error.request; break;
    case WAMP_MSG_PUBLISH: r = m->publish.request; break;
    case WAMP_MSG_PUBLISHED: r = m->published.request; break;
    case WAMP_MSG_SUBSCRIBE: r = m->subscribe.request; break;
    case WAMP_MSG_SUBSCRIBED: r = m->subscribed.request; break;
    case WAMP_MSG_UNSUBSCRIBE: r = m->unsubscribe.request; break;
    case WAMP_MSG_UNSUBSCRIBED: r = m->unsubscribed.request; break;
    case WAMP_MSG_CALL: r = m->call.request; break;
    case WAMP_MSG_CANCEL: r = m->cancel.request; break;
    case WAMP_MSG_RESULT: r = m->result.request; break;
    case WAMP_MSG_REGISTER: r = m->register_.request; break;
    case WAMP_MSG_REGISTERED: r = m->registered.request; break;
    case WAMP_MSG_UNREGISTER: r = m->unregister.request; break;
    case WAMP_MSG_UNREGISTERED: r = m->unregistered.request; break;
    case WAMP_MSG_INVOCATION: r = m->invocation.request; break;
    case WAMP_MSG_INTERRUPT: r = m->interrupt.request; break;
    case WAMP_MSG_YIELD: r = m->yield.request; break;
    default: return false;
    }
    if (id) *id = r;
    return true;
}

int wamp_message_error_for(const wamp_message *request, const char *error, wamp_message *out)
{
    switch (request->type) {
    case WAMP_MSG_PUBLISH:
    case WAMP_MSG_SUBSCRIBE:
    case WAMP_MSG_UNSUBSCRIBE:
    case WAMP_MSG_CALL:
    case WAMP_MSG_REGISTER:
    case WAMP_MSG_UNREGISTER:
    case WAMP_MSG_INVOCATION: break;
    default: return WAMP_EINVAL;
    }
    wamp_id id = 0;
    wamp_message_request_id(request, &id);
    *out = wamp_message_error(request->type, id, error);
    return WAMP_OK;
}

void wamp_message_copy_payload(wamp_message *dst, const wamp_message *src)
{
    dst->args = src->args;
    dst->kwargs = src->kwargs;
    dst->payload = src->payload;
    dst->enc_algo = src->enc_algo;
    dst->enc_key = src->enc_key;
    dst->enc_serializer = src->enc_serializer;
    dst->ppt_scheme = src->ppt_scheme;
    dst->ppt_serializer = src->ppt_serializer;
    dst->ppt_cipher = src->ppt_cipher;
    dst->ppt_keyid = src->ppt_keyid;
}

int wamp_message_dump(wamp_buf *out, const wamp_message *m)
{
    const char *name = wamp_msg_type_name(m->type);
    if (!name) return WAMP_EINVAL;
    wamp_arena *a = wamp_arena_new(0);
    if (!a) return WAMP_ENOMEM;
    wamp_value v;
    size_t mark = out->len;
    int rc = wamp_message_marshal(m, a, &v);
    if (!rc) rc = wamp_buf_append(out, name, strlen(name));
    if (!rc) rc = wamp_buf_append_byte(out, ' ');
    if (!rc) rc = wamp_value_dump(out, &v);
    if (rc) out->len = mark;
    wamp_arena_free(a);
    return rc;
}
