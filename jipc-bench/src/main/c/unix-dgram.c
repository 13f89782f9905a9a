/*
 * `jipc bench` C baseline for `unix-dgram`: a connected pair of UNIX-domain dgram sockets
 * (socketpair before fork), one send/recv(MSG_TRUNC) per datagram as jipc does.
 */
#define SOCKETPAIR_TYPE SOCK_DGRAM
#define SOCKETPAIR_SEND send_message
#define SOCKETPAIR_RECV recv_message
#include "socketpair.h"
