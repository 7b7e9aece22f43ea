/* vdomain.c: control/virtualdomains matching (see vdomain.h). */
#include "vdomain.h"

#include <string.h>
#include <strings.h>

const char *
vdomain_prefix(const struct ctl_list *l, const char *domain, size_t *len)
{
	size_t		 dlen = strlen(domain), best = 0;
	const char	*found = NULL;

	*len = 0;
	if (dlen == 0)
		return NULL;
	for (size_t i = 0; i < l->n; i++) {
		const char *it = l->items[i], *colon = strchr(it, ':');
		size_t klen = colon != NULL ? (size_t)(colon - it) : strlen(it);
		const char *prefix = colon != NULL ? colon + 1 : "";

		if (klen == 0)
			continue;
		if (klen == dlen && strncasecmp(it, domain, dlen) == 0) {
			*len = strlen(prefix);
			return prefix;
		}
		/* ".example.com" covers a.example.com, never example.com itself. */
		if (it[0] == '.' && klen > 1 && klen < dlen && klen > best &&
		    strncasecmp(it, domain + dlen - klen, klen) == 0) {
			found = prefix;
			best = klen;
		}
	}
	if (found != NULL)
		*len = strlen(found);
	return found;
}

int
vdomain_has(const struct ctl_list *l, const char *domain)
{
	size_t	 len;

	return vdomain_prefix(l, domain, &len) != NULL;
}
