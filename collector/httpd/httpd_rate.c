/*
 * httpd_rate.c - rejected inputs per client address and minute (see
 * httpd_rate.h).
 *
 * A fixed table of LIMIT_HTTPD_REJECT_SLOTS windows, found by a keyed hash
 * of the address: no memory grows with the number of clients. Two
 * addresses that share a slot take turns: the newer one starts a fresh
 * window, which can only let a flood through faster, never refuse an
 * honest sender for long; the key, drawn at start, keeps a sender from
 * choosing addresses that share a slot on purpose.
 *
 * The address is compared as bytes, not as text: IPv6 text has many
 * spellings of one address ("2001:db8::1", "2001:db8:0:0::1"), so a text
 * prefix would have given one /64 as many budgets as it has spellings.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "hash.h"
#include "httpd_rate.h"
#include "limits.h"

/* What counts as one client: a family byte, then 4 bytes of IPv4 or the
 * 8 bytes of an IPv6 /64. */
#define KEY_LEN 9

struct slot {
	unsigned char key[KEY_LEN];
	int used;
	int64_t start; /* CLOCK_MONOTONIC seconds of the window's start */
	unsigned count;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct slot slots[LIMIT_HTTPD_REJECT_SLOTS];
static unsigned budget = LIMIT_HTTPD_REJECTS;
static unsigned char seed[16];

void
httpd_rate_init(unsigned max_rejects)
{
	struct timespec ts;

	budget = max_rejects;
	/* Without randomness the table still works, only its slots can be
	 * predicted: the clock is the fallback. */
	if (getrandom(seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed)) {
		clock_gettime(CLOCK_REALTIME, &ts);
		memcpy(seed, &ts,
		       sizeof(ts) < sizeof(seed) ? sizeof(ts) : sizeof(seed));
	}
}

/* The key of an address's text (RFC 4291 §2.5.5.2 for IPv4-mapped). */
static void
key_of(const char *client, unsigned char key[KEY_LEN])
{
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0,    0,
	                                         0, 0, 0, 0, 0xff, 0xff};
	unsigned char a[16];

	memset(key, 0, KEY_LEN);
	if (inet_pton(AF_INET, client, a) == 1) {
		key[0] = 4;
		memcpy(key + 1, a, 4);
	} else if (inet_pton(AF_INET6, client, a) == 1) {
		if (memcmp(a, mapped, sizeof(mapped)) == 0) {
			key[0] = 4;
			memcpy(key + 1, a + 12, 4);
		} else {
			key[0] = 6;
			memcpy(key + 1, a, 8);
		}
	}
}

static struct slot *
slot_of(const unsigned char key[KEY_LEN])
{
	unsigned char in[sizeof(seed) + KEY_LEN], h[HASH_SHA256_LEN];
	uint32_t v;

	memcpy(in, seed, sizeof(seed));
	memcpy(in + sizeof(seed), key, KEY_LEN);
	hash_sha256(in, sizeof(in), h);
	memcpy(&v, h, sizeof(v));
	return &slots[v % LIMIT_HTTPD_REJECT_SLOTS];
}

static int64_t
now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* The client's window, started afresh when it is another address's or
 * over. Called with mu held. */
static struct slot *
window(const char *client)
{
	unsigned char key[KEY_LEN];
	struct slot *s;
	int64_t now = now_sec();

	key_of(client, key);
	s = slot_of(key);
	if (!s->used || memcmp(s->key, key, KEY_LEN) != 0 ||
	    now - s->start >= LIMIT_HTTPD_REJECT_WINDOW) {
		memcpy(s->key, key, KEY_LEN);
		s->used = 1;
		s->start = now;
		s->count = 0;
	}
	return s;
}

int
httpd_rate_over(const char *client)
{
	int over;

	pthread_mutex_lock(&mu);
	over = window(client)->count >= budget;
	pthread_mutex_unlock(&mu);
	return over;
}

void
httpd_rate_reject(const char *client)
{
	struct slot *s;

	pthread_mutex_lock(&mu);
	s = window(client);
	if (s->count < UINT32_MAX)
		s->count++;
	pthread_mutex_unlock(&mu);
}
