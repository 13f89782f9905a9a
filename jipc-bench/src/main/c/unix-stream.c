/*
 * `jipc bench` C baseline for `unix-stream`: a connected pair of UNIX-domain stream sockets
 * (socketpair before fork), send/recv looping over short transfers as jipc's UnixSocket does.
 */
#define SOCKETPAIR_TYPE SOCK_STREAM
#define SOCKETPAIR_SEND send_fully
#define SOCKETPAIR_RECV recv_fully
#include "socketpair.h"
