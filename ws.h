/*
 * ws.h: an RFC 6455 WebSocket client, without I/O.
 *
 * The opening handshake (a request head written into a caller's buffer, the
 * server's answer checked from an http_resp), an incremental frame parser
 * that reassembles messages, and a frame writer that masks.  It knows
 * nothing of what the messages mean, touches no descriptor and allocates
 * nothing.  No extension and no subprotocol is ever offered, so frames with
 * reserved bits set are protocol errors.
 *
 * Use, per connection:
 *
 *	ws_init(&w, msgbuf, sizeof msgbuf);
 *	n = ws_handshake(&w, out, sizeof out, &url, key16, NULL);
 *	... send out[0..n), feed the answer to http_resp_feed() until its
 *	    head is complete ...
 *	if (ws_handshake_check(&w, &resp) < 0) -> log ws_strerror(), drop
 *	... the bytes after the head are frames: ws_feed() them ...
 */
#ifndef WS_H
#define WS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "http.h"

/* Opcodes (RFC 6455 5.2); the data and control ones are also events. */
#define WS_OP_CONT	0x0
#define WS_OP_TEXT	0x1
#define WS_OP_BINARY	0x2
#define WS_OP_CLOSE	0x8
#define WS_OP_PING	0x9
#define WS_OP_PONG	0xa

/* ws_feed() result when all input was used and no event is complete. */
#define WS_NONE		0

/* Close status codes used here; WS_CLOSE_NOCODE never goes on the wire. */
#define WS_CLOSE_NORMAL		1000
#define WS_CLOSE_PROTOCOL	1002
#define WS_CLOSE_NOCODE		1005	/* close frame without payload */
#define WS_CLOSE_BADDATA	1007	/* invalid UTF-8 */
#define WS_CLOSE_TOOBIG		1009

/* A control frame carries at most this many payload bytes. */
#define WS_CTL_MAX	125

/* The client's nonce, before base64 (Sec-WebSocket-Key). */
#define WS_KEY_LEN	16

/*
 * Errors (ws_error()).  Frame errors map to the close code the client must
 * send before closing TCP (ws_close_code()); handshake errors mean there is
 * no WebSocket yet, only a connection to drop.
 */
enum {
	WS_EOK,
	/* Frames; close 1002. */
	WS_ERSV,	/* reserved bit set, no extension negotiated */
	WS_EOPCODE,	/* opcode 3-7 or 0xb-0xf */
	WS_EMASKED,	/* the server masked a frame */
	WS_ECTLFRAG,	/* control frame without FIN */
	WS_ECTLBIG,	/* control frame payload over 125 bytes */
	WS_ECONT,	/* continuation frame, no message to continue */
	WS_EINTERLEAVE,	/* new data frame inside a fragmented message */
	WS_ELENGTH,	/* length not in its shortest encoding */
	WS_ELENGTH64,	/* 64-bit length with the top bit set */
	WS_ECLOSELEN,	/* close frame with a 1-byte payload */
	WS_ECLOSECODE,	/* close status code not allowed on the wire */
	WS_ECLOSED,	/* bytes after the close frame */
	/* Frames; close 1007. */
	WS_EUTF8,	/* text message is not UTF-8 */
	WS_ECLOSEUTF8,	/* close reason is not UTF-8 */
	/* Frames; close 1009. */
	WS_ETOOBIG,	/* message larger than the message buffer */
	/* Handshake; no close frame. */
	WS_EHEAD,	/* the response head is not complete (or failed) */
	WS_ESTATUS,	/* status other than 101 */
	WS_EUPGRADE,	/* Upgrade lacks the token "websocket" */
	WS_ECONNECTION,	/* Connection lacks the token "upgrade" */
	WS_ENOACCEPT,	/* no Sec-WebSocket-Accept */
	WS_EACCEPT,	/* Sec-WebSocket-Accept does not match our key */
	WS_EEXTENSION,	/* Sec-WebSocket-Extensions we did not offer */
	WS_EPROTOCOL,	/* Sec-WebSocket-Protocol we did not offer */
	WS_ECOUNT
};

/*
 * An event from ws_feed().  data and len are the message (text, binary),
 * the payload (ping, pong) or the reason (close, not NUL-terminated).
 *
 * data points either into the input given to that ws_feed() call (a whole
 * unfragmented frame found in it is not copied), or into the message
 * buffer, or into the struct ws itself.  It stays valid until the next
 * ws_feed() or ws_init() on the same struct, and a view into the input
 * only as long as the caller keeps those input bytes where they were:
 * handle the event (or copy it) before consuming the input.
 */
struct ws_msg {
	int			 type;	/* WS_OP_TEXT ... WS_OP_PONG */
	const unsigned char	*data;
	size_t			 len;
	int			 code;	/* close: status or WS_CLOSE_NOCODE */
};

struct ws {
	/* Private. */
	unsigned char	*msg;		/* the caller's message buffer */
	size_t		 cap;
	size_t		 msglen;	/* bytes of the open message in msg */
	int		 msgop;		/* its opcode, 0 between messages */
	unsigned	 utf8;		/* its UTF-8 decoder state */
	int		 lazy;		/* see ws_lazy_utf8() */
	int		 unchecked;	/* the text message handed out last
					   was not checked (lazy) */
	int		 err;
	int		 closed;	/* the close frame has been seen */
	int		 rx;		/* what the parser waits for */
	unsigned char	 hdr[10];	/* frame header bytes so far */
	unsigned	 hlen;
	unsigned	 hneed;		/* 2, 4 or 10 */
	int		 fin;
	int		 op;		/* current frame's opcode */
	uint64_t	 flen;		/* its payload length */
	uint64_t	 fgot;		/* payload bytes of it taken */
	unsigned char	 ctl[WS_CTL_MAX];	/* a split control payload */
	int		 status;	/* handshake: the status received */
	char		 accept[32];	/* the Sec-WebSocket-Accept expected */
};

/*
 * Prepares w for a new connection, forgetting everything before (a sticky
 * error too).  msg[0..cap) receives messages that must be reassembled or
 * that arrive in pieces; a larger message is refused (WS_ETOOBIG, close
 * 1009).  slackbot uses WS_MSG_MAX.  msg must outlive w's use.
 */
void	ws_init(struct ws *, unsigned char *msg, size_t cap);

/*
 * Leaves the UTF-8 check of a text message that arrives whole in one
 * frame to the caller, for a caller that validates every text message
 * anyway with a check at least as strict (a strict JSON parser refuses
 * invalid UTF-8): such a message is then handed out unchecked, and when
 * the caller's own check fails it must call ws_check_text() before
 * deciding that the message is merely unusable.  Fragmented messages are
 * still checked as their pieces arrive.  Lasts until ws_init().
 */
void	ws_lazy_utf8(struct ws *);

/*
 * Checks data[0..len), the text message that the last ws_feed() handed
 * out, if it went out unchecked (ws_lazy_utf8()).  Returns 0 when it is
 * valid UTF-8 (or was checked already), or -1 with WS_EUTF8 in
 * ws_error(): a protocol error, as if ws_feed() had found it (close 1007).
 */
int	ws_check_text(struct ws *, const unsigned char *data, size_t len);

/*
 * 1 when part of a frame or of a fragmented message has been taken and
 * the rest has not come yet; 0 between messages.
 */
int	ws_partial(const struct ws *);

/* The name of an opcode ("text", "ping", ...), for the log. */
const char *ws_opname(int op);

/*
 * Writes the opening handshake for u (a ws or wss URL): GET with Host,
 * User-Agent, the extra lines (each "Name: value\r\n"; NULL for none),
 * Upgrade, Connection, Sec-WebSocket-Key (base64 of key[0..WS_KEY_LEN),
 * which must be fresh random bytes), Sec-WebSocket-Version: 13 and the
 * blank line; no extension or subprotocol is offered.  Remembers the
 * Sec-WebSocket-Accept to expect.  Returns the length (no NUL is
 * written), or 0 when it does not fit in cap bytes or http_req_head()
 * refuses u or extra.
 */
size_t	ws_handshake(struct ws *, char *out, size_t cap,
	    const struct url *u, const unsigned char *key, const char *extra);

/*
 * Checks the server's answer; r's head must be complete (state HTTP_BODY
 * or HTTP_DONE).  Wants status 101, "websocket" in Upgrade, "upgrade" in
 * Connection (both token lists, any case), exactly the Sec-WebSocket-Accept
 * for our key, and no Sec-WebSocket-Extensions or Sec-WebSocket-Protocol.
 * Returns 0, or -1 with the reason in ws_error() (sticky).
 */
int	ws_handshake_check(struct ws *, const struct http_resp *r);

/*
 * Feeds the next n bytes from the server.  Uses input up to the end of at
 * most one event and sets *used to the bytes used; call again with the
 * rest.  Returns:
 *	WS_OP_TEXT, WS_OP_BINARY	a complete message in *m (a text
 *					message is valid UTF-8, unless
 *					ws_lazy_utf8() left that to the
 *					caller)
 *	WS_OP_PING			answer with a pong carrying the same
 *					payload (ws_write_pong())
 *	WS_OP_PONG
 *	WS_OP_CLOSE			m->code and the reason; answer with
 *					ws_write_close(m->code), then close
 *	WS_NONE				all n bytes used, no event complete
 *	-1				protocol error: ws_error(), and send
 *					a close with ws_close_code() of it
 * After an error every call returns -1 with nothing used.  After a close
 * event any further byte is WS_ECLOSED (a close answering the server's is
 * already due then: do not send a second one).  See struct ws_msg for how
 * long m's data stays valid.
 */
int	ws_feed(struct ws *, const unsigned char *in, size_t n, size_t *used,
	    struct ws_msg *m);

/*
 * For diagnostics: WS_OP_TEXT or WS_OP_BINARY while a message has begun
 * but is not complete (fragmented, or one frame still arriving), else 0.
 * *buffered (when not NULL) gets the bytes of it held in the message
 * buffer.
 */
int	ws_receiving(const struct ws *, size_t *buffered);

/* Frame header length (masking key included) for a payload of len bytes. */
size_t	ws_hdrlen(size_t len);

/*
 * Writes one client frame: FIN set, opcode op, masked with key[0..4)
 * (fresh random bytes per frame), shortest length encoding.  data may lie
 * anywhere, even inside out (a caller that reserved ws_hdrlen(len) bytes
 * can build the payload at out + ws_hdrlen(len) and pass that).  Returns
 * the frame's length, ws_hdrlen(len) + len, or 0 when it does not fit in
 * cap bytes, op is not a data or control opcode, or a control payload is
 * over WS_CTL_MAX bytes.
 */
size_t	ws_write(unsigned char *out, size_t cap, int op, const void *data,
	    size_t len, const unsigned char *key);

/* A text frame; s must be UTF-8 (not checked).  As ws_write(). */
size_t	ws_write_text(unsigned char *out, size_t cap, const char *s,
	    size_t n, const unsigned char *key);

/* The pong answering ping (its payload echoed).  As ws_write(). */
size_t	ws_write_pong(unsigned char *out, size_t cap,
	    const struct ws_msg *ping, const unsigned char *key);

/*
 * A close frame with code and reason[0..n) (UTF-8, at most 123 bytes).
 * WS_CLOSE_NOCODE writes an empty payload (the answer to a close that had
 * none; n must be 0 then).  To answer a close, pass the peer's m->code.
 * Returns as ws_write(), and 0 for a code that may not be sent.
 */
size_t	ws_write_close(unsigned char *out, size_t cap, int code,
	    const char *reason, size_t n, const unsigned char *key);

/* The first error (WS_E*), which sticks; 0 (WS_EOK) while there is none. */
int	ws_error(const struct ws *);

/* The close code an error calls for: 1002, 1007, 1009; 0 for the rest. */
int	ws_close_code(int err);

/*
 * The error in words for one log line ("wrong Sec-WebSocket-Accept",
 * "server answered 403 instead of upgrading").  Returns buf.
 */
const char *ws_strerror(const struct ws *, char *buf, size_t len);

#endif
