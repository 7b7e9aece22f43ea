/*
 * nosync.c: an LD_PRELOAD shim for bench/ only, never for mail that
 * matters: fsync(2) and fdatasync(2) return at once. bench/run fills a
 * throw-away queue of 100,000 messages with the real stamp-queue through it,
 * for the memory figure of stamp-send; with every fsync waited for, the fill
 * alone would take longer than the whole benchmark.
 */
int fsync(int fd);
int fdatasync(int fd);

int
fsync(int fd)
{
	(void)fd;
	return 0;
}

int
fdatasync(int fd)
{
	(void)fd;
	return 0;
}
