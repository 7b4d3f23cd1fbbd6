package signaling

import (
	"errors"
	"fmt"
)

// Code is the machine-readable code of an error message, and of an HTTP
// refusal before the upgrade. docs/protocol.md lists them all.
type Code string

// Error codes sent in error messages.
const (
	CodeBadMessage         Code = "bad_message"         // malformed JSON, unknown or missing field, bad value
	CodeUnknownType        Code = "unknown_type"        // a type this protocol version does not have
	CodeUnexpectedType     Code = "unexpected_type"     // a server-to-client type sent by the client
	CodeUnsupportedVersion Code = "unsupported_version" // "v" is not Version
	CodeTooLarge           Code = "too_large"           // message or field over its limit
	CodeBadSDP             Code = "bad_sdp"             // the SDP was refused (no audio, no common codec, ...)
	CodeBadState           Code = "bad_state"           // the message makes no sense now (an answer with no offer out, ...)
	CodeInternal           Code = "internal"            // the server failed; the message reads "internal error"
)

// Refusal codes in the JSON body of an HTTP error before the upgrade.
const (
	CodeNotWebSocket   Code = "not_websocket"   // 400: not a WebSocket handshake
	CodeBadHandshake   Code = "bad_handshake"   // 400: the handshake failed
	CodeNotFound       Code = "not_found"       // 404: the path's session id is not a UUID
	CodeBadOrigin      Code = "bad_origin"      // 403: Origin not allowed
	CodeTicketMissing  Code = "ticket_missing"  // 401: no ?ticket=
	CodeTicketUnknown  Code = "ticket_unknown"  // 401: never issued, or long gone
	CodeTicketExpired  Code = "ticket_expired"  // 401: issued but not redeemed in time
	CodeTicketUsed     Code = "ticket_used"     // 401: already redeemed
	CodeTicketMismatch Code = "ticket_mismatch" // 403: the ticket is for another session
	CodeSessionBusy    Code = "session_busy"    // 409: the session already has a live socket
	CodeShuttingDown   Code = "shutting_down"   // 503: the server is stopping
)

// CloseCode is a WebSocket close status the server sends.
type CloseCode int

// Close codes. Standard ones come from RFC 6455 §7.4.1; the 4000 range is
// Viva's own.
const (
	CloseNormal          CloseCode = 1000 // the interview ended (after an ended message)
	CloseGoingAway       CloseCode = 1001 // the server is stopping; reconnect with a new ticket
	ClosePolicyViolation CloseCode = 1008 // too many bad messages in a row, or a fatal protocol error
	CloseTooLarge        CloseCode = 1009 // a message over the read limit
	CloseInternal        CloseCode = 1011 // the server failed
	CloseSlowConsumer    CloseCode = 4001 // the client did not read fast enough; its queue overflowed
	ClosePeerTimeout     CloseCode = 4002 // no pong (or anything) from the client within the pong wait
)

// Sentinel errors.
var (
	// ErrClosed is returned by Send on a closed connection, and by Serve on a
	// connection closed before it was served.
	ErrClosed = errors.New("signaling: connection closed")
	// ErrSlowConsumer means the client was dropped because its send queue
	// was full.
	ErrSlowConsumer = errors.New("signaling: slow consumer")
	// ErrPeerTimeout means the client stopped answering pings.
	ErrPeerTimeout = errors.New("signaling: peer timed out")
	// ErrTooLarge means the client sent a message over the read limit.
	ErrTooLarge = errors.New("signaling: message too large")
	// ErrBadMessages means the client sent too many bad messages in a row.
	ErrBadMessages = errors.New("signaling: too many bad messages")
)

// ProtocolError is a problem the client is told about in an error message.
// Parse returns them; a Handler returns one to choose the code the client
// sees. Close, when not zero, closes the connection with that code after the
// error message; otherwise the connection stays open.
type ProtocolError struct {
	Code    Code
	Message string
	Field   string // the message field at fault, if any
	Close   CloseCode
}

func (e *ProtocolError) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s (field %s)", e.Code, e.Message, e.Field)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func protocolErr(code Code, field, format string, args ...any) *ProtocolError {
	return &ProtocolError{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// errorMessage is what the client is told about err: a ProtocolError as it
// is (if its code is well formed), anything else as an internal error.
func errorMessage(err error) (*ErrorMessage, CloseCode) {
	var pe *ProtocolError
	if errors.As(err, &pe) && noticeCode.MatchString(string(pe.Code)) {
		return &ErrorMessage{Code: pe.Code, Message: pe.Message, Field: pe.Field}, pe.Close
	}
	return &ErrorMessage{Code: CodeInternal, Message: "internal error"}, 0
}
