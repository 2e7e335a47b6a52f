import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;

/**
 * A Java function runtime reduced to the Runtime API loop AWS's runtime interface client
 * runs: a CPU-heavy init, then for each of N events GET .../next, handle, POST .../response.
 * Prints how long each response post took, so the test can see the profiler added no latency.
 */
public class FakeLambdaRuntime {
    static volatile long sink;

    static long initWork(long ms) {
        long end = System.nanoTime() + ms * 1_000_000L;
        long x = 0;
        while (System.nanoTime() < end) {
            x += (x << 3) ^ System.nanoTime();
        }
        return x;
    }

    static long handleRequest(String event, long ms) {
        long end = System.nanoTime() + ms * 1_000_000L;
        long x = event.length();
        while (System.nanoTime() < end) {
            x = x * 31 + (x >>> 7);
        }
        return x;
    }

    /** Runs only for events that ask for it, so its method shows in that invocation alone. */
    static long onlyInSpecialInvocation(String event, long ms) {
        return handleRequest(event + "!", ms);
    }

    /** A response of `size` bytes whose content depends on the request id. */
    static byte[] payload(String id, int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) ('a' + (i * 7 + id.hashCode()) % 26);
        }
        return b;
    }

    static int field(String event, String name) {
        int at = event.indexOf("\"" + name + "\":");
        if (at < 0) {
            return -1;
        }
        int from = at + name.length() + 3;
        int to = from;
        while (to < event.length() && Character.isDigit(event.charAt(to))) {
            to++;
        }
        return Integer.parseInt(event.substring(from, to));
    }

    static int post(String url, byte[] body, String errorType) throws Exception {
        HttpURLConnection post = (HttpURLConnection) new URL(url).openConnection();
        post.setRequestMethod("POST");
        post.setDoOutput(true);
        post.setFixedLengthStreamingMode(body.length);
        if (errorType != null) {
            post.setRequestProperty("Lambda-Runtime-Function-Error-Type", errorType);
        }
        try (OutputStream out = post.getOutputStream()) {
            out.write(body);
        }
        int status = post.getResponseCode();
        read(status < 400 ? post.getInputStream() : post.getErrorStream());
        return status;
    }

    public static void main(String[] args) throws Exception {
        int events = Integer.parseInt(args[0]);
        long workMs = args.length > 1 ? Long.parseLong(args[1]) : 300;
        String api = System.getenv("AWS_LAMBDA_RUNTIME_API");
        System.out.println("runtime-api " + api);
        sink = initWork(workMs);
        if (args.length > 2 && args[2].equals("initerror")) {
            int status = post("http://" + api + "/2018-06-01/runtime/init/error",
                    "{\"errorMessage\":\"init failed\",\"errorType\":\"InitError\"}".getBytes(StandardCharsets.UTF_8),
                    "Runtime.InitError");
            System.out.println("init error posted status " + status);
            return;
        }
        String base = "http://" + api + "/2018-06-01/runtime/invocation/";
        for (int i = 0; i < events; i++) {
            HttpURLConnection next = (HttpURLConnection) new URL(base + "next").openConnection();
            String event = read(next.getInputStream());
            String id = next.getHeaderField("Lambda-Runtime-Aws-Request-Id");
            long started = System.nanoTime();
            long result = event.contains("special") ? onlyInSpecialInvocation(event, workMs) : handleRequest(event, workMs);
            System.out.println("handler " + id + " start " + started + " end " + System.nanoTime());
            long t0 = System.nanoTime();
            int size = field(event, "size");
            int status;
            if (event.contains("\"error\":1")) {
                status = post(base + id + "/error",
                        ("{\"errorMessage\":\"bad order " + id + "\",\"errorType\":\"IllegalStateException\"}")
                                .getBytes(StandardCharsets.UTF_8), "Unhandled");
            } else {
                byte[] body = size >= 0 ? payload(id, size)
                        : ("{\"id\":\"" + id + "\",\"result\":" + result + "}").getBytes(StandardCharsets.UTF_8);
                status = post(base + id + "/response", body, null);
            }
            System.out.println("posted " + id + " status " + status + " ms " + (System.nanoTime() - t0) / 1_000_000L);
        }
    }

    static String read(InputStream in) throws Exception {
        try (in) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            in.transferTo(b);
            return b.toString(StandardCharsets.UTF_8);
        }
    }
}
