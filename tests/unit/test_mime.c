/*
 * test_mime.c - the report parts of a message (collector/core/mime.c).
 *
 * Table-driven: every .eml of the corpus with its report parts and hints,
 * worked out by reading each file; messages built here for every transfer
 * encoding, naming rule and nesting; hostile ones (depth, part and header
 * bombs, garbage); and the two header-sniffing helpers. One cmocka test per
 * table row, named after it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "limits.h"
#include "mime.h"
#include "testutil.h"
#include "report.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the corpus ---- */

struct corpus_case {
	const char *file;
	size_t nparts;
	const char *media_type; /* of every part */
	const char *filename;   /* of the first part */
	int gzip;               /* 1: gzip parts, 0: JSON parts */
	const char *domain, *submitter, *from, *message_id;
	size_t nauth;
	int is_tlsrpt;
};

#define GOOGLE "noreply-smtp-tls-reporting@google.com"
#define MSFT   "tlsrpt-noreply@microsoft.com"
#define RFCENV                                                                 \
	"example.net", "mail.sender.example.com",                              \
	    "tlsrpt@mail.sender.example.com"
#define TGZ "application/tlsrpt+gzip"

static struct corpus_case corpus_cases[] = {
    {"mail-auth/rpt01.eml", 1, TGZ,
     "mail.sender.example!example.com!1013662812!1013749130.json.gz", 1, RFCENV,
     NULL, 0, 1},
    /* application/tlsrpt without suffix, raw 7bit JSON */
    {"mail-auth/rpt02.eml", 1, "application/tlsrpt",
     "mail.sender.example!example.com!1013662812!1013749130.json", 0, RFCENV,
     NULL, 0, 1},
    {"mail-tls-rpt/email.eml", 1, TGZ,
     "google.com!fastmaildmarc.com!1583107200!1583193599!001.json.gz", 1,
     "fastmaildmarc.com", "google.com", GOOGLE,
     "00000000000013b408059ff0b6f0@google.com", 1, 1},
    /* folded name/filename with a trailing space after ";" */
    {"mox/example.eml", 1, TGZ,
     "google.com!test.xmox.nl!1663200000!1663286399!001.json.gz", 1,
     "test.xmox.nl", "google.com", GOOGLE,
     "000000000000f47cc505e8c8905c@google.com", 1, 1},
    {"mox/microsoft.eml", 1, TGZ,
     "microsoft.com!test.xmox.nl!1673308800!1673395199!"
     "133198585438131172.json.gz",
     1, "test.xmox.nl", "microsoft.com", MSFT,
     "133198585438131172+test.xmox.nl@test.xmox.nl", 1, 1},
    {"parsedmarc/google.com_smtp_tls_report.eml", 1, TGZ,
     "google.com!cardinalhealth.ca!1725321600!1725407999!001.json.gz", 1,
     "cardinalhealth.ca", "google.com", GOOGLE,
     "66d83c20.050a0220.a0566.1e8dtls@google.com", 0, 1},
    {"tlsrpt-be/test.eml", 1, TGZ,
     "mail.sender.example!example.com!1013662812!1013749130.json.gz", 1, RFCENV,
     NULL, 0, 1},
    {"tlsrpt-digest/tlsrpt_failure.eml", 1, TGZ,
     "google.com!example.com!1778544000!1778630399!001.json.gz", 1,
     "example.com", "google.com", GOOGLE,
     "6a049c05.00000000.3554e0.3524tls@google.com", 1, 1},
    {"tlsrpt-digest/tlsrpt_success_google_1.eml", 1, TGZ,
     "google.com!example.com!1778457600!1778543999!001.json.gz", 1,
     "example.com", "google.com", GOOGLE,
     "6a034af0.00000000.3a4de4.4c68tls@google.com", 4, 1},
    {"tlsrpt-digest/tlsrpt_success_google_2.eml", 1, TGZ,
     "google.com!example.com!1778544000!1778630399!001.json.gz", 1,
     "example.com", "google.com", GOOGLE,
     "6a049c05.00000000.3554e0.3524tls@google.com", 4, 1},
    {"tlsrpt-digest/tlsrpt_success_microsoft.eml", 1, TGZ,
     "microsoft.com!example.com!1778630400!1778716799!"
     "134232617934286362.json.gz",
     1, "example.com", "microsoft.com", MSFT,
     "134232617934286362+example.com@example.com", 4, 1},
    /* cron mail: a message, but no report */
    {"tlsrpt-rs/empty.eml", 0, NULL, NULL, 0, NULL, NULL,
     "root@nagual.krvtz.net", "66ed5733.9c33.6d95655f@nagual.krvtz.net", 0, 0},
    {"tlsrpt-rs/google1.eml", 1, TGZ,
     "google.com!krvtz.net!1726358400!1726444799!001.json.gz", 1, "krvtz.net",
     "google.com", GOOGLE, "66e813b9.050a0220.395bc2.4615tls@google.com", 0, 1},
    {"tlsrpt-rs/google2.eml", 1, TGZ,
     "google.com!krvtz.net!1726617600!1726703999!001.json.gz", 1, "krvtz.net",
     "google.com", GOOGLE, "66ec0644.050a0220.86df2.1302tls@google.com", 0, 1},
    /* no close-delimiter: the multipart ends with "--boundary" */
    {"tlsrpt-rs/mail.ru.eml", 1, TGZ,
     "mail.ru!krvtz.net!1674604800!1674691200!001.json.gz", 1, "krvtz.net",
     "mail.ru", "noreply-smtp-tls-reporting@corp.mail.ru",
     "c96d67df-0440-57f7-6e96-c83824d0fdf2@mail.ru", 1, 1},
    {"tlsrpt-rs/microsoft1.eml", 1, TGZ,
     "microsoft.com!krvtz.net!1726185600!1726271999!"
     "133708152202987951.json.gz",
     1, "krvtz.net", "microsoft.com", MSFT,
     "133708152202987951+krvtz.net@krvtz.net", 0, 1},
    {"unidentified-repo-id23365687383/"
     "google.com!blogreen.org!1675296000!1675382399.eml",
     1, TGZ, "google.com!blogreen.org!1675296000!1675382399!001.json.gz", 1,
     "blogreen.org", "google.com", GOOGLE,
     "00000000000066453b05f3c8de51@google.com", 1, 1},
};

static void
assert_str_or_null(const char *got, const char *want)
{
	if (want == NULL)
		assert_null(got);
	else
		assert_string_equal(got, want);
}

/* The part is a whole gzip stream whose JSON names an organization. */
static void
assert_gzip_report(const unsigned char *data, size_t len)
{
	unsigned char out[65536];
	z_stream zs;

	assert_true(len > 2 && data[0] == 0x1f && data[1] == 0x8b);
	memset(&zs, 0, sizeof(zs));
	assert_int_equal(inflateInit2(&zs, 16 + MAX_WBITS), Z_OK);
	zs.next_in = (unsigned char *)data;
	zs.avail_in = len;
	zs.next_out = out;
	zs.avail_out = sizeof(out) - 1;
	assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
	out[zs.total_out] = '\0';
	inflateEnd(&zs);
	assert_int_equal(out[0], '{');
	assert_non_null(strstr((char *)out, "\"organization-name\""));
}

static void
test_corpus_case(void **state)
{
	const struct corpus_case *c = *state;
	struct mime_message *m = NULL;
	struct errbuf eb = {{0}};
	size_t i, len;
	char *buf;

	if (tu_corpus_dir() == NULL)
		skip();
	buf = tu_read_corpus(c->file, &len);
	assert_non_null(buf);
	if (mime_report_parts(buf, len, &m, &eb) != 0)
		fail_msg("%s: %s", c->file, eb.msg);
	assert_int_equal(m->nparts, c->nparts);
	for (i = 0; i < m->nparts; i++) {
		assert_string_equal(m->parts[i].media_type, c->media_type);
		if (c->gzip) {
			assert_gzip_report(m->parts[i].data, m->parts[i].len);
		} else {
			assert_int_equal(m->parts[i].data[0], '{');
			assert_non_null(strstr((char *)m->parts[i].data,
			                       "\"organization-name\""));
		}
	}
	if (m->nparts > 0)
		assert_str_or_null(m->parts[0].filename, c->filename);
	assert_str_or_null(m->report_domain, c->domain);
	assert_str_or_null(m->report_submitter, c->submitter);
	assert_str_or_null(m->from, c->from);
	assert_str_or_null(m->message_id, c->message_id);
	assert_int_equal(m->nauth_results, c->nauth);
	assert_int_equal(m->is_tlsrpt_report, c->is_tlsrpt);
	mime_message_free(m);
	free(buf);
}

static size_t corpus_unlisted;

static int
corpus_visit(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	const char *dir = tu_corpus_dir(), *rel = path + strlen(dir) + 1;
	size_t i, n = strlen(path);

	if (type != FTW_F || n < 4 || strcmp(path + n - 4, ".eml") != 0)
		return 0;
	for (i = 0; i < NELEM(corpus_cases); i++) {
		if (strcmp(rel, corpus_cases[i].file) == 0)
			return 0;
	}
	printf("# corpus message %s has no row in corpus_cases\n", rel);
	corpus_unlisted++;
	return 0;
}

/* A message added to the corpus gets a row in the table above. */
static void
test_corpus_all_listed(void **state)
{
	const char *dir = tu_corpus_dir();

	if (dir == NULL)
		skip();
	corpus_unlisted = 0;
	assert_int_equal(nftw(dir, corpus_visit, 16, FTW_PHYS), 0);
	assert_int_equal(corpus_unlisted, 0);
}

/* ---- messages built here ---- */

struct msg_case {
	const char *name;
	const char *text;
	size_t text_len; /* 0: strlen(text) */
	int rc;          /* 0 or -1 */
	const char *err; /* a substring of the error */
	size_t nparts;
	const char *type;  /* media type of the first part */
	const char *fname; /* file name of the first part */
	const char *data;  /* content of the first part */
	size_t data_len;   /* 0: strlen(data) */
	const char *data2; /* content of the second part */
	int is_tlsrpt;
};

#define HDR                                                                    \
	"From: reporter@example.org\n"                                         \
	"To: tlsrpt@example.net\n"                                             \
	"Subject: Report Domain: example.net\n"                                \
	"MIME-Version: 1.0\n"
#define REPORT                                                                 \
	"Content-Type: multipart/report; report-type=tlsrpt; "                 \
	"boundary=\"b\"\n\n"                                                   \
	"--b\nContent-Type: text/plain\n\nThis is a TLS report.\n"
#define JSON     "{\"k\":\"v\"}"
#define JSON_B64 "eyJrIjoidiJ9"
#define GZ4      "\x1f\x8b\x08\x00"
#define GZ4_B64  "H4sIAA=="

static struct msg_case msg_cases[] = {
    {.name = "json_7bit",
     .text = HDR REPORT "--b\nContent-Type: application/tlsrpt+json\n"
                        "Content-Transfer-Encoding: 7bit\n\n" JSON "\n--b--\n",
     .nparts = 1,
     .type = "application/tlsrpt+json",
     .data = JSON,
     .is_tlsrpt = 1},
    {.name = "json_no_cte",
     .text = HDR REPORT "--b\nContent-Type: application/tlsrpt\n"
                        "Content-Disposition: attachment; filename=r.json\n"
                        "\n" JSON "\n--b--\n",
     .nparts = 1,
     .type = "application/tlsrpt",
     .fname = "r.json",
     .data = JSON,
     .is_tlsrpt = 1},
    {.name = "json_8bit_utf8",
     .text = HDR REPORT "--b\nContent-Type: application/tlsrpt+json\n"
                        "Content-Transfer-Encoding: 8bit\n\n"
                        "{\"o\":\"\xc3\xa9\"}\n--b--\n",
     .nparts = 1,
     .type = "application/tlsrpt+json",
     .data = "{\"o\":\"\xc3\xa9\"}",
     .is_tlsrpt = 1},
    {.name = "json_quoted_printable",
     .text = HDR REPORT "--b\nContent-Type: application/tlsrpt+json\n"
                        "Content-Transfer-Encoding: quoted-printable\n\n"
                        "{\"k\":\"a=3Db\",=\n\"l\":\"=C3=A9\"}\n--b--\n",
     .nparts = 1,
     .type = "application/tlsrpt+json",
     .data = "{\"k\":\"a=b\",\"l\":\"\xc3\xa9\"}",
     .is_tlsrpt = 1},
    {.name = "json_base64",
     .text = HDR REPORT "--b\nContent-Type: application/tlsrpt+json\n"
                        "Content-Transfer-Encoding: base64\n\n" JSON_B64
                        "\n--b--\n",
     .nparts = 1,
     .type = "application/tlsrpt+json",
     .data = JSON,
     .is_tlsrpt = 1},
    {.name = "base64_crlf_wrapped",
     .text = "From: r@example.org\r\nMIME-Version: 1.0\r\n"
             "Content-Type: multipart/report; report-type=tlsrpt;\r\n"
             "\tboundary=\"b\"\r\n\r\n--b\r\n"
             "Content-Type: application/tlsrpt+json\r\n"
             "Content-Transfer-Encoding: BASE64\r\n\r\n"
             "eyJvcmdhbml6YXRpb24t\r\nbmFtZSI6IkV4YW1wbGUi\r\n"
             "LCJyZXBvcnQtaWQiOiJi\r\nNjQifQ==\r\n--b--\r\n",
     .nparts = 1,
     .type = "application/tlsrpt+json",
     .data = "{\"organization-name\":\"Example\",\"report-id\":\"b64\"}",
     .is_tlsrpt = 1},
    {.name = "json_crlf_7bit",
     .text =
         "From: r@example.org\r\nMIME-Version: 1.0\r\n"
         "Content-Type: multipart/report; report-type=tlsrpt; "
         "boundary=\"b\"\r\n\r\n--b\r\n"
         "Content-Type: application/tlsrpt+json\r\n\r\n" JSON "\r\n--b--\r\n",
     .nparts = 1,
     .type = "application/tlsrpt+json",
     .data = JSON,
     .is_tlsrpt = 1},
    {.name = "gzip_binary",
     .text = HDR REPORT "--b\nContent-Type: application/tlsrpt+gzip\n"
                        "Content-Transfer-Encoding: binary\n\n" GZ4
                        "\x00\xff\n\x01\n--b--\n",
     .text_len = sizeof(HDR REPORT "--b\nContent-Type: application/"
                                   "tlsrpt+gzip\nContent-Transfer-Encoding:"
                                   " binary\n\n" GZ4 "\x00\xff\n\x01\n"
                                   "--b--\n") -
                 1,
     .nparts = 1,
     .type = "application/tlsrpt+gzip",
     .data = GZ4 "\x00\xff\n\x01",
     .data_len = 8,
     .is_tlsrpt = 1},
    {.name = "octet_stream_json_gz",
     .text =
         HDR REPORT "--b\nContent-Type: application/octet-stream; "
                    "name=\"name.json.gz\"\n"
                    "Content-Transfer-Encoding: base64\n\n" GZ4_B64 "\n--b--\n",
     .nparts = 1,
     .type = "application/octet-stream",
     .fname = "name.json.gz",
     .data = GZ4,
     .data_len = 4,
     .is_tlsrpt = 1},
    {.name = "octet_stream_txt_not_report",
     .text = HDR REPORT "--b\nContent-Type: application/octet-stream\n"
                        "Content-Disposition: attachment; "
                        "filename=\"report.txt\"\n\nhello\n--b--\n",
     .nparts = 0,
     .is_tlsrpt = 1},
    {.name = "disposition_filename_wins",
     .text = HDR REPORT "--b\nContent-Type: application/octet-stream; "
                        "name=\"x.txt\"\nContent-Disposition: attachment; "
                        "filename=\"r.json\"\n\n" JSON "\n--b--\n",
     .nparts = 1,
     .type = "application/octet-stream",
     .fname = "r.json",
     .data = JSON,
     .is_tlsrpt = 1},
    {.name = "disposition_filename_wins_txt",
     .text = HDR REPORT "--b\nContent-Type: application/octet-stream; "
                        "name=\"r.json.gz\"\nContent-Disposition: "
                        "attachment; filename=\"r.txt\"\n\nx\n--b--\n",
     .nparts = 0,
     .is_tlsrpt = 1},
    {.name = "gzip_content_type_name",
     .text = HDR REPORT "--b\nContent-Type: application/gzip; "
                        "name=\"r.gz\"\nContent-Transfer-Encoding: base64"
                        "\n\n" GZ4_B64 "\n--b--\n",
     .nparts = 1,
     .type = "application/gzip",
     .fname = "r.gz",
     .data = GZ4,
     .data_len = 4,
     .is_tlsrpt = 1},
    {.name = "x_gzip_upper_case_filename",
     .text =
         HDR REPORT "--b\nContent-Type: Application/X-GZIP\n"
                    "Content-Disposition: attachment; "
                    "filename=\"R.JSON.GZ\"\n"
                    "Content-Transfer-Encoding: base64\n\n" GZ4_B64 "\n--b--\n",
     .nparts = 1,
     .type = "application/x-gzip",
     .fname = "R.JSON.GZ",
     .data = GZ4,
     .data_len = 4,
     .is_tlsrpt = 1},
    {.name = "json_without_filename_not_report",
     .text =
         HDR REPORT "--b\nContent-Type: application/json\n\n" JSON "\n--b--\n",
     .nparts = 0,
     .is_tlsrpt = 1},
    {.name = "text_plain_json_name_not_report",
     .text = HDR REPORT "--b\nContent-Type: text/plain; name=\"r.json\"\n"
                        "\n" JSON "\n--b--\n",
     .nparts = 0,
     .is_tlsrpt = 1},
    {.name = "upper_case_media_type",
     .text =
         HDR REPORT "--b\nContent-Type: APPLICATION/TLSRPT+GZIP\n"
                    "Content-Transfer-Encoding: base64\n\n" GZ4_B64 "\n--b--\n",
     .nparts = 1,
     .type = "application/tlsrpt+gzip",
     .data = GZ4,
     .data_len = 4,
     .is_tlsrpt = 1},
    {.name = "tlsrpt_x_gzip",
     .text =
         HDR REPORT "--b\nContent-Type: application/tlsrpt+x-gzip\n"
                    "Content-Transfer-Encoding: base64\n\n" GZ4_B64 "\n--b--\n",
     .nparts = 1,
     .type = "application/tlsrpt+x-gzip",
     .data = GZ4,
     .data_len = 4,
     .is_tlsrpt = 1},
    {.name = "rfc2231_filename",
     .text =
         HDR REPORT "--b\nContent-Type: application/json\n"
                    "Content-Disposition: attachment; "
                    "filename*=UTF-8''r%C3%A9port.json\n\n" JSON "\n--b--\n",
     .nparts = 1,
     .type = "application/json",
     .fname = "r\xc3\xa9port.json",
     .data = JSON,
     .is_tlsrpt = 1},
    {.name = "rfc2231_continued_filename",
     .text = HDR REPORT "--b\nContent-Type: application/octet-stream\n"
                        "Content-Disposition: attachment;\n"
                        " filename*0=\"google.com!example.com!\";\n"
                        " filename*1=\"1!2!001.json.gz\"\n\n" JSON "\n--b--\n",
     .nparts = 1,
     .type = "application/octet-stream",
     .fname = "google.com!example.com!1!2!001.json.gz",
     .data = JSON,
     .is_tlsrpt = 1},
    {.name = "folded_params_trailing_space",
     .text =
         HDR REPORT "--b\nContent-Type: application/tlsrpt+gzip; \n"
                    "\tname=\"a.json.gz\"\nContent-Disposition: "
                    "attachment; \n\tfilename=\"a.json.gz\"\n"
                    "Content-Transfer-Encoding: base64\n\n" GZ4_B64 "\n--b--\n",
     .nparts = 1,
     .type = "application/tlsrpt+gzip",
     .fname = "a.json.gz",
     .data = GZ4,
     .data_len = 4,
     .is_tlsrpt = 1},
    {.name = "two_reports",
     .text = HDR REPORT "--b\nContent-Type: application/tlsrpt+json\n\n" JSON
                        "\n--b\nContent-Type: application/json\n"
                        "Content-Disposition: attachment; filename=b.json\n"
                        "Content-Transfer-Encoding: base64\n\n"
                        "eyJuIjoyfQ==\n--b--\n",
     .nparts = 2,
     .type = "application/tlsrpt+json",
     .data = JSON,
     .data2 = "{\"n\":2}",
     .is_tlsrpt = 1},
    {.name = "nested_mixed_in_report",
     .text = HDR REPORT "--b\nContent-Type: multipart/mixed; boundary=c\n\n"
                        "--c\nContent-Type: text/plain\n\nhi\n"
                        "--c\nContent-Type: application/tlsrpt+json\n\n" JSON
                        "\n--c--\n\n--b--\n",
     .nparts = 1,
     .type = "application/tlsrpt+json",
     .data = JSON,
     .is_tlsrpt = 1},
    {.name = "rfc822_wraps_report",
     .text = HDR "Content-Type: multipart/mixed; boundary=outer\n\n"
                 "--outer\nContent-Type: text/plain\n\nForwarded.\n"
                 "--outer\nContent-Type: message/rfc822\n\n"
                 "From: noreply@example.com\nTLS-Report-Domain: inner\n"
                 "Content-Type: multipart/report; report-type=tlsrpt; "
                 "boundary=inner\n\n--inner\n"
                 "Content-Type: application/tlsrpt+json\n\n" JSON
                 "\n--inner--\n\n--outer--\n",
     .nparts = 1,
     .type = "application/tlsrpt+json",
     .data = JSON},
    {.name = "single_part_report",
     .text = HDR "Content-Type: application/tlsrpt+json\n\n" JSON "\n",
     .nparts = 1,
     .type = "application/tlsrpt+json",
     .data = JSON "\n"},
    {.name = "single_part_text",
     .text = HDR "Content-Type: text/plain\n\n" JSON "\n",
     .nparts = 0},
    {.name = "missing_close_delimiter",
     .text = HDR REPORT "--b\nContent-Type: application/tlsrpt+json\n"
                        "Content-Transfer-Encoding: base64\n\n" JSON_B64
                        "\n\n--b\n\n",
     .nparts = 1,
     .type = "application/tlsrpt+json",
     .data = JSON,
     .is_tlsrpt = 1},
    {.name = "truncated_in_part",
     .text = HDR REPORT "--b\nContent-Type: application/tlsrpt+json\n"
                        "Content-Transfer-Encoding: base64\n\n" JSON_B64,
     .nparts = 1,
     .type = "application/tlsrpt+json",
     .data = JSON,
     .is_tlsrpt = 1},
    {.name = "broken_base64_skipped",
     .text = HDR REPORT "--b\nContent-Type: application/tlsrpt+json\n"
                        "Content-Transfer-Encoding: base64\n\n"
                        "eyJr!!!IjoidiJ9\n--b--\n",
     .nparts = 1,
     .type = "application/tlsrpt+json",
     .data = JSON,
     .is_tlsrpt = 1},
    {.name = "empty_report_part",
     .text = HDR REPORT "--b\nContent-Type: application/tlsrpt+json\n\n"
                        "--b--\n",
     .nparts = 1,
     .type = "application/tlsrpt+json",
     .data = "",
     .is_tlsrpt = 1},
    {.name = "multipart_without_boundary",
     .text =
         HDR "Content-Type: multipart/report; report-type=tlsrpt\n\n"
             "--b\nContent-Type: application/tlsrpt+json\n\n" JSON "\n--b--\n",
     .nparts = 0,
     .is_tlsrpt = 1},
    {.name = "report_type_any_case_quoted",
     .text = HDR "Content-Type: Multipart/Report; boundary=\"b\";\n"
                 " Report-Type=\"TLSRPT\"\n\n--b\n"
                 "Content-Type: application/tlsrpt+json\n\n" JSON "\n--b--\n",
     .nparts = 1,
     .type = "application/tlsrpt+json",
     .data = JSON,
     .is_tlsrpt = 1},
    {.name = "delivery_status_report",
     .text = HDR "Content-Type: multipart/report; "
                 "report-type=delivery-status; boundary=b\n\n--b\n"
                 "Content-Type: application/tlsrpt+json\n\n" JSON "\n--b--\n",
     .nparts = 1,
     .type = "application/tlsrpt+json",
     .data = JSON},
    {.name = "mbox_from_line",
     .text = "From reporter@example.org Thu Jan  1 00:00:00 2026\n" HDR REPORT
             "--b\nContent-Type: application/tlsrpt+json\n\n" JSON "\n--b--\n",
     .nparts = 1,
     .type = "application/tlsrpt+json",
     .data = JSON,
     .is_tlsrpt = 1},
    {.name = "header_only", .text = "Subject: no body", .nparts = 0},
    {.name = "empty_input", .text = "", .rc = -1, .err = "empty"},
    {.name = "json_is_not_a_message",
     .text = "{\"organization-name\":\"Example\"}",
     .rc = -1,
     .err = "not a mail message"},
    {.name = "gzip_is_not_a_message",
     .text = GZ4 "\x00\x00\x00\x00\x00\x03",
     .text_len = 10,
     .rc = -1,
     .err = "not a mail message"},
    {.name = "garbage",
     .text = "\xff\xfe\x00\x01 garbage \x80\x81",
     .text_len = 14,
     .rc = -1,
     .err = "not a mail message"},
    {.name = "mbox_from_line_only",
     .text = "From reporter@example.org Thu Jan  1 00:00:00 2026\n",
     .rc = -1,
     .err = "not a mail message"},
};

static void
assert_bytes(const unsigned char *got, size_t got_len, const char *want,
             size_t want_len)
{
	if (want_len == 0)
		want_len = strlen(want);
	assert_int_equal(got_len, want_len);
	assert_memory_equal(got, want, want_len);
	assert_int_equal(got[got_len], '\0');
}

static void
test_msg_case(void **state)
{
	const struct msg_case *c = *state;
	size_t len = c->text_len ? c->text_len : strlen(c->text);
	struct mime_message *m = NULL;
	struct errbuf eb = {{0}};
	char *copy = malloc(len + 1);

	/* A copy without a NUL after it, for ASan to see over-reads. */
	assert_non_null(copy);
	memcpy(copy, c->text, len);
	assert_int_equal(mime_report_parts(copy, len, &m, &eb), c->rc);
	free(copy);
	if (c->rc != 0) {
		assert_null(m);
		if (strstr(eb.msg, c->err) == NULL)
			fail_msg("error \"%s\" lacks \"%s\"", eb.msg, c->err);
		return;
	}
	assert_non_null(m);
	assert_int_equal(m->nparts, c->nparts);
	assert_int_equal(m->is_tlsrpt_report, c->is_tlsrpt);
	if (c->nparts > 0) {
		assert_string_equal(m->parts[0].media_type, c->type);
		assert_str_or_null(m->parts[0].filename, c->fname);
		assert_bytes(m->parts[0].data, m->parts[0].len, c->data,
		             c->data_len);
	}
	if (c->data2 != NULL)
		assert_bytes(m->parts[1].data, m->parts[1].len, c->data2, 0);
	mime_message_free(m);
}

/* ---- hints ---- */

struct hints_case {
	const char *name;
	const char *text;
	const char *domain, *submitter, *from, *message_id;
	size_t nauth;
	const char *auth[2];
};

#define HINTS_BODY                                                             \
	"Content-Type: multipart/report; report-type=\"tlsrpt\";\n"            \
	"\tboundary=\"b\"\n\n--b\nContent-Type: application/tlsrpt+json\n\n"   \
	"{}\n--b--\n"

static struct hints_case hints_cases[] = {
    {"folded_and_padded",
     "Return-Path: <bounce@example.org>\n"
     "Authentication-Results: mx.example.net;\n"
     "\tdkim=pass header.d=example.org\n"
     "From: \"Reporter, Inc.\" <tlsrpt@example.org>\n"
     "TLS-Report-Domain:   example.net  \n"
     "TLS-Report-Submitter:\n reporter.example.org\n"
     "Message-ID: <abc.123@example.org>\n"
     "authentication-results: mx.example.net; spf=pass\n"
     "MIME-Version: 1.0\n" HINTS_BODY,
     "example.net",
     "reporter.example.org",
     "tlsrpt@example.org",
     "abc.123@example.org",
     2,
     {"mx.example.net;\tdkim=pass header.d=example.org",
      "mx.example.net; spf=pass"}},
    {"crlf",
     "Authentication-Results: mx.example.net;\r\n spf=pass\r\n"
     "From: tlsrpt@example.org\r\n"
     "tls-report-domain: example.net\r\n"
     "TLS-REPORT-SUBMITTER: reporter.example.org\r\n"
     "Message-Id: <x@y>\r\n\r\nbody\r\n",
     "example.net",
     "reporter.example.org",
     "tlsrpt@example.org",
     "x@y",
     1,
     {"mx.example.net; spf=pass", NULL}},
    {"none",
     "Subject: nothing\n\nbody\n",
     NULL,
     NULL,
     NULL,
     NULL,
     0,
     {NULL, NULL}},
    {"first_wins_blank_is_null",
     "TLS-Report-Domain: first.example\n"
     "TLS-Report-Domain: second.example\n"
     "TLS-Report-Submitter:   \n"
     "Authentication-Results:\n"
     "From: <>\n\nbody\n",
     "first.example",
     NULL,
     NULL,
     NULL,
     0,
     {NULL, NULL}},
    {"from_group",
     "From: Reporters: a@b.example, c@d.example;\n\nbody\n",
     NULL,
     NULL,
     "a@b.example",
     NULL,
     0,
     {NULL, NULL}},
    /* the hints are the outer message's; a forwarded report's own
     * header is not taken for them */
    {"forwarded_report",
     "From: admin@example.net\nMessage-ID: <fwd@example.net>\n"
     "Content-Type: multipart/mixed; boundary=o\n\n--o\n"
     "Content-Type: message/rfc822\n\n"
     "From: noreply@example.com\nTLS-Report-Domain: example.net\n"
     "Message-ID: <inner@example.com>\n" HINTS_BODY "\n--o--\n",
     NULL,
     NULL,
     "admin@example.net",
     "fwd@example.net",
     0,
     {NULL, NULL}},
};

static void
test_hints_case(void **state)
{
	const struct hints_case *c = *state;
	struct mime_message *m = NULL;
	struct errbuf eb = {{0}};
	size_t i;

	if (mime_report_parts(c->text, strlen(c->text), &m, &eb) != 0)
		fail_msg("%s", eb.msg);
	assert_str_or_null(m->report_domain, c->domain);
	assert_str_or_null(m->report_submitter, c->submitter);
	assert_str_or_null(m->from, c->from);
	assert_str_or_null(m->message_id, c->message_id);
	assert_int_equal(m->nauth_results, c->nauth);
	for (i = 0; i < c->nauth && i < NELEM(c->auth); i++)
		assert_string_equal(m->auth_results[i], c->auth[i]);
	mime_message_free(m);
}

/* ---- built messages: encodings and bombs ---- */

static char *
b64_wrapped(const unsigned char *in, size_t len)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                          "abcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc(len * 2 + 8), *o = out;
	size_t i, col = 0;
	unsigned long v;

	assert_non_null(out);
	for (i = 0; i < len; i += 3) {
		v = (unsigned long)in[i] << 16;
		if (i + 1 < len)
			v |= (unsigned long)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		*o++ = abc[(v >> 18) & 63];
		*o++ = abc[(v >> 12) & 63];
		*o++ = i + 1 < len ? abc[(v >> 6) & 63] : '=';
		*o++ = i + 2 < len ? abc[v & 63] : '=';
		if ((col += 4) == 76) {
			*o++ = '\r';
			*o++ = '\n';
			col = 0;
		}
	}
	*o = '\0';
	return out;
}

/* Runs mime_report_parts on a built message; returns rc, fills m and eb. */
static int
parse_built(char *text, size_t len, struct mime_message **m, struct errbuf *eb)
{
	int rc = mime_report_parts(text, len, m, eb);

	free(text);
	return rc;
}

/* A real gzip report, base64 in 76-column CRLF lines, decodes to the
 * very bytes that were encoded. */
static void
test_gzip_base64_roundtrip(void **state)
{
	char *json =
	    tu_report_json("Example Org", "rt-1", "example.net", 10, 2);
	struct mime_message *m = NULL;
	struct errbuf eb = {{0}};
	unsigned char *gz;
	size_t gzlen, len;
	char *b64, *text;
	FILE *fp;

	gz = tu_gzip(json, strlen(json), &gzlen);
	b64 = b64_wrapped(gz, gzlen);
	fp = open_memstream(&text, &len);
	fprintf(fp,
	        "From: r@example.org\r\nTLS-Report-Domain: example.net\r\n"
	        "Content-Type: multipart/report; report-type=tlsrpt; "
	        "boundary=\"=_x\"\r\n\r\n--=_x\r\n"
	        "Content-Type: application/tlsrpt+gzip\r\n"
	        "Content-Disposition: attachment;\r\n"
	        "\tfilename=\"example.org!example.net!1!2.json.gz\"\r\n"
	        "Content-Transfer-Encoding: base64\r\n\r\n%s\r\n"
	        "--=_x--\r\n",
	        b64);
	fclose(fp);
	assert_int_equal(parse_built(text, len, &m, &eb), 0);
	assert_int_equal(m->nparts, 1);
	assert_int_equal(m->parts[0].len, gzlen);
	assert_memory_equal(m->parts[0].data, gz, gzlen);
	assert_string_equal(m->parts[0].filename,
	                    "example.org!example.net!1!2.json.gz");
	mime_message_free(m);
	free(gz);
	free(b64);
	free(json);
}

/* depth nested multiparts (closed, or not when open) around a report. */
static char *
build_nested_multipart(int depth, int closed, size_t *len)
{
	char *text;
	FILE *fp = open_memstream(&text, len);
	int i;

	fputs("From: r@example.org\n", fp);
	for (i = 0; i < depth; i++)
		fprintf(fp,
		        "Content-Type: multipart/mixed; boundary=\"b%d\"\n"
		        "\n--b%d\n",
		        i, i);
	fputs("Content-Type: application/tlsrpt+json\n\n" JSON "\n", fp);
	for (i = depth - 1; closed && i >= 0; i--)
		fprintf(fp, "--b%d--\n", i);
	fclose(fp);
	return text;
}

/* depth nested message/rfc822 parts around a report. */
static char *
build_nested_rfc822(int depth, size_t *len)
{
	char *text;
	FILE *fp = open_memstream(&text, len);
	int i;

	fputs("From: r@example.org\n", fp);
	for (i = 0; i < depth; i++)
		fputs("Content-Type: message/rfc822\n\nFrom: r@example.org\n",
		      fp);
	fputs("Content-Type: application/tlsrpt+json\n\n" JSON, fp);
	fclose(fp);
	return text;
}

static void
expect_error(int rc, struct mime_message *m, const struct errbuf *eb,
             const char *want)
{
	assert_int_equal(rc, -1);
	assert_null(m);
	if (strstr(eb->msg, want) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", eb->msg, want);
}

static void
expect_one_report(int rc, struct mime_message *m, const struct errbuf *eb)
{
	if (rc != 0)
		fail_msg("%s", eb->msg);
	assert_int_equal(m->nparts, 1);
	assert_bytes(m->parts[0].data, m->parts[0].len, JSON, 0);
	mime_message_free(m);
}

static void
test_depth_limit(void **state)
{
	struct mime_message *m = NULL;
	struct errbuf eb = {{0}};
	size_t len;
	char *t;
	int rc;

	t = build_nested_multipart(LIMIT_MIME_DEPTH, 1, &len);
	rc = parse_built(t, len, &m, &eb);
	expect_one_report(rc, m, &eb);
	t = build_nested_multipart(LIMIT_MIME_DEPTH + 1, 1, &len);
	rc = parse_built(t, len, &m, &eb);
	expect_error(rc, m, &eb, "MIME: nesting deeper than 16 levels");
	t = build_nested_rfc822(LIMIT_MIME_DEPTH, &len);
	rc = parse_built(t, len, &m, &eb);
	expect_one_report(rc, m, &eb);
	t = build_nested_rfc822(LIMIT_MIME_DEPTH + 1, &len);
	rc = parse_built(t, len, &m, &eb);
	expect_error(rc, m, &eb, "MIME: nesting deeper than 16 levels");
}

/* Far past the limit, past GMime's own nesting limit too. */
static void
test_depth_bomb(void **state)
{
	struct mime_message *m = NULL;
	struct errbuf eb = {{0}};
	size_t len;
	char *t;
	int rc;

	t = build_nested_multipart(4000, 0, &len);
	rc = parse_built(t, len, &m, &eb);
	expect_error(rc, m, &eb, "MIME: nesting deeper than 16 levels");
	t = build_nested_multipart(100000, 1, &len);
	rc = parse_built(t, len, &m, &eb);
	expect_error(rc, m, &eb, "MIME: more than 4096 lines");
	t = build_nested_rfc822(4000, &len);
	rc = parse_built(t, len, &m, &eb);
	expect_error(rc, m, &eb, "MIME: nesting deeper than 16 levels");
	/* each level is header fields: refused before GMime sees them */
	t = build_nested_rfc822(200000, &len);
	rc = parse_built(t, len, &m, &eb);
	expect_error(rc, m, &eb, "MIME: header fields over");
}

/* One multipart of n parts, every reports-th of them a report. */
static char *
build_wide(size_t n, size_t reports, size_t *len)
{
	char *text;
	FILE *fp = open_memstream(&text, len);
	size_t i;

	fputs("From: r@example.org\nContent-Type: multipart/mixed; "
	      "boundary=b\n\n",
	      fp);
	for (i = 0; i < n; i++) {
		if (reports && i % reports == 0)
			fputs("--b\nContent-Type: "
			      "application/tlsrpt+json\n\n" JSON "\n",
			      fp);
		else
			fputs("--b\n\nx\n", fp);
	}
	fputs("--b--\n", fp);
	fclose(fp);
	return text;
}

static void
test_part_limit(void **state)
{
	struct mime_message *m = NULL;
	struct errbuf eb = {{0}};
	size_t len;
	char *t;
	int rc;

	/* the multipart itself is one of the parts */
	t = build_wide(LIMIT_MIME_PARTS - 1, LIMIT_MIME_PARTS, &len);
	rc = parse_built(t, len, &m, &eb);
	expect_one_report(rc, m, &eb);
	t = build_wide(LIMIT_MIME_PARTS, 0, &len);
	rc = parse_built(t, len, &m, &eb);
	expect_error(rc, m, &eb, "MIME: more than 256 parts");
	/* a million empty parts: refused before GMime builds them */
	t = build_wide(1000000, 0, &len);
	rc = parse_built(t, len, &m, &eb);
	expect_error(rc, m, &eb, "MIME: more than 4096 lines");
}

static void
test_report_limit(void **state)
{
	struct mime_message *m = NULL;
	struct errbuf eb = {{0}};
	size_t len;
	char *t;
	int rc;

	t = build_wide(LIMIT_REPORTS_PER_MESSAGE, 1, &len);
	rc = parse_built(t, len, &m, &eb);
	assert_int_equal(rc, 0);
	assert_int_equal(m->nparts, LIMIT_REPORTS_PER_MESSAGE);
	assert_bytes(m->parts[LIMIT_REPORTS_PER_MESSAGE - 1].data,
	             m->parts[LIMIT_REPORTS_PER_MESSAGE - 1].len, JSON, 0);
	mime_message_free(m);
	t = build_wide(LIMIT_REPORTS_PER_MESSAGE + 1, 1, &len);
	rc = parse_built(t, len, &m, &eb);
	expect_error(rc, m, &eb, "MIME: more than 64 report parts");
}

/* Header fields cost GMime 10 to 50 times their size: a bound. */
static void
test_header_bomb(void **state)
{
	struct mime_message *m = NULL;
	struct errbuf eb = {{0}};
	size_t i, len;
	char *t;
	FILE *fp;
	int rc;

	fp = open_memstream(&t, &len);
	fputs("From: r@example.org\nContent-Type: multipart/mixed; "
	      "boundary=b\n\n--b\nContent-Type: application/octet-stream",
	      fp);
	for (i = 0; i < 200000; i++)
		fprintf(fp, ";\n p%zu=v", i);
	fputs("\n\nx\n--b--\n", fp);
	fclose(fp);
	rc = parse_built(t, len, &m, &eb);
	expect_error(rc, m, &eb, "MIME: header fields over");
	/* many Authentication-Results, within the bound, are all kept */
	fp = open_memstream(&t, &len);
	for (i = 0; i < 5000; i++)
		fprintf(fp, "Authentication-Results: mx%zu.example; spf=pass\n",
		        i);
	fputs("\nbody\n", fp);
	fclose(fp);
	rc = parse_built(t, len, &m, &eb);
	assert_int_equal(rc, 0);
	assert_int_equal(m->nauth_results, 5000);
	assert_string_equal(m->auth_results[4999], "mx4999.example; spf=pass");
	mime_message_free(m);
}

/* Text lines that begin with "--" are not parts, up to a bound. */
static void
test_dash_lines(void **state)
{
	struct mime_message *m = NULL;
	struct errbuf eb = {{0}};
	size_t i, len;
	char *t;
	FILE *fp;
	int rc;

	fp = open_memstream(&t, &len);
	fputs("From: r@example.org\nContent-Type: multipart/report; "
	      "report-type=tlsrpt; boundary=b\n\n--b\n"
	      "Content-Type: text/plain\n\n",
	      fp);
	for (i = 0; i < 3000; i++)
		fputs("-- \n----------\n\n", fp);
	fputs("--b\nContent-Type: application/tlsrpt+json\n\n" JSON "\n--b--\n",
	      fp);
	fclose(fp);
	rc = parse_built(t, len, &m, &eb);
	expect_error(rc, m, &eb, "MIME: more than 4096 lines");
	fp = open_memstream(&t, &len);
	fputs("From: r@example.org\nContent-Type: multipart/report; "
	      "report-type=tlsrpt; boundary=b\n\n--b\n"
	      "Content-Type: text/plain\n\n",
	      fp);
	for (i = 0; i < 1000; i++)
		fputs("-- \n----------\n\n", fp);
	fputs("--b\nContent-Type: application/tlsrpt+json\n\n" JSON "\n--b--\n",
	      fp);
	fclose(fp);
	rc = parse_built(t, len, &m, &eb);
	expect_one_report(rc, m, &eb);
}

static void *
thread_parse(void *arg)
{
	static const char text[] = HDR REPORT
	    "--b\nContent-Type: application/tlsrpt+json\n"
	    "Content-Transfer-Encoding: base64\n\n" JSON_B64 "\n--b--\n";
	struct mime_message *m;
	struct errbuf eb;
	long bad = 0;
	int i;

	for (i = 0; i < 200; i++) {
		if (mime_report_parts(text, sizeof(text) - 1, &m, &eb) != 0 ||
		    m->nparts != 1 || m->parts[0].len != strlen(JSON) ||
		    memcmp(m->parts[0].data, JSON, strlen(JSON)) != 0 ||
		    !mime_is_tlsrpt_content_type("multipart/report; "
		                                 "report-type=tlsrpt"))
			bad++;
		mime_message_free(m);
	}
	return (void *)bad;
}

/* GMime's initialization and parsing from several threads at once. */
static void
test_threads(void **state)
{
	pthread_t t[8];
	void *bad;
	size_t i;

	for (i = 0; i < NELEM(t); i++)
		assert_int_equal(
		    pthread_create(&t[i], NULL, thread_parse, NULL), 0);
	for (i = 0; i < NELEM(t); i++) {
		assert_int_equal(pthread_join(t[i], &bad), 0);
		assert_null(bad);
	}
}

static void
test_misc(void **state)
{
	struct mime_message *m = (struct mime_message *)1;
	struct errbuf eb = {{0}};

	mime_message_free(NULL);
	assert_int_equal(mime_report_parts(NULL, 0, &m, &eb), -1);
	assert_null(m);
	assert_non_null(strstr(eb.msg, "empty"));
	/* eb may be NULL */
	assert_int_equal(mime_report_parts("{}", 2, &m, NULL), -1);
}

/* ---- the header-sniffing helpers ---- */

static const struct {
	const char *value;
	int yes;
} ctype_cases[] = {
    {"multipart/report; report-type=tlsrpt; boundary=\"x\"", 1},
    {"multipart/report; boundary=\"x\"; report-type=\"tlsrpt\"", 1},
    {"Multipart/Report; Report-Type=TLSRPT", 1},
    {"multipart/report;\r\n\treport-type=tlsrpt;\r\n boundary=x", 1},
    {"multipart/report; report-type=\"tlsrpt\";\r\n"
     " boundary=\"----=_NextPart_1674691838991563614\"",
     1},
    {"multipart/report;\n\tboundary=\"_078e4900_\"; report-type=tlsrpt", 1},
    {"  multipart/report ;  report-type = tlsrpt  ", 1},
    {"multipart/report; report-type*=us-ascii''tlsrpt", 1},
    {"multipart/report; report-type=\" tlsrpt \"", 1},
    {"multipart/report; report-type=delivery-status", 0},
    {"multipart/report; report-type=tlsrpt-x", 0},
    {"multipart/report; report-type=\"\"", 0},
    {"multipart/report", 0},
    {"multipart/mixed; report-type=tlsrpt", 0},
    {"application/tlsrpt+gzip", 0},
    {"text/plain; report-type=tlsrpt", 0},
    {";;;===\"", 0},
    {"", 0},
    {NULL, 0},
};

static void
test_tlsrpt_content_type(void **state)
{
	size_t i;

	for (i = 0; i < NELEM(ctype_cases); i++) {
		if (mime_is_tlsrpt_content_type(ctype_cases[i].value) !=
		    ctype_cases[i].yes)
			fail_msg("mime_is_tlsrpt_content_type(\"%s\") != %d",
			         ctype_cases[i].value ? ctype_cases[i].value
			                              : "(null)",
			         ctype_cases[i].yes);
	}
}

static const struct {
	const char *buf;
	size_t len; /* 0: strlen(buf) */
	int yes;
} looks_cases[] = {
    {"From reporter@example.org Thu Jan  1 00:00:00 2026\n", 0, 1},
    {"From ", 0, 1},
    {"Return-Path: <a@example.org>\r\n", 0, 1},
    {"X-Mozilla-Status: 0001\n", 0, 1},
    {"Authentication-Results-Original: x\n", 0, 1},
    {"Received:from", 0, 1},
    {"Subject : obsolete space before the colon\n", 0, 1},
    {"Name:", 0, 1},
    {"Subject: cut before the colon", 3, 0},
    {"From", 0, 0},
    {"Subject", 0, 0},
    {"Hello world: x\n", 0, 0},
    {"{\"organization-name\":\"Example\"}", 0, 0},
    {" {\"organization-name\":\"Example\"}", 0, 0},
    {"[{\"a\":1}]", 0, 0},
    {"\xef\xbb\xbf{\"a\":1}", 0, 0},
    {"\x1f\x8b\x08\x00\x00\x00\x00\x00", 8, 0},
    {"\r\nSubject: x\n", 0, 0},
    {"\nSubject: x\n", 0, 0},
    {"1st: x\n", 0, 0},
    {"Sub\x01ject: x\n", 0, 0},
    {"Sub\xc3\xa9ject: x\n", 0, 0},
    {"", 0, 0},
};

static void
test_looks_like_message(void **state)
{
	char name[1200];
	size_t i, len;

	for (i = 0; i < NELEM(looks_cases); i++) {
		len = looks_cases[i].len ? looks_cases[i].len
		                         : strlen(looks_cases[i].buf);
		if (mime_looks_like_message(looks_cases[i].buf, len) !=
		    looks_cases[i].yes)
			fail_msg("mime_looks_like_message(\"%.*s\") != %d",
			         (int)len, looks_cases[i].buf,
			         looks_cases[i].yes);
	}
	assert_int_equal(mime_looks_like_message(NULL, 0), 0);
	/* field names end within a line (998 characters) */
	memset(name, 'x', sizeof(name));
	name[990] = ':';
	assert_int_equal(mime_looks_like_message(name, sizeof(name)), 1);
	name[990] = 'x';
	name[1100] = ':';
	assert_int_equal(mime_looks_like_message(name, sizeof(name)), 0);
}

static const struct {
	const char *type, *fname;
	int yes;
} part_cases[] = {
    {"application/tlsrpt+gzip", NULL, 1},
    {"application/tlsrpt+json", NULL, 1},
    {"application/tlsrpt", NULL, 1},
    {"application/tlsrpt+x-gzip", "x.txt", 1},
    {"Application/TLSRPT+GZIP", NULL, 1},
    {"application/tlsrptx", NULL, 0},
    {"application/tlsrp", NULL, 0},
    {"application/gzip", "r.json.gz", 1},
    {"application/x-gzip", "r.gz", 1},
    {"application/json", "r.json", 1},
    {"application/octet-stream", "R.JSON.GZ", 1},
    {"application/octet-stream", "r.json.gz.txt", 0},
    {"application/octet-stream", "r.zip", 0},
    {"application/octet-stream", ".gz", 1},
    {"application/octet-stream", "gz", 0},
    {"application/octet-stream", NULL, 0},
    {"application/json", NULL, 0},
    {"application/gzip", "", 0},
    {"text/plain", "r.json", 0},
    {"application/zip", "r.json.gz", 0},
    {NULL, "r.json", 0},
};

static void
test_is_report_part(void **state)
{
	size_t i;

	for (i = 0; i < NELEM(part_cases); i++) {
		if (mime_is_report_part(part_cases[i].type,
		                        part_cases[i].fname) !=
		    part_cases[i].yes)
			fail_msg("mime_is_report_part(%s, %s) != %d",
			         part_cases[i].type ? part_cases[i].type
			                            : "(null)",
			         part_cases[i].fname ? part_cases[i].fname
			                             : "(null)",
			         part_cases[i].yes);
	}
}

/* ---- one named test per table row ---- */

static const struct CMUnitTest fixed_tests[] = {
    cmocka_unit_test(test_corpus_all_listed),
    cmocka_unit_test(test_gzip_base64_roundtrip),
    cmocka_unit_test(test_depth_limit),
    cmocka_unit_test(test_depth_bomb),
    cmocka_unit_test(test_part_limit),
    cmocka_unit_test(test_report_limit),
    cmocka_unit_test(test_header_bomb),
    cmocka_unit_test(test_dash_lines),
    cmocka_unit_test(test_threads),
    cmocka_unit_test(test_misc),
    cmocka_unit_test(test_tlsrpt_content_type),
    cmocka_unit_test(test_looks_like_message),
    cmocka_unit_test(test_is_report_part),
};

int
main(void)
{
	struct tu_tests l = {0};

	report_init();
	TU_TESTS_ROWS(&l, corpus_cases, NELEM(corpus_cases), file,
	              test_corpus_case, NULL, NULL);
	TU_TESTS_ROWS(&l, msg_cases, NELEM(msg_cases), name, test_msg_case,
	              NULL, NULL);
	TU_TESTS_ROWS(&l, hints_cases, NELEM(hints_cases), name,
	              test_hints_case, NULL, NULL);
	tu_tests_add(&l, fixed_tests, NELEM(fixed_tests));
	return tu_tests_run(&l, "mime");
}
