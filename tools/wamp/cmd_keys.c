/* `wamp keys`: key files and keys — generate a WAMP-Cryptosign key pair into Autobahn's key
 * file format, print the public key of a key file, make cryptobox and Ethereum keys. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <wamp/wamp.h>

#include "cli.h"

static void keys_usage(FILE *f)
{
    fputs("usage: wamp keys generate [--comment TEXT] [--public FILE] FILE\n"
          "       wamp keys show FILE\n"
          "       wamp keys cryptobox [--hex]\n"
          "       wamp keys eth [--seedphrase PHRASE] [--index N] [--private]\n"
          "\n"
          "generate   writes a new Ed25519 (WAMP-Cryptosign) private key file FILE (mode 0600)\n"
          "           in Autobahn's key file format, and its public key file (--public, default\n"
          "           FILE.pub); prints the public key (hex). Refuses to overwrite.\n"
          "show       prints the public key (hex) of an Autobahn key file (private or public)\n"
          "           or an OpenSSH Ed25519 key.\n"
          "cryptobox  prints a new WAMP-cryptobox key pair: private and public key, base64\n"
          "           (Autobahn's KeyRing.generate_key) or hex, one per line.\n"
          "eth        prints the EIP-55 address of a new Ethereum key, or of the key at\n"
          "           m/44'/60'/0'/0/N of a BIP-39 seed phrase; --private also prints the\n"
          "           private key (hex) on a second line.\n",
          f);
}

/* Writes text to path, creating it exclusively with mode. */
static int write_new(const char *path, const wamp_buf *b, int mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) {
        cli_error("%s: %s", path, strerror(errno));
        return -1;
    }
    size_t off = 0;
    while (off < b->len) {
        ssize_t w = write(fd, b->data + off, b->len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;
        off += (size_t)w;
    }
    if (off != b->len || fsync(fd) != 0) {
        cli_error("%s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

static int keys_generate(int argc, char **argv)
{
    const char *comment = NULL, *pubpath = NULL, *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--comment") && i + 1 < argc)
            comment = argv[++i];
        else if (!strcmp(argv[i], "--public") && i + 1 < argc)
            pubpath = argv[++i];
        else if (argv[i][0] != '-' && !path)
            path = argv[i];
        else {
            keys_usage(stderr);
            return 2;
        }
    }
    if (!path) {
        keys_usage(stderr);
        return 2;
    }
    char defpub[4096];
    if (!pubpath) {
        if ((size_t)snprintf(defpub, sizeof defpub, "%s.pub", path) >= sizeof defpub) {
            cli_error("path too long");
            return 1;
        }
        pubpath = defpub;
    }
    wamp_cryptosign_key *k;
    int rc = wamp_cryptosign_key_generate(NULL, &k);
    if (rc) {
        cli_error("generating a key: %s", wamp_strerror(rc));
        return 1;
    }
    wamp_keyfile_info info = {.comment = comment ? comment : "WAMP-Cryptosign key (wamp keys)",
                              .creator = "wamp " WAMP_VERSION_STRING};
    wamp_buf priv = {0}, pub = {0};
    rc = wamp_cryptosign_key_write_keyfile(k, true, &info, &priv);
    if (!rc) rc = wamp_cryptosign_key_write_keyfile(k, false, &info, &pub);
    int status = 1;
    if (rc)
        cli_error("key file: %s", wamp_strerror(rc));
    else if (write_new(path, &priv, 0600) == 0) {
        if (write_new(pubpath, &pub, 0644) == 0) {
            char hex[65];
            wamp_cryptosign_key_public_hex(k, hex);
            printf("%s\n", hex);
            status = 0;
        } else {
            unlink(path);
        }
    }
    if (priv.data) explicit_bzero(priv.data, priv.len);
    wamp_buf_free(&priv);
    wamp_buf_free(&pub);
    wamp_cryptosign_key_free(k);
    return status;
}

static int keys_show(int argc, char **argv)
{
    if (argc != 2) {
        keys_usage(stderr);
        return 2;
    }
    wamp_cryptosign_key *k;
    int rc = wamp_cryptosign_key_from_keyfile(argv[1], &k);
    if (rc == WAMP_EKEYFILE) rc = wamp_cryptosign_key_from_ssh_file(argv[1], &k);
    if (rc == WAMP_EUNSUPPORTED) {
        cli_error("%s: unsupported OpenSSH key: only unencrypted Ed25519 keys can be used (for a "
                  "passphrase-protected key, remove the passphrase with ssh-keygen -p, or convert "
                  "it to a key file)",
                  argv[1]);
        return 1;
    }
    if (rc) {
        cli_error(
            "%s: %s", argv[1],
            rc == WAMP_EKEYFILE
                ? "not a key file (Autobahn key file, OpenSSH Ed25519 key or public key line) "
                  "or malformed"
                : wamp_strerror(rc));
        return 1;
    }
    char hex[65];
    wamp_cryptosign_key_public_hex(k, hex);
    printf("%s\n", hex);
    wamp_cryptosign_key_free(k);
    return 0;
}

static int keys_cryptobox(int argc, char **argv)
{
    bool hex = argc == 2 && !strcmp(argv[1], "--hex");
    if (argc > 2 || (argc == 2 && !hex)) {
        keys_usage(stderr);
        return 2;
    }
    char priv[WAMP_CRYPTOBOX_KEY_HEX_SIZE], pub[WAMP_CRYPTOBOX_KEY_HEX_SIZE];
    int rc =
        hex ? wamp_cryptobox_generate_key_hex(priv, pub) : wamp_cryptobox_generate_key(priv, pub);
    if (rc) {
        cli_error("%s", wamp_strerror(rc));
        return 1;
    }
    printf("%s\n%s\n", priv, pub);
    return 0;
}

static int keys_eth(int argc, char **argv)
{
    const char *phrase = NULL;
    unsigned long index = 0;
    bool show_private = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--seedphrase") && i + 1 < argc)
            phrase = argv[++i];
        else if (!strcmp(argv[i], "--index") && i + 1 < argc) {
            char *end;
            errno = 0;
            index = strtoul(argv[++i], &end, 10);
            if (errno || *end || index >= 0x80000000ul) {
                cli_error("bad --index");
                return 2;
            }
        } else if (!strcmp(argv[i], "--private"))
            show_private = true;
        else {
            keys_usage(stderr);
            return 2;
        }
    }
    wamp_ethkey *k;
    int rc = phrase ? wamp_ethkey_from_seedphrase(phrase, (uint32_t)index, &k)
                    : wamp_ethkey_generate(&k);
    if (rc) {
        cli_error("%s", wamp_strerror(rc));
        return 1;
    }
    char addr[43];
    wamp_ethkey_address_text(k, addr);
    printf("%s\n", addr);
    if (show_private) {
        uint8_t priv[32];
        wamp_ethkey_private_key(k, priv);
        printf("0x");
        for (int i = 0; i < 32; i++)
            printf("%02x", priv[i]);
        printf("\n");
        explicit_bzero(priv, sizeof priv);
    }
    wamp_ethkey_free(k);
    return 0;
}

int cli_keys(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        keys_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "generate")) return keys_generate(argc - 1, argv + 1);
    if (!strcmp(argv[1], "show")) return keys_show(argc - 1, argv + 1);
    if (!strcmp(argv[1], "cryptobox")) return keys_cryptobox(argc - 1, argv + 1);
    if (!strcmp(argv[1], "eth")) return keys_eth(argc - 1, argv + 1);
    cli_error("unknown keys command '%s' (see wamp keys --help)", argv[1]);
    return 2;
}
