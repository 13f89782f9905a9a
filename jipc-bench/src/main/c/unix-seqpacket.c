/*
 * `jipc bench` C baseline for `unix-seqpacket`: a connected pair of UNIX-domain seqpacket sockets
 * (socketpair before fork), one send/recv(MSG_TRUNC) per record as jipc does.
 */
#define SOCKETPAIR_TYPE SOCK_SEQPACKET
#define SOCKETPAIR_SEND send_message
#define SOCKETPAIR_RECV recv_message
#include "socketpair.h"
