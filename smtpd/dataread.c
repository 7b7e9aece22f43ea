/* dataread.c: the DATA and BDAT scanner (see dataread.h). */
#include "dataread.h"

void
dataread_init(struct dataread *d, int dots)
{
	d->state = DS_BOL;
	d->dots = dots;
	d->bare_lf = d->bare_cr = 0;
}

/* One text byte inside a line (not after CR). */
static enum ds_state
text_byte(struct dataread *d, char c, char *out, size_t *o)
{
	if (c == '\r')
		return DS_CR;	/* held until we know what follows */
	if (c == '\n')
		d->bare_lf++;	/* kept, but never a line end */
	out[(*o)++] = c;
	return DS_TEXT;
}

/* The byte after a CR inside a line. */
static enum ds_state
after_cr(struct dataread *d, char c, char *out, size_t *o)
{
	out[(*o)++] = '\r';
	if (c == '\n') {
		out[(*o)++] = '\n';
		return DS_BOL;
	}
	d->bare_cr++;
	return text_byte(d, c, out, o);
}

size_t
dataread_scan(struct dataread *d, const char *in, size_t n, char *out, size_t *outn)
{
	size_t	 i, o = 0;

	for (i = 0; i < n && d->state != DS_END; i++) {
		char c = in[i];

		switch (d->state) {
		case DS_BOL:
			if (c == '.' && d->dots) {
				d->state = DS_DOT;
				break;
			}
			d->state = text_byte(d, c, out, &o);
			break;
		case DS_DOT:
			/* The dot was stuffing (or the start of the terminator). */
			d->state = c == '\r' ? DS_DOTCR : text_byte(d, c, out, &o);
			break;
		case DS_DOTCR:
			if (c == '\n') {
				d->state = DS_END;
				break;
			}
			d->state = after_cr(d, c, out, &o);
			break;
		case DS_TEXT:
			d->state = text_byte(d, c, out, &o);
			break;
		case DS_CR:
			d->state = after_cr(d, c, out, &o);
			break;
		case DS_END:
			break;
		}
	}
	*outn = o;
	return i;
}

size_t
dataread_finish(struct dataread *d, char *out)
{
	if (d->state != DS_CR)
		return 0;
	d->bare_cr++;
	d->state = DS_TEXT;
	out[0] = '\r';
	return 1;
}

int
dataread_bare(const struct dataread *d)
{
	return d->bare_lf > 0 || d->bare_cr > 0;
}
