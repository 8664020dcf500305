/*
 * serve_auth.c - HTTP Basic auth for `tlsrpt serve`: an --auth-file of
 * "user:hash" lines, the hashes made by `tlsrpt serve --hash-password`
 * with libxcrypt (yescrypt; bcrypt "$2b$" lines are taken too). The file
 * holds no password; a password is checked by hashing it with the line's
 * own setting and comparing the results in constant time.
 */
#include <crypt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "serve.h"

struct user {
	char *name, *hash;
};

struct users {
	struct user v[LIMIT_SERVE_USERS];
	size_t n;
};

/* The users in force: replaced whole on SIGHUP, under the lock that
 * every check takes to read them, so a request sees the old table or
 * the new one, never a half-freed one; a file that fails to load leaves
 * the old table in force. */
static pthread_rwlock_t lock = PTHREAD_RWLOCK_INITIALIZER;
static struct users *current;

static void
users_free(struct users *u)
{
	if (u == NULL)
		return;
	while (u->n > 0) {
		u->n--;
		free(u->v[u->n].name);
		free(u->v[u->n].hash);
	}
	free(u);
}

void
serve_auth_free(void)
{
	pthread_rwlock_wrlock(&lock);
	users_free(current);
	current = NULL;
	pthread_rwlock_unlock(&lock);
}

/* Whether s is a hash this program checks: yescrypt or bcrypt. */
static int
known_hash(const char *s)
{
	return strncmp(s, "$y$", 3) == 0 || strncmp(s, "$2b$", 4) == 0 ||
	       strncmp(s, "$2y$", 4) == 0;
}

/* Reads the file's users into u: 0, or -1 with eb naming file and line. */
static int
users_read(FILE *fp, const char *path, struct users *u, struct errbuf *eb)
{
	char line[1024], *colon;
	size_t n, lineno = 0;

	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		n = strcspn(line, "\r\n");
		line[n] = '\0';
		if (n == 0 || line[0] == '#')
			continue;
		colon = strchr(line, ':');
		if (colon == NULL || colon == line || !known_hash(colon + 1))
			return errbuf_set(eb,
			                  "%s:%zu: expected user:HASH, the "
			                  "hash made by 'tlsrpt serve "
			                  "--hash-password' ($y$ or $2b$)",
			                  path, lineno);
		if (u->n == LIMIT_SERVE_USERS)
			return errbuf_set(eb, "%s: more than %d users", path,
			                  LIMIT_SERVE_USERS);
		*colon = '\0';
		u->v[u->n].name = strdup(line);
		u->v[u->n].hash = strdup(colon + 1);
		u->n++; /* freed with the table, whichever was made */
		if (u->v[u->n - 1].name == NULL || u->v[u->n - 1].hash == NULL)
			return errbuf_set(eb, "out of memory");
	}
	return u->n > 0 ? 0 : errbuf_set(eb, "%s: no user in it", path);
}

int
serve_auth_load(const char *path, struct errbuf *eb)
{
	struct users *u = calloc(1, sizeof(*u)), *old;
	FILE *fp;
	int r;

	if (u == NULL)
		return errbuf_set(eb, "out of memory");
	if ((fp = fopen(path, "r")) == NULL) {
		free(u);
		return errbuf_set(eb, "%s: cannot open: %m", path);
	}
	r = users_read(fp, path, u, eb);
	fclose(fp);
	if (r != 0) {
		users_free(u);
		return -1;
	}
	pthread_rwlock_wrlock(&lock);
	old = current;
	current = u;
	pthread_rwlock_unlock(&lock);
	users_free(old);
	return 0;
}

/* Equal without a branch on the bytes: a failed check takes as long
 * whichever byte differs. */
static int
same(const char *a, const char *b)
{
	size_t i, na = strlen(a), nb = strlen(b);
	unsigned char d = na != nb;

	for (i = 0; i < na && i < nb; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

int
serve_auth_check(const char *user, const char *password)
{
	struct crypt_data *cd;
	const struct users *u;
	size_t i = 0;
	int ok = 0;

	if (user == NULL || password == NULL ||
	    (cd = calloc(1, sizeof(*cd))) == NULL)
		return 0;
	pthread_rwlock_rdlock(&lock);
	if ((u = current) != NULL && u->n > 0) {
		for (i = 0; i < u->n; i++)
			if (strcmp(u->v[i].name, user) == 0)
				break;
		/* An unknown user's password is hashed too (with the first
		 * user's setting), so that the answer takes as long as a
		 * wrong password's and does not tell which users exist. */
		if (crypt_rn(password, u->v[i < u->n ? i : 0].hash, cd,
		             sizeof(*cd)) != NULL &&
		    cd->output[0] != '*' && i < u->n)
			ok = same(cd->output, u->v[i].hash);
	}
	pthread_rwlock_unlock(&lock);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return ok;
}

int
serve_auth_hash_password(void)
{
	char pw[1024], salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	struct termios t, quiet;
	int tty = isatty(STDIN_FILENO), ret = 1;
	size_t n;

	if (cd == NULL)
		return 1;
	if (tty) {
		fputs("Password: ", stderr);
		tcgetattr(STDIN_FILENO, &t);
		quiet = t;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	if (fgets(pw, sizeof(pw), stdin) == NULL)
		pw[0] = '\0';
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &t);
		fputc('\n', stderr);
	}
	n = strcspn(pw, "\r\n");
	pw[n] = '\0';
	if (n == 0)
		fprintf(stderr, "tlsrpt serve: --hash-password: no password "
		                "on stdin\n");
	else if (crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof(salt)) ==
	             NULL ||
	         crypt_rn(pw, salt, cd, sizeof(*cd)) == NULL ||
	         cd->output[0] == '*')
		fprintf(stderr, "tlsrpt serve: --hash-password: libxcrypt "
		                "cannot make a yescrypt hash\n");
	else
		ret = printf("%s\n", cd->output) < 0;
	explicit_bzero(pw, sizeof(pw));
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return ret;
}
