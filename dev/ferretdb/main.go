// Command ferretdb-launcher serves the MongoDB wire protocol on top of SQLite by
// embedding FerretDB v1.24.2. It is the fallback database of the tests and the
// demo when neither MONGODB_URI nor a mongod on PATH is available; see
// dev/mongo-server.ts, which builds it into .cache/bin/ and starts it.
//
// We embed github.com/FerretDB/FerretDB/ferretdb instead of installing
// cmd/ferretdb because a binary built with
// `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2` panics at start:
// its build/version/version.txt is missing from the module zip.
//
// Usage:
//
//	ferretdb-launcher -listen 127.0.0.1:27017 -dir .cache/mongo-data -log-level warn
//
// Once the listener is bound it prints exactly one line on stdout,
// `ready mongodb://127.0.0.1:PORT/`, and then serves until SIGTERM or SIGINT
// (or until stdin reaches EOF when -exit-on-stdin-eof is set).
//
// Known FerretDB v1.24.2 behaviour, found by measurement; callers must keep to it:
//   - an `update` command with 100 or more statements hangs forever (99 works):
//     chunk bulkWrite/updateMany batches to at most 50 statements;
//   - every UPDATE scans the whole table, so its cost grows with the collection
//     (~15 ms per document at 10k documents), while insertMany is fast
//     (10k documents in ~160 ms): prefer batched inserts/replacements of new data;
//   - TTL indexes (expireAfterSeconds) are refused with code 238 NotImplemented:
//     fall back to a retention sweep;
//   - no multi-document transactions, change streams or $lookup;
//   - every command that fails (ok: 0) is logged at WARN with the full response,
//     including the harmless `endSessions` the Node.js driver sends on close;
//     use -log-level error for quiet output.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on (host:port)")
	dir := flag.String("dir", "data", "directory of the SQLite databases (created if missing)")
	logLevel := flag.String("log-level", "warn", "log level: error, warn, info or debug")
	stdinEOF := flag.Bool("exit-on-stdin-eof", false,
		"stop when stdin is closed; lets a parent that dies without cleaning up take the server with it")
	flag.Parse()

	if err := run(*listen, *dir, *logLevel, *stdinEOF); err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb-launcher:", err)
		os.Exit(1)
	}
}

func run(listen, dir, logLevel string, stdinEOF bool) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		return fmt.Errorf("bad -log-level %q: %w", logLevel, err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	absDir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if err = os.MkdirAll(absDir, 0o755); err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	if stdinEOF {
		go func() {
			// Nothing is ever written to stdin; Copy returns once the parent's end closes.
			_, _ = io.Copy(io.Discard, os.Stdin)
			stop()
		}()
	}

	f, err := ferretdb.New(&ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: listen},
		Logger:   logger,
		Handler:  "sqlite",
		// The SQLite URL must end with "/" (it names a directory: one file per
		// database). synchronous(OFF) is essential: without it every write
		// fsyncs and the tests run about 100 times slower. Data still survives
		// a crash of this process (SIGKILL), only not a crash of the OS, which
		// is fine for tests and the demo.
		SQLiteURL: "file:" + filepath.ToSlash(absDir) + "/?_pragma=synchronous(OFF)",
	})
	if err != nil {
		return err
	}

	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()

	// In v1.24.2 ferretdb.New already binds the TCP listener (clientconn.Listen
	// calls net.Listen), so connections queue in the backlog from here on; a
	// dial to confirm is unnecessary. MongoDBURI reports the bound address,
	// which also makes "-listen 127.0.0.1:0" work.
	fmt.Println("ready " + f.MongoDBURI())

	return <-done
}
