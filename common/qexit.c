/* qexit.c: meanings of the queue program's exit codes. */
#include "qexit.h"

int
qexit_permanent(int code)
{
	return code >= 11 && code <= 40;
}

const char *
qexit_text(int code)
{
	switch (code) {
	case QX_OK:      return "queued";
	case QX_ADDR:    return "address too long or invalid";
	case QX_RCPTS:   return "too many recipients";
	case QX_SIZE:    return "message too large";
	case QX_NOMEM:   return "out of memory";
	case QX_TIMEOUT: return "timeout reading the message";
	case QX_WRITE:   return "cannot write to the queue (disk full?)";
	case QX_READ:    return "cannot read the message or envelope";
	case QX_CONTROL: return "cannot read a control file";
	case QX_HOME:    return "home folder unusable";
	case QX_QUEUE:   return "queue folder unusable";
	case QX_MESS:    return "problem with queue/mess";
	case QX_INTD:    return "problem with queue/intd";
	case QX_TODO:    return "problem with queue/todo";
	case QX_BUG:     return "internal error in the queue";
	case QX_FORMAT:  return "envelope format error";
	default:
		return qexit_permanent(code) ? "permanent queue failure" :
		    "temporary queue failure";
	}
}
