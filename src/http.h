/* http.h -- the HTTP/1.1 front end (libmicrohttpd): collects requests, hands them to sw_dispatch. */
#ifndef SW_HTTP_H
#define SW_HTTP_H
#include "protocol.h"

typedef struct sw_http sw_http;

/* Starts listening on host:port, one thread per connection, at most max_connections at once (more
 * are refused at accept). Returns NULL with a reason in err. */
sw_http *sw_http_start(sw_server *srv, const char *host, int port, int max_connections, char *err, size_t errlen);
/* Stops accepting, waits up to timeout_ms for requests in flight to finish, then shuts every open
 * connection down (up to 2 s more for their threads to close them) and stops the daemon. */
void sw_http_stop(sw_http *h, int timeout_ms);
/* The port actually bound (useful with port 0). */
int sw_http_port(sw_http *h);

#endif
