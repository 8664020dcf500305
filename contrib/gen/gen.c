/*
 * gen.c - the senders tlsrpt-gen imitates, the RFC 8460 result types, and
 * the one way the generator fails.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "gen.h"

const struct gen_org gen_orgs[NORG] = {
    {"google", "Google Inc.", "google.com", "smtp-tls-reporting@google.com",
     "noreply-smtp-tls-reporting@google.com", 0.42, 1.0, 0, 0, 1, 6, 0,
     "192.0.2", 1, 254, "2001:db8:4860"},
    {"microsoft", "Microsoft Corporation", "microsoft.com",
     "tlsrpt-noreply@microsoft.com", "tlsrpt-noreply@microsoft.com", 0.30, 0.6,
     0, 0, 0, 1, 0, "198.51.100", 1, 254, "2001:db8:f400"},
    {"mail.ru", "Mail.ru", "mail.ru", "tls_support@corp.mail.ru",
     "noreply-smtp-tls-reporting@corp.mail.ru", 0.08, 0.08, 2, 1, 1, 6, 255,
     "203.0.113", 1, 127, "2001:db8:a0"},
    {"generic", "Example Mail Services", "mail-services.example",
     "mailto:tlsrpt@mail-services.example",
     "tlsrpt-noreply@mail-services.example", 0.16, 0.05, 4, 0, 1, 6, 3,
     "203.0.113", 128, 199, "2001:db8:c0de"},
    {"stalwart", "mx.hosting.example", "hosting.example", NULL,
     "postmaster@hosting.example", 0.04, 0.01, 0, 1, 1, 6, 255, "203.0.113",
     200, 254, "2001:db8:5a1"},
};

const char *const gen_rt_name[NRT] = {
    "starttls-not-supported",
    "certificate-expired",
    "certificate-host-mismatch",
    "certificate-not-trusted",
    "validation-failure",
    "sts-policy-fetch-error",
    "tlsa-invalid",
    "dnssec-invalid",
    "dane-required",
    "sts-webpki-invalid",
};

void
gen_die(const char *fmt, ...)
{
	va_list ap;

	fputs("tlsrpt-gen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}
