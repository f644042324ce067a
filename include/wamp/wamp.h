/* libwamp — umbrella header: includes every public header. */
#ifndef WAMP_WAMP_H
#define WAMP_WAMP_H

#include "common.h"
#include "value.h"
#include "serializer.h"
#include "message.h"
#include "flatbuffers.h"
#include "transport.h"
#include "net.h"
#include "router.h"
#include "auth.h"
#include "cryptosign.h"
#include "ethkey.h"
#include "cryptobox.h"
#include "keystore.h"
#include "session.h"
#include "client.h"
#include "component.h"

#endif
