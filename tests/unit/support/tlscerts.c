/*
 * Throwaway TLS test PKI, generated at test time with the OpenSSL API (never checked in):
 *   ca.pem            trusted test CA
 *   server.pem/.key   CN=localhost, SAN DNS:localhost, IP:127.0.0.1, IP:::1, signed by ca
 *   client.pem/.key   CN=client1 (client certificate), signed by ca
 *   other-ca.pem      an unrelated CA (for "untrusted CA" tests)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tlscerts.h"

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (!ext) return -1;
    int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok == 1 ? 0 : -1;
}

static X509 *make_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key,
                       bool is_ca, const char *san, long serial)
{
    X509 *c = X509_new();
    if (!c) return NULL;
    X509_set_version(c, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(c), serial);
    X509_gmtime_adj(X509_getm_notBefore(c), -3600);
    X509_gmtime_adj(X509_getm_notAfter(c), 86400L * 2);
    X509_set_pubkey(c, key);
    X509_NAME *name = X509_get_subject_name(c);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"libwamp tests", -1,
                               -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : name);
    X509 *iss = issuer ? issuer : c;
    int bad = 0;
    if (is_ca) {
        bad |= add_ext(c, iss, NID_basic_constraints, "critical,CA:TRUE");
        bad |= add_ext(c, iss, NID_key_usage, "critical,keyCertSign,cRLSign");
        bad |= add_ext(c, iss, NID_subject_key_identifier, "hash");
    } else {
        bad |= add_ext(c, iss, NID_basic_constraints, "CA:FALSE");
        bad |= add_ext(c, iss, NID_ext_key_usage, "serverAuth,clientAuth");
        if (san) bad |= add_ext(c, iss, NID_subject_alt_name, san);
        bad |= add_ext(c, iss, NID_authority_key_identifier, "keyid");
    }
    if (bad || !X509_sign(c, issuer_key ? issuer_key : key, EVP_sha256())) {
        X509_free(c);
        return NULL;
    }
    return c;
}

static int write_cert(const char *dir, const char *name, X509 *c)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    int ok = PEM_write_X509(f, c);
    fclose(f);
    return ok == 1 ? 0 : -1;
}

static int write_key(const char *dir, const char *name, EVP_PKEY *k)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    int ok = PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
    fclose(f);
    chmod(path, 0600);
    return ok == 1 ? 0 : -1;
}

int wt_make_certs(const char *dir)
{
    int rc = -1;
    EVP_PKEY *cak = EVP_EC_gen("P-256"), *sk = EVP_EC_gen("P-256"), *ck = EVP_EC_gen("P-256"),
             *ok = EVP_EC_gen("P-256");
    X509 *ca = NULL, *srv = NULL, *cli = NULL, *other = NULL;
    if (!cak || !sk || !ck || !ok) goto out;
    ca = make_cert(cak, "libwamp test CA", NULL, NULL, true, NULL, 1);
    other = make_cert(ok, "libwamp untrusted CA", NULL, NULL, true, NULL, 2);
    if (!ca || !other) goto out;
    srv = make_cert(sk, "localhost", ca, cak, false,
                    "DNS:localhost,IP:127.0.0.1,IP:0:0:0:0:0:0:0:1", 3);
    cli = make_cert(ck, "client1", ca, cak, false, "DNS:client1", 4);
    if (!srv || !cli) goto out;
    if (write_cert(dir, "ca.pem", ca) || write_cert(dir, "other-ca.pem", other) ||
        write_cert(dir, "server.pem", srv) || write_key(dir, "server.key", sk) ||
        write_cert(dir, "client.pem", cli) || write_key(dir, "client.key", ck))
        goto out;
    rc = 0;
out:
    X509_free(ca);
    X509_free(srv);
    X509_free(cli);
    X509_free(other);
    EVP_PKEY_free(cak);
    EVP_PKEY_free(sk);
    EVP_PKEY_free(ck);
    EVP_PKEY_free(ok);
    return rc;
}
