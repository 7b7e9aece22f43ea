/* dkimkey.c: RSA keys and their DKIM TXT record (see dkimkey.h). */
#include "dkimkey.h"

#include <ctype.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "log.h"

#define NAME_MAX_OCTETS 253
#define LABEL_MAX       63

int
dkim_name_ok(const char *name)
{
	size_t n = strlen(name), label = 0;

	if (n == 0 || n > NAME_MAX_OCTETS)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c == '.') {
			/* An empty label, or one that ends with a hyphen. */
			if (label == 0 || name[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!isalnum(c) && c != '-' && c != '_')
			return 0;
		if (label == 0 && c == '-')
			return 0;
		if (++label > LABEL_MAX)
			return 0;
	}
	return label > 0 && name[n - 1] != '-';
}

/* Log libcrypto's error queue as one line, and empty it. */
static void
crypto_warn(const char *what)
{
	char buf[256];
	unsigned long e = ERR_get_error();

	ERR_error_string_n(e, buf, sizeof buf);
	log_warnx("reason=\"%s\" error=\"%s\"", what, e ? buf : "unknown");
	ERR_clear_error();
}

/* *pub = base64(SubjectPublicKeyInfo of key). */
static int
public_b64(EVP_PKEY *key, struct str *pub)
{
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(key, &der);
	int rc = -1;

	if (n <= 0) {
		crypto_warn("cannot encode the public key");
		return -1;
	}
	str_clear(pub);
	/* EVP_EncodeBlock writes 4 octets per 3, and a NUL. */
	if (str_reserve(pub, (size_t)(n + 2) / 3 * 4 + 1) == 0) {
		int m = EVP_EncodeBlock((unsigned char *)pub->s, der, n);
		pub->len = (size_t)m;
		pub->s[m] = '\0';
		rc = 0;
	} else {
		log_warn("reason=\"no memory\"");
	}
	OPENSSL_free(der);
	return rc;
}

int
dkim_generate(int bits, struct str *pem, struct str *pub)
{
	EVP_PKEY *key = EVP_RSA_gen((unsigned)bits);
	BIO *mem = NULL;
	char *data;
	long n;
	int rc = -1;

	if (key == NULL) {
		crypto_warn("cannot generate the RSA key");
		return -1;
	}
	mem = BIO_new(BIO_s_mem());
	if (mem == NULL || !PEM_write_bio_PrivateKey(mem, key, NULL, NULL, 0, NULL, NULL)) {
		crypto_warn("cannot write the private key");
		goto out;
	}
	n = BIO_get_mem_data(mem, &data);
	if (n <= 0 || str_set(pem, data, (size_t)n) == -1) {
		log_warnx("reason=\"cannot keep the private key\"");
		goto out;
	}
	rc = public_b64(key, pub);
out:
	BIO_free(mem);   /* BIO_s_mem frees (without clearing) its buffer */
	EVP_PKEY_free(key);
	return rc;
}

int
dkim_public_of(const char *pem, size_t n, struct str *pub)
{
	BIO *mem = BIO_new_mem_buf(pem, (int)n);
	EVP_PKEY *key = NULL;
	int rc = -1;

	if (mem == NULL || n > (size_t)1 << 20) {
		crypto_warn("cannot read the key");
		goto out;
	}
	key = PEM_read_bio_PrivateKey(mem, NULL, NULL, NULL);
	if (key == NULL) {
		crypto_warn("not a PEM private key");
		goto out;
	}
	if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
		log_warnx("reason=\"not an RSA key\"");
		goto out;
	}
	rc = public_b64(key, pub);
out:
	EVP_PKEY_free(key);
	BIO_free(mem);
	return rc;
}

int
dkim_record(struct str *out, const char *selector, const char *domain, const char *pub)
{
	struct str val = STR_INIT;
	int rc = -1;

	str_clear(out);
	if (str_appendf(&val, "v=DKIM1; k=rsa; p=%s", pub) == -1 ||
	    str_appendf(out, "%s._domainkey.%s. IN TXT", selector, domain) == -1)
		goto out;
	for (size_t i = 0; i < val.len; i += DKIM_TXT_STRING) {
		size_t k = val.len - i < DKIM_TXT_STRING ? val.len - i : DKIM_TXT_STRING;
		if (str_appendf(out, " \"%.*s\"", (int)k, val.s + i) == -1)
			goto out;
	}
	rc = 0;
out:
	str_free(&val);
	return rc;
}
