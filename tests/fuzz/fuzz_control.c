/*
 * fuzz_control.c: the control-file reader, on a scratch file. Properties:
 * items have no surrounding blanks, no comment, no NUL or LF, and none is
 * longer than a line may be.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "fsutil.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char	 path[64];
	struct ctl_list	 l = { NULL, 0 };
	int		 fd;

	if (path[0] == '\0')
		snprintf(path, sizeof path, "/tmp/fuzz_control.%ld", (long)getpid());
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) == -1)
		abort();
	FUZZ_ASSERT(write_full(fd, data, size) == 0);
	close(fd);
	if (ctl_read_file(path, &l) == 1) {
		for (size_t i = 0; i < l.n; i++) {
			const char *s = l.items[i];
			size_t n = strlen(s);

			FUZZ_ASSERT(n > 0 && n <= CTL_LINE_MAX);
			FUZZ_ASSERT(strchr(s, '\n') == NULL && strchr(s, '#') == NULL);
			FUZZ_ASSERT(s[0] != ' ' && s[0] != '\t');
			FUZZ_ASSERT(s[n - 1] != ' ' && s[n - 1] != '\t' && s[n - 1] != '\r');
		}
	}
	ctl_list_free(&l);
	unlink(path);
	return 0;
}
