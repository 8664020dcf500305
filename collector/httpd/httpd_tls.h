/*
 * httpd_tls.h - tlsrpt-httpd's certificate and key, reloadable: the files
 * are read at start (while privileged) and again on SIGHUP, and each new
 * TLS handshake is served the newest pair through GnuTLS's certificate
 * callback. A pair that fails to load leaves the one in use in place.
 */
#ifndef TLSRPT_HTTPD_TLS_H
#define TLSRPT_HTTPD_TLS_H

#include <gnutls/abstract.h>
#include <gnutls/x509.h>
#include <gnutls/gnutls.h>

#include "errbuf.h"

/* Reads and checks (the key must match the certificate) the PEM files,
 * and makes them the pair served from now on. */
int httpd_tls_load(const char *cert_path, const char *key_path,
                   struct errbuf *eb);

/* The gnutls_certificate_retrieve_function2 for
 * MHD_OPTION_HTTPS_CERT_CALLBACK. */
int httpd_tls_retrieve(gnutls_session_t s, const gnutls_datum_t *req_ca_dn,
                       int nreqs, const gnutls_pk_algorithm_t *pk_algos,
                       int pk_algos_length, gnutls_pcert_st **pcert,
                       unsigned int *pcert_length, gnutls_privkey_t *pkey);

/* TLS 1.3 and 1.2 only, GnuTLS's NORMAL ciphers otherwise: what every
 * large reporter speaks (RFC 8460 5.4 asks for HTTPS, RFC 9325 for 1.2 or
 * later). --tls-priority replaces it. */
#define TLS_PRIORITY_DEFAULT "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

/* Whether GnuTLS accepts the priority string; eb names where it fails. */
int httpd_tls_priority_check(const char *priority, struct errbuf *eb);

/* The served certificate's SHA-256 fingerprint, hex, for the log. */
const char *httpd_tls_fingerprint(void);

/* Frees every pair loaded; after the server has stopped. */
void httpd_tls_free(void);

#endif
