/* ckmain.h: the main() every check suite shares: run, report, exit status. */
#ifndef STAMP_CKMAIN_H
#define STAMP_CKMAIN_H

#include <check.h>
#include <stdlib.h>

static inline int
ck_run(Suite *s)
{
	SRunner	*sr = srunner_create(s);
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
