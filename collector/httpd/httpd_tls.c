/*
 * httpd_tls.c - the certificate and key served by tlsrpt-httpd (see
 * httpd_tls.h).
 *
 * A pair, once served, is kept until exit: GnuTLS uses the certificate and
 * key a callback hands it for the rest of that session, with no hook to say
 * when it is done. Renewals come a few times a year, so the cost of keeping
 * every pair is a few KiB per SIGHUP.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpd_tls.h"

#define PEM_MAX   ((size_t)1 * 1024 * 1024)
#define CHAIN_MAX 16 /* certificates in the chain file */

struct pair {
	gnutls_pcert_st certs[CHAIN_MAX];
	unsigned ncerts;
	gnutls_privkey_t key;
	char fingerprint[65];
	struct pair *older;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct pair *current; /* newest first, then the older ones */

static int
read_file(const char *path, gnutls_datum_t *d, struct errbuf *eb)
{
	FILE *fp = fopen(path, "r");
	size_t n;

	d->data = NULL;
	if (fp == NULL)
		return errbuf_set(eb, "cannot read %s: %s", path,
		                  strerror(errno));
	d->data = gnutls_malloc(PEM_MAX + 1);
	n = d->data ? fread(d->data, 1, PEM_MAX + 1, fp) : 0;
	fclose(fp);
	if (n == 0 || n > PEM_MAX) {
		gnutls_free(d->data);
		d->data = NULL;
		return errbuf_set(eb, "%s: %s", path,
		                  n ? "larger than 1 MiB" : "empty");
	}
	d->size = (unsigned)n;
	return 0;
}

/* Whether key belongs to the first certificate: their public keys match. */
static int
key_matches(struct pair *p)
{
	gnutls_pubkey_t pk = NULL;
	gnutls_datum_t a = {0}, b = {0};
	int same = 0;

	if (gnutls_pubkey_init(&pk) == 0 &&
	    gnutls_pubkey_import_privkey(pk, p->key, 0, 0) == 0 &&
	    gnutls_pubkey_export2(pk, GNUTLS_X509_FMT_DER, &a) == 0 &&
	    gnutls_pubkey_export2(p->certs[0].pubkey, GNUTLS_X509_FMT_DER,
	                          &b) == 0)
		same = a.size == b.size && memcmp(a.data, b.data, a.size) == 0;
	gnutls_free(a.data);
	gnutls_free(b.data);
	gnutls_pubkey_deinit(pk);
	return same;
}

static void
pair_free(struct pair *p)
{
	unsigned i;

	for (i = 0; i < p->ncerts; i++)
		gnutls_pcert_deinit(&p->certs[i]);
	gnutls_privkey_deinit(p->key);
	free(p);
}

static void
fingerprint(struct pair *p)
{
	unsigned char md[32];
	size_t n = sizeof(md), i;

	p->fingerprint[0] = '\0';
	if (gnutls_fingerprint(GNUTLS_DIG_SHA256, &p->certs[0].cert, md, &n) !=
	    0)
		return;
	for (i = 0; i < n && i < 32; i++)
		snprintf(p->fingerprint + 2 * i, 3, "%02x", md[i]);
}

int
httpd_tls_priority_check(const char *priority, struct errbuf *eb)
{
	gnutls_priority_t p;
	const char *where = NULL;
	int rc = gnutls_priority_init(&p, priority, &where);

	if (rc != GNUTLS_E_SUCCESS)
		return errbuf_set(eb, "--tls-priority: %s at \"%s\"",
		                  gnutls_strerror(rc),
		                  where ? where : priority);
	gnutls_priority_deinit(p);
	return 0;
}

int
httpd_tls_load(const char *cert_path, const char *key_path, struct errbuf *eb)
{
	gnutls_datum_t cert = {0}, key = {0};
	struct pair *p = NULL;
	int r = -1, e;

	if (read_file(cert_path, &cert, eb) != 0 ||
	    read_file(key_path, &key, eb) != 0)
		goto done;
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		errbuf_set(eb, "out of memory");
		goto done;
	}
	p->ncerts = CHAIN_MAX;
	if ((e = gnutls_pcert_list_import_x509_raw(
	         p->certs, &p->ncerts, &cert, GNUTLS_X509_FMT_PEM,
	         GNUTLS_X509_CRT_LIST_FAIL_IF_UNSORTED)) < 0) {
		p->ncerts = 0;
		errbuf_set(eb, "%s: %s", cert_path, gnutls_strerror(e));
		goto done;
	}
	if ((e = gnutls_privkey_init(&p->key)) < 0 ||
	    (e = gnutls_privkey_import_x509_raw(
	         p->key, &key, GNUTLS_X509_FMT_PEM, NULL, 0)) < 0) {
		errbuf_set(eb, "%s: %s", key_path, gnutls_strerror(e));
		goto done;
	}
	if (!key_matches(p)) {
		errbuf_set(eb, "%s does not belong to %s", key_path, cert_path);
		goto done;
	}
	fingerprint(p);
	pthread_mutex_lock(&mu);
	p->older = current;
	current = p;
	pthread_mutex_unlock(&mu);
	p = NULL;
	r = 0;
done:
	if (p != NULL)
		pair_free(p);
	if (key.data != NULL) /* the key's PEM text does not linger */
		gnutls_memset(key.data, 0, key.size);
	gnutls_free(key.data);
	gnutls_free(cert.data);
	return r;
}

int
httpd_tls_retrieve(gnutls_session_t s, const gnutls_datum_t *req_ca_dn,
                   int nreqs, const gnutls_pk_algorithm_t *pk_algos,
                   int pk_algos_length, gnutls_pcert_st **pcert,
                   unsigned int *pcert_length, gnutls_privkey_t *pkey)
{
	struct pair *p;

	(void)s;
	(void)req_ca_dn;
	(void)nreqs;
	(void)pk_algos;
	(void)pk_algos_length;
	pthread_mutex_lock(&mu);
	p = current;
	pthread_mutex_unlock(&mu);
	if (p == NULL)
		return -1;
	*pcert = p->certs;
	*pcert_length = p->ncerts;
	*pkey = p->key;
	return 0;
}

const char *
httpd_tls_fingerprint(void)
{
	const char *f;

	pthread_mutex_lock(&mu);
	f = current ? current->fingerprint : "";
	pthread_mutex_unlock(&mu);
	return f;
}

void
httpd_tls_free(void)
{
	struct pair *p;

	pthread_mutex_lock(&mu);
	while ((p = current) != NULL) {
		current = p->older;
		pair_free(p);
	}
	pthread_mutex_unlock(&mu);
}
