/*
 * httpd_rate.c - rejected inputs per client address and minute (see
 * httpd_rate.h).
 *
 * A fixed table of RATE_SLOTS windows, found by a hash of the address: no
 * memory grows with the number of clients. Two addresses that share a
 * slot take turns: the newer one starts a fresh window, which can only
 * let a flood through faster, never refuse an honest sender for long. An
 * IPv6 client counts by its /64, which one host usually holds whole.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "httpd_rate.h"

#define RATE_SLOTS 4096
#define KEY_MAX    48

struct slot {
	char key[KEY_MAX];
	int64_t start; /* CLOCK_MONOTONIC seconds of the window's start */
	unsigned count;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct slot slots[RATE_SLOTS];
static unsigned budget = RATE_REJECTS;

void
rate_init(unsigned max_rejects)
{
	budget = max_rejects;
}

/* The key of an address: IPv4 whole, IPv6 its first four groups. */
static void
key_of(const char *client, char *key)
{
	size_t n = 0, colons = 0;

	if (strchr(client, ':') != NULL)
		while (client[n] != '\0' && n < KEY_MAX - 1 &&
		       !(client[n] == ':' && ++colons == 4))
			n++;
	else
		n = strnlen(client, KEY_MAX - 1);
	memcpy(key, client, n);
	key[n] = '\0';
}

/* FNV-1a. */
static struct slot *
slot_of(const char *key)
{
	uint32_t h = 2166136261u;
	const char *p;

	for (p = key; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return &slots[h % RATE_SLOTS];
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
	char key[KEY_MAX];
	struct slot *s;
	int64_t now = now_sec();

	key_of(client, key);
	s = slot_of(key);
	if (strcmp(s->key, key) != 0 || now - s->start >= RATE_WINDOW) {
		snprintf(s->key, sizeof(s->key), "%s", key);
		s->start = now;
		s->count = 0;
	}
	return s;
}

int
rate_over(const char *client)
{
	int over;

	pthread_mutex_lock(&mu);
	over = window(client)->count >= budget;
	pthread_mutex_unlock(&mu);
	return over;
}

void
rate_reject(const char *client)
{
	struct slot *s;

	pthread_mutex_lock(&mu);
	s = window(client);
	if (s->count < UINT32_MAX)
		s->count++;
	pthread_mutex_unlock(&mu);
}
