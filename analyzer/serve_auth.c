/*
 * serve_auth.c - HTTP Basic auth for `tlsrpt serve`: an --auth-file of
 * "user:hash" lines, the hashes made by `tlsrpt serve --hash-password`
 * with libxcrypt (yescrypt; bcrypt "$2b$" lines are taken too). The file
 * holds no password; a password is checked by hashing it with the line's
 * own setting and comparing the results in constant time.
 */
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "serve.h"

struct user {
	char *name, *hash;
};

/* Loaded before serving, read-only after (STYLE.md "State"). */
static struct user users[LIMIT_SERVE_USERS];
static size_t nusers;

void
serve_auth_free(void)
{
	while (nusers > 0) {
		nusers--;
		free(users[nusers].name);
		free(users[nusers].hash);
	}
}

/* Whether s is a hash this program checks: yescrypt or bcrypt. */
static int
known_hash(const char *s)
{
	return strncmp(s, "$y$", 3) == 0 || strncmp(s, "$2b$", 4) == 0 ||
	       strncmp(s, "$2y$", 4) == 0;
}

int
serve_auth_load(const char *path, struct errbuf *eb)
{
	char line[1024], *colon;
	FILE *fp = fopen(path, "r");
	size_t n, lineno = 0;

	if (fp == NULL)
		return errbuf_set(eb, "%s: cannot open: %m", path);
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		n = strcspn(line, "\r\n");
		line[n] = '\0';
		if (n == 0 || line[0] == '#')
			continue;
		colon = strchr(line, ':');
		if (colon == NULL || colon == line || !known_hash(colon + 1)) {
			fclose(fp);
			return errbuf_set(eb,
			                  "%s:%zu: expected user:HASH, the "
			                  "hash made by 'tlsrpt serve "
			                  "--hash-password' ($y$ or $2b$)",
			                  path, lineno);
		}
		if (nusers == LIMIT_SERVE_USERS) {
			fclose(fp);
			return errbuf_set(eb, "%s: more than %d users", path,
			                  LIMIT_SERVE_USERS);
		}
		*colon = '\0';
		users[nusers].name = strdup(line);
		users[nusers].hash = strdup(colon + 1);
		if (users[nusers].name == NULL || users[nusers].hash == NULL) {
			fclose(fp);
			return errbuf_set(eb, "out of memory");
		}
		nusers++;
	}
	fclose(fp);
	return nusers > 0 ? 0 : errbuf_set(eb, "%s: no user in it", path);
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
	size_t i;
	int ok = 0;

	if (user == NULL || password == NULL)
		return 0;
	for (i = 0; i < nusers; i++)
		if (strcmp(users[i].name, user) == 0)
			break;
	if (nusers == 0 || (cd = calloc(1, sizeof(*cd))) == NULL)
		return 0;
	/* An unknown user's password is hashed too (with the first user's
	 * setting), so that the answer takes as long as a wrong password's
	 * and does not tell which users exist. */
	if (crypt_rn(password, users[i < nusers ? i : 0].hash, cd,
	             sizeof(*cd)) != NULL &&
	    cd->output[0] != '*' && i < nusers)
		ok = same(cd->output, users[i].hash);
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
