package dev.scimsync.mongojava;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

/**
 * Serves the MongoDB wire protocol from memory with de.bwaldvogel:mongo-java-server,
 * the fast local database of the tests and benchmarks (dev/mongo-server.ts builds
 * this into .cache/bin/ and starts it). Same contract as dev/ferretdb/main.go:
 *
 * <pre>
 * java -jar mongo-java-launcher.jar -listen 127.0.0.1:0 -log-level warn -exit-on-stdin-eof
 * </pre>
 *
 * Once bound it prints exactly one line on stdout, {@code ready mongodb://127.0.0.1:PORT/},
 * then serves until SIGTERM/SIGINT (or stdin EOF with -exit-on-stdin-eof). Data lives
 * in memory only: a restarted server starts empty.
 */
public final class Launcher {

    /**
     * Why a version of our own: 1.47.0's newest built-in version (MONGO_5_0) reports
     * wire version 8, and the Node.js driver 7 refuses servers below wire version 9.
     * 13 is what a real MongoDB 5.0 reports; the backend uses the version only in its
     * hello/buildInfo/serverStatus answers.
     */
    private static final MongoVersion MONGO_5_0_WIRE_13 = new MongoVersion() {
        @Override
        public List<Integer> getVersionArray() {
            return List.of(5, 0, 0);
        }

        @Override
        public int getWireVersion() {
            return 13;
        }
    };

    private Launcher() {
    }

    public static void main(String[] args) {
        String listen = "127.0.0.1:27017";
        String logLevel = "warn";
        boolean exitOnStdinEof = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-listen" -> listen = value(args, ++i, "-listen");
                case "-log-level" -> logLevel = value(args, ++i, "-log-level");
                case "-exit-on-stdin-eof" -> exitOnStdinEof = true;
                default -> fail("unknown argument " + args[i]
                    + " (usage: -listen host:port [-log-level error|warn|info|debug] [-exit-on-stdin-eof])");
            }
        }
        // Must be set before the first logger is created (MongoServer's static one).
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", logLevel);
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");

        int colon = listen.lastIndexOf(':');
        if (colon <= 0) fail("-listen must be host:port, got " + listen);
        String host = listen.substring(0, colon);
        int port = parsePort(listen.substring(colon + 1));

        MemoryBackend backend = new MemoryBackend();
        backend.version(MONGO_5_0_WIRE_13);
        MongoServer server = new MongoServer(backend);
        try {
            server.bind(host, port);
        } catch (RuntimeException e) {
            fail("cannot listen on " + listen + ": " + e.getMessage());
        }

        CountDownLatch stopped = new CountDownLatch(1);
        // SIGTERM and SIGINT run the shutdown hooks; System.exit below does too.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.shutdownNow();
            stopped.countDown();
        }, "mongo-java-launcher-stop"));
        if (exitOnStdinEof) watchStdin();

        InetSocketAddress bound = server.getLocalAddress();
        System.out.println("ready mongodb://" + host + ":" + bound.getPort() + "/");
        System.out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A parent that dies without stopping us closes our stdin: take the server down with it. */
    private static void watchStdin() {
        Thread watcher = new Thread(() -> {
            byte[] buffer = new byte[256];
            try (InputStream in = System.in) {
                while (in.read(buffer) >= 0) {
                    // Discard: stdin carries nothing but its end.
                }
            } catch (IOException e) {
                // A broken pipe means the same as EOF.
            }
            System.exit(0);
        }, "mongo-java-launcher-stdin");
        watcher.setDaemon(true);
        watcher.start();
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) fail(flag + " needs a value");
        return args[i];
    }

    private static int parsePort(String text) {
        try {
            int port = Integer.parseInt(text);
            if (port >= 0 && port <= 65535) return port;
        } catch (NumberFormatException e) {
            // Reported below.
        }
        fail("bad port " + text);
        return -1;
    }

    private static void fail(String message) {
        System.err.println("mongo-java-launcher: " + message);
        System.exit(2);
    }
}
