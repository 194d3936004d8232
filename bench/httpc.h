/* httpc.h -- the load generators' HTTP/1.1 client side and measuring helpers, shared by loadgen.c,
 * logs_loadgen.c and metrics_gen.c. */
#ifndef SW_BENCH_HTTPC_H
#define SW_BENCH_HTTPC_H
#include "buf.h"
#include <stddef.h>
#include <sys/uio.h>

typedef struct bench_conn {
    int fd;
    char *in;           /* response bytes */
    size_t inlen, incap;
    sw_buf head;
} bench_conn;

/* writev until every iovec is written (iov is consumed). Returns 0 or -1. */
int bench_write_all(int fd, struct iovec *iov, int n);
/* Reads more response bytes into c->in. Returns what read(2) returned. */
int bench_fill(bench_conn *c);
/* Returns the value of header name in the head [head, head+hlen), or NULL. */
const char *bench_find_header(const char *head, size_t hlen, const char *name);
/* Reads one response. Returns the status, -1 on a broken connection, -2 for a chunked response.
 * *body and *blen point into c->in until the next call; *closing is set when the server will close. */
int bench_read_response(bench_conn *c, const char **body, size_t *blen, int *closing);
/* Writes the prepared request head (c->head) and body on c->fd and reads the answer; closes the connection
 * (fd -1) when it broke or the server will close it, so the caller can reconnect and retry. Returns the status
 * or -1. */
int bench_send(bench_conn *c, const void *body, size_t len, const char **rbody, size_t *rlen);
/* Closes the connection and frees its buffers. */
void bench_conn_free(bench_conn *c);

/* Seconds on the monotonic clock. */
double bench_now(void);
/* CPU seconds (user + system) of this process. */
double bench_self_cpu(void);
/* CPU seconds (user + system, all threads) of process pid from /proc/PID/stat; 0 when it cannot be read. */
double bench_proc_cpu(int pid);

#endif
