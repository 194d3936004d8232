/* fileio.h -- the few file-system steps every durable write in skywatch shares. */
#ifndef SW_FILEIO_H
#define SW_FILEIO_H
#include <stddef.h>

/* Writes all n bytes to fd, retrying short writes and EINTR. Returns 0, or -1 with errno set. */
int sw_write_all(int fd, const void *p, size_t n);
/* fsyncs the directory at path, so a rename or a new file in it is durable. Returns 0 or -1. */
int sw_fsync_dir(const char *path);

#endif
