// The seed's Go server, stdlib only: the reference that hearth replaces and
// the upstream that nginx proxies to in `make bench`.
//
//	/          -> http.ServeFile(ROOT/index.html)
//	/public/   -> http.StripPrefix("/public/", http.FileServer(http.Dir(ROOT/public)))
//	/json      -> encoding/json {"message","pid","worker","time"}
//	/plaintext -> "Hello, World!" (text/plain; hearth's demo /plaintext)
//	/json/plain -> encoding/json {"message":"Hello, World!"} (hearth's /json/plain)
//	/wait?ms=N -> time.Sleep(N ms), then {"waited_ms":N} (hearth's /demo/wait)
//
// Usage: seed_server -addr 127.0.0.1:8080 -root DIR
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

type message struct {
	Message string `json:"message"`
}

type greeting struct {
	Message string `json:"message"`
	Pid     int    `json:"pid"`
	Worker  int    `json:"worker"`
	Time    string `json:"time"`
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address (host:port)")
	root := flag.String("root", ".", "document root holding index.html and public/")
	flag.Parse()

	index := filepath.Join(*root, "index.html")
	pid := os.Getpid()
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		http.ServeFile(w, r, index)
	})
	mux.Handle("/public/", http.StripPrefix("/public/",
		http.FileServer(http.Dir(filepath.Join(*root, "public")))))
	mux.HandleFunc("/json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(greeting{
			Message: "Hello, World!",
			Pid:     pid,
			Worker:  0,
			Time:    time.Now().UTC().Format(time.RFC3339Nano),
		})
	})
	// TechEmpower's plaintext and JSON tests, as hearth's demo has them (the
	// JSON encoded per request, with the newline hearth's res.json adds).
	hello := []byte("Hello, World!")
	mux.HandleFunc("/plaintext", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write(hello)
	})
	mux.HandleFunc("/json/plain", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(message{Message: "Hello, World!"})
	})
	mux.HandleFunc("/wait", func(w http.ResponseWriter, r *http.Request) {
		ms, err := strconv.Atoi(r.URL.Query().Get("ms"))
		if err != nil || ms < 0 || ms > 60000 {
			http.Error(w, "ms must be 0..60000", http.StatusBadRequest)
			return
		}
		time.Sleep(time.Duration(ms) * time.Millisecond)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, "{\"waited_ms\":%d}\n", ms)
	})
	log.Fatal(http.ListenAndServe(*addr, mux))
}
