// upstream_app: the HTTP app the upstream tests put behind hearth
// (tests/process/upstream_test.cc). Standard library only.
//
// Usage: upstream_app [-addr HOST:PORT | -socket PATH]
// Without either flag it listens on 127.0.0.1:$PORT, or on the unix socket
// $SOCKET (what hearth's upstream.command puts in the environment).
//
//	GET /health          200 "ok"
//	/json                {"message":"Hello, World!","pid":PID}
//	/pid                 the pid as text
//	/slow?ms=N           sleeps N ms, then {"waited_ms":N}
//	/upload              reads the body as it comes (never whole): {"bytes":N,"sha256":"hex"}
//	/echo                streams the request body back, same Content-Type
//	/download?mb=N       N MiB of byte i = i*7 mod 251, with Content-Length;
//	                     &chunked=1: without (chunked, flushed every 64 KiB)
//	/headers             JSON: request headers (canonical name -> values joined
//	                     with ", "), plus "host", "remote", "method", "proto",
//	                     "content_length", "transfer_encoding"
//	/hop-headers         a reply carrying hop-by-hop headers (Connection names
//	                     X-Hop-Reply; Keep-Alive, Proxy-Connection) and Server
//	/text?kb=N           N KiB of text/plain lorem ipsum, with Content-Length
//	/text-chunked?kb=N   the same, flushed in 8 KiB pieces (chunked)
//	/encoded             text gzipped here, Content-Encoding: gzip
//	/early-hints         103 with a Link header, then 200 "after hints"
//	/panic               kills the whole process (a panic outside net/http's recovery), no answer
//	/socket              WebSocket echo (RFC 6455, written here)
//	/status/NNN          answers status NNN with a small body
//	anything else        Go's own 404
//
// SIGTERM/SIGINT: stops accepting, lets requests in flight finish (3 s at
// most), exits 0.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"
)

var pid = os.Getpid()

const lorem = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor " +
	"incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud " +
	"exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat.\n"

// loremText returns n bytes of repeated lorem ipsum.
func loremText(n int) []byte {
	out := make([]byte, 0, n+len(lorem))
	for len(out) < n {
		out = append(out, lorem...)
	}
	return out[:n]
}

// downloadBlock holds a whole number of periods of the download pattern
// (byte i = i*7 mod 251), so writing it again and again continues the pattern.
var downloadBlock = func() []byte {
	b := make([]byte, 251*261) // 65,511 bytes
	for i := range b {
		b[i] = byte(i * 7 % 251)
	}
	return b
}()

var encodedBody = func() []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte("This body was gzipped by the upstream app itself.\n"))
	zw.Write(loremText(8 * 1024))
	zw.Close()
	return buf.Bytes()
}()

func intParam(r *http.Request, name string, def, max int) (int, bool) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > max {
		return 0, false
	}
	return n, true
}

func writeJSON(w http.ResponseWriter, status int, v interface{}) {
	body, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

func health(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	io.WriteString(w, "ok")
}

func jsonRoute(w http.ResponseWriter, r *http.Request) {
	body := fmt.Sprintf("{\"message\":\"Hello, World!\",\"pid\":%d}", pid)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	io.WriteString(w, body)
}

func pidRoute(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	io.WriteString(w, strconv.Itoa(pid))
}

func slow(w http.ResponseWriter, r *http.Request) {
	ms, ok := intParam(r, "ms", 0, 600000)
	if !ok {
		http.Error(w, "ms must be 0..600000", http.StatusBadRequest)
		return
	}
	t := time.NewTimer(time.Duration(ms) * time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done(): // the client (hearth) gave up
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"waited_ms": ms})
}

func upload(w http.ResponseWriter, r *http.Request) {
	h := sha256.New()
	n, err := io.Copy(h, r.Body)
	if err != nil {
		http.Error(w, "reading the body: "+err.Error(), http.StatusBadRequest)
		return
	}
	writeJSON(w, http.StatusOK, map[string]interface{}{"bytes": n, "sha256": hex.EncodeToString(h.Sum(nil))})
}

// echo streams the body back while it is still arriving. Go 1.19's HTTP/1
// server reads away (or refuses) the rest of a request body once the
// response starts (Go 1.21's EnableFullDuplex lifts that), so the exchange
// is taken over with the Hijacker: the body is read with its own framing and
// the answer written chunked, then the connection is closed.
func echo(w http.ResponseWriter, r *http.Request) {
	chunked := len(r.TransferEncoding) > 0 && r.TransferEncoding[0] == "chunked"
	if !chunked && r.ContentLength <= 0 {
		w.Header().Set("Content-Type", r.Header.Get("Content-Type"))
		w.Header().Set("Content-Length", "0")
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "cannot hijack", http.StatusInternalServerError)
		return
	}
	conn, rw, err := hj.Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	conn.SetDeadline(time.Time{})
	if strings.EqualFold(r.Header.Get("Expect"), "100-continue") {
		rw.WriteString("HTTP/1.1 100 Continue\r\n\r\n")
	}
	var body io.Reader
	if chunked {
		body = httputil.NewChunkedReader(rw.Reader)
	} else {
		body = io.LimitReader(rw.Reader, r.ContentLength)
	}
	head := "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n"
	if ct := r.Header.Get("Content-Type"); ct != "" {
		head += "Content-Type: " + ct + "\r\n"
	}
	rw.WriteString(head + "\r\n")
	if rw.Flush() != nil {
		return
	}
	cw := httputil.NewChunkedWriter(rw.Writer)
	buf := make([]byte, 64*1024)
	for {
		n, err := body.Read(buf)
		if n > 0 {
			if _, werr := cw.Write(buf[:n]); werr != nil || rw.Flush() != nil {
				return
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return // a broken request body: the answer stays unfinished
		}
	}
	cw.Close() // the last chunk
	rw.WriteString("\r\n")
	rw.Flush()
}

func download(w http.ResponseWriter, r *http.Request) {
	mb, ok := intParam(r, "mb", 1, 4096)
	if !ok {
		http.Error(w, "mb must be 0..4096", http.StatusBadRequest)
		return
	}
	chunked := r.URL.Query().Get("chunked") == "1"
	total := int64(mb) << 20
	w.Header().Set("Content-Type", "application/octet-stream")
	if !chunked {
		w.Header().Set("Content-Length", strconv.FormatInt(total, 10))
	}
	flusher, _ := w.(http.Flusher)
	var sent int64
	for sent < total {
		piece := downloadBlock
		if left := total - sent; left < int64(len(piece)) {
			piece = piece[:left]
		}
		n, err := w.Write(piece)
		sent += int64(n)
		if err != nil {
			return
		}
		if chunked && flusher != nil {
			flusher.Flush()
		}
	}
}

func headers(w http.ResponseWriter, r *http.Request) {
	out := map[string]interface{}{}
	for name, values := range r.Header {
		out[name] = strings.Join(values, ", ")
	}
	out["host"] = r.Host
	out["remote"] = r.RemoteAddr
	out["method"] = r.Method
	out["proto"] = r.Proto
	out["content_length"] = r.ContentLength
	out["transfer_encoding"] = strings.Join(r.TransferEncoding, ", ")
	io.Copy(io.Discard, r.Body)
	writeJSON(w, http.StatusOK, out)
}

func hopHeaders(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Connection", "X-Hop-Reply")
	h.Set("X-Hop-Reply", "1")
	h.Set("Keep-Alive", "timeout=99")
	h.Set("Proxy-Connection", "keep-alive")
	h.Set("Server", "upstream_app")
	h.Set("X-End-To-End", "kept")
	h.Set("Content-Type", "text/plain")
	io.WriteString(w, "hop")
}

func text(w http.ResponseWriter, r *http.Request) {
	kb, ok := intParam(r, "kb", 1, 1<<20)
	if !ok {
		http.Error(w, "kb must be 0..1048576", http.StatusBadRequest)
		return
	}
	body := loremText(kb * 1024)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
}

func textChunked(w http.ResponseWriter, r *http.Request) {
	kb, ok := intParam(r, "kb", 1, 1<<20)
	if !ok {
		http.Error(w, "kb must be 0..1048576", http.StatusBadRequest)
		return
	}
	body := loremText(kb * 1024)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	flusher, _ := w.(http.Flusher)
	for len(body) > 0 {
		n := 8 * 1024
		if n > len(body) {
			n = len(body)
		}
		if _, err := w.Write(body[:n]); err != nil {
			return
		}
		body = body[n:]
		if flusher != nil {
			flusher.Flush()
		}
	}
}

func encoded(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("Content-Encoding", "gzip")
	w.Header().Set("Content-Length", strconv.Itoa(len(encodedBody)))
	w.Write(encodedBody)
}

func earlyHints(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Link", "</style.css>; rel=preload")
	w.WriteHeader(http.StatusEarlyHints)
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, "after hints")
}

func panicRoute(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintf(os.Stderr, "upstream_app: /panic: going down (pid %d)\n", pid)
	// net/http recovers a panic in the handler's own goroutine; one in a
	// goroutine of its own ends the process (exit status 2).
	go func() { panic("upstream_app: /panic asked for it") }()
	time.Sleep(10 * time.Second) // never answers
}

func statusRoute(w http.ResponseWriter, r *http.Request) {
	code, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/status/"))
	if err != nil || code < 200 || code > 599 {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(code)
	fmt.Fprintf(w, "status %d from upstream_app\n", code)
}

// ---------------------------------------------------------------- WebSocket

const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
const wsMaxMessage = 16 << 20

func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

func socket(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get("Sec-WebSocket-Key")
	if r.Method != http.MethodGet || !headerHasToken(r.Header, "Upgrade", "websocket") ||
		!headerHasToken(r.Header, "Connection", "upgrade") || key == "" ||
		r.Header.Get("Sec-WebSocket-Version") != "13" {
		w.Header().Set("Sec-WebSocket-Version", "13")
		http.Error(w, "a WebSocket upgrade (version 13) is expected", http.StatusBadRequest)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "cannot hijack", http.StatusInternalServerError)
		return
	}
	conn, rw, err := hj.Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	conn.SetDeadline(time.Time{})
	sum := sha1.Sum([]byte(key + wsGUID))
	rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: " + base64.StdEncoding.EncodeToString(sum[:]) + "\r\n\r\n")
	if rw.Flush() != nil {
		return
	}
	wsEcho(rw)
}

type wsFrame struct {
	fin     bool
	opcode  byte
	payload []byte
}

var errProtocol = errors.New("protocol error")

func wsRead(r *bufio.Reader) (wsFrame, error) {
	var f wsFrame
	var head [2]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return f, err
	}
	f.fin = head[0]&0x80 != 0
	if head[0]&0x70 != 0 { // no extension was negotiated: RSV bits must be 0
		return f, errProtocol
	}
	f.opcode = head[0] & 0x0f
	masked := head[1]&0x80 != 0
	length := uint64(head[1] & 0x7f)
	switch length {
	case 126:
		var ext [2]byte
		if _, err := io.ReadFull(r, ext[:]); err != nil {
			return f, err
		}
		length = uint64(binary.BigEndian.Uint16(ext[:]))
	case 127:
		var ext [8]byte
		if _, err := io.ReadFull(r, ext[:]); err != nil {
			return f, err
		}
		length = binary.BigEndian.Uint64(ext[:])
	}
	if !masked || length > wsMaxMessage {
		return f, errProtocol
	}
	if f.opcode >= 8 && (length > 125 || !f.fin) {
		return f, errProtocol
	}
	var mask [4]byte
	if _, err := io.ReadFull(r, mask[:]); err != nil {
		return f, err
	}
	f.payload = make([]byte, length)
	if _, err := io.ReadFull(r, f.payload); err != nil {
		return f, err
	}
	for i := range f.payload {
		f.payload[i] ^= mask[i%4]
	}
	return f, nil
}

func wsWrite(w *bufio.Writer, opcode byte, payload []byte) error {
	head := []byte{0x80 | opcode}
	switch n := len(payload); {
	case n < 126:
		head = append(head, byte(n))
	case n < 1<<16:
		head = append(head, 126, byte(n>>8), byte(n))
	default:
		var ext [8]byte
		binary.BigEndian.PutUint64(ext[:], uint64(n))
		head = append(append(head, 127), ext[:]...)
	}
	w.Write(head)
	w.Write(payload)
	return w.Flush()
}

func wsClose(w *bufio.Writer, code uint16) {
	var p [2]byte
	binary.BigEndian.PutUint16(p[:], code)
	wsWrite(w, 0x8, p[:])
}

// wsEcho answers each complete message (text or binary, fragmented or not)
// with one unmasked frame of the same type, pings with pongs, a close with
// the same close (code and reason).
func wsEcho(rw *bufio.ReadWriter) {
	var message []byte
	var messageOp byte // 0: no message in progress
	for {
		f, err := wsRead(rw.Reader)
		if err != nil {
			if err == errProtocol {
				wsClose(rw.Writer, 1002)
			}
			return
		}
		switch f.opcode {
		case 0x8: // close
			wsWrite(rw.Writer, 0x8, f.payload) // the same code and reason
			return
		case 0x9: // ping
			if wsWrite(rw.Writer, 0xA, f.payload) != nil {
				return
			}
			continue
		case 0xA: // pong
			continue
		case 0x1, 0x2:
			if messageOp != 0 {
				wsClose(rw.Writer, 1002)
				return
			}
			messageOp = f.opcode
			message = append(message[:0], f.payload...)
		case 0x0:
			if messageOp == 0 {
				wsClose(rw.Writer, 1002)
				return
			}
			if len(message)+len(f.payload) > wsMaxMessage {
				wsClose(rw.Writer, 1009)
				return
			}
			message = append(message, f.payload...)
		default:
			wsClose(rw.Writer, 1002)
			return
		}
		if !f.fin {
			continue
		}
		if messageOp == 0x1 && !utf8.Valid(message) {
			wsClose(rw.Writer, 1007)
			return
		}
		if wsWrite(rw.Writer, messageOp, message) != nil {
			return
		}
		messageOp = 0
	}
}

// ---------------------------------------------------------------- main

func listen(addr, socketPath string) (net.Listener, string, error) {
	if addr == "" && socketPath == "" {
		if s := os.Getenv("SOCKET"); s != "" {
			socketPath = s
		} else if p := os.Getenv("PORT"); p != "" {
			addr = "127.0.0.1:" + p
		} else {
			return nil, "", errors.New("no -addr, -socket, $PORT or $SOCKET")
		}
	}
	if socketPath != "" {
		if fi, err := os.Lstat(socketPath); err == nil && fi.Mode()&os.ModeSocket != 0 {
			os.Remove(socketPath) // a stale socket from a process that was killed
		}
		l, err := net.Listen("unix", socketPath)
		return l, "unix:" + socketPath, err
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", err
	}
	return l, l.Addr().String(), nil
}

func main() {
	addr := flag.String("addr", "", "listen on HOST:PORT")
	socketPath := flag.String("socket", "", "listen on this unix socket")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("upstream_app: ")

	l, where, err := listen(*addr, *socketPath)
	if err != nil {
		log.Fatalf("listen: %v", err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("/health", health)
	mux.HandleFunc("/json", jsonRoute)
	mux.HandleFunc("/pid", pidRoute)
	mux.HandleFunc("/slow", slow)
	mux.HandleFunc("/upload", upload)
	mux.HandleFunc("/echo", echo)
	mux.HandleFunc("/download", download)
	mux.HandleFunc("/headers", headers)
	mux.HandleFunc("/hop-headers", hopHeaders)
	mux.HandleFunc("/text", text)
	mux.HandleFunc("/text-chunked", textChunked)
	mux.HandleFunc("/encoded", encoded)
	mux.HandleFunc("/early-hints", earlyHints)
	mux.HandleFunc("/panic", panicRoute)
	mux.HandleFunc("/socket", socket)
	mux.HandleFunc("/status/", statusRoute)

	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 30 * time.Second}
	done := make(chan struct{})
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
		s := <-sig
		log.Printf("pid %d: %v, shutting down", pid, s)
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		close(done)
	}()
	// Not "listening on": ServerProcess looks for that in the error log, where
	// the instances hearth runs write too.
	log.Printf("pid %d serving HTTP at %s", pid, where)
	if err := srv.Serve(l); err != nil && err != http.ErrServerClosed {
		log.Fatalf("serve: %v", err)
	}
	<-done
}
