/*
 * Internal interfaces of the router core (not installed; used by src/router and by
 * tests/unit/test_router.c).
 *
 * The pattern index (pindex.c) holds the prefix and wildcard subscriptions or registrations of
 * one realm, so that matching a URI costs work proportional to the URI and to the patterns that
 * actually match it, never to the number of unrelated patterns:
 *
 *   - prefix patterns: a radix trie over bytes (edges labelled with byte runs, split on insert
 *     and merged again on removal, so memory is linear in the patterns' total length). Walking
 *     the URI from the root visits at most len(uri) + 1 nodes; every node on the way that holds
 *     a pattern is a string prefix of the URI (the broker's semantics; the dealer filters for
 *     component boundaries itself).
 *   - wildcard patterns: first split by number of components (a pattern only matches URIs with
 *     as many components), then a trie over components where an empty pattern component is a
 *     "wildcard edge". Matching follows, level by level, the concrete edge equal to the URI's
 *     component and the wildcard edge; only nodes that are a matching prefix of some pattern are
 *     visited.
 *
 * Edges of both tries live in one hash table keyed by (parent node, label) — for the radix trie
 * (parent node, first byte of the label) — so a child lookup is O(1) whatever the fan-out. Values
 * are opaque (the router's sub/reg), never freed here.
 */
#ifndef WAMP_ROUTER_INT_H
#define WAMP_ROUTER_INT_H

#include "wamp/router.h"

typedef struct wamp__pindex wamp__pindex;

/* Visitor: val is a stored value; plen the length of its pattern. */
typedef void (*wamp__pindex_fn)(void *user, void *val, size_t plen);

/* Creates an empty index. WAMP_OK or WAMP_ENOMEM. */
int wamp__pindex_new(wamp__pindex **out);
/* Frees the index (not the values). NULL: no-op. */
void wamp__pindex_free(wamp__pindex *ix);
/* The value stored for pattern (match, uri), or NULL. match: WAMP_MATCH_PREFIX or _WILDCARD. */
void *wamp__pindex_get(wamp__pindex *ix, wamp_match match, const char *uri, size_t len);
/* Stores val for (match, uri). WAMP_OK, WAMP_EEXIST (already present), WAMP_ENOMEM,
 * WAMP_EINVAL (val NULL or match exact). */
int wamp__pindex_put(wamp__pindex *ix, wamp_match match, const char *uri, size_t len, void *val);
/* Removes (match, uri) and returns its value (NULL when absent). */
void *wamp__pindex_take(wamp__pindex *ix, wamp_match match, const char *uri, size_t len);
/* Number of patterns stored. */
size_t wamp__pindex_count(const wamp__pindex *ix);
/* Calls fn for every prefix pattern that is a string prefix of uri, shortest first. */
void wamp__pindex_prefix_each(wamp__pindex *ix, const char *uri, size_t len, wamp__pindex_fn fn,
                              void *user);
/* Calls fn for every wildcard pattern matching uri. WAMP_OK or WAMP_ENOMEM (then some matches
 * may have been skipped). */
int wamp__pindex_wildcard_each(wamp__pindex *ix, const char *uri, size_t len, wamp__pindex_fn fn,
                               void *user);
/* Trie nodes visited by the matching functions since the index was created (tests). */
uint64_t wamp__pindex_visits(const wamp__pindex *ix);

/* Test hook: the sum of wamp__pindex_visits() over the router's realms and indexes. */
uint64_t wamp__router_index_visits(const wamp_router *r);

#endif
