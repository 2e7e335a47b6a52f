import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Method;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Java function runtime reduced to the Runtime API loop AWS's runtime interface client
 * runs: a CPU-heavy init, then for each of N events GET .../next, handle, POST .../response.
 * Prints how long each response post took, so the test can see the profiler added no latency.
 * Usage: FakeLambdaRuntime EVENTS [WORK_MS] [initerror|handler]. With "handler" it calls the
 * function's own handler as Lambda's Java runtime does: `_HANDLER` (Class::method) read from
 * the environment, the class loaded from the classpath, the event (a flat JSON object) passed
 * as a Map and the Map it returns posted back as JSON.
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

    /** The function named by `_HANDLER`: an instance method taking the event as a Map. */
    static final class UserHandler {
        final Object target;
        final Method method;

        UserHandler(String spec) throws Exception {
            String[] parts = spec.split("::", 2);
            Class<?> c = Class.forName(parts[0]);
            Method found = null;
            for (Method m : c.getMethods()) {
                if (m.getName().equals(parts.length > 1 ? parts[1] : "handleRequest") && m.getParameterCount() == 1) {
                    found = m;
                }
            }
            if (found == null) {
                throw new NoSuchMethodException(spec);
            }
            method = found;
            target = c.getDeclaredConstructor().newInstance();
        }

        byte[] call(String event) throws Exception {
            Object result = method.invoke(target, parseFlat(event));
            return toJson((Map<?, ?>) result).getBytes(StandardCharsets.UTF_8);
        }
    }

    /** A flat JSON object of numbers and strings (all the tests send) as a Map. */
    static Map<String, Object> parseFlat(String json) {
        Map<String, Object> m = new LinkedHashMap<>();
        String body = json.trim().replaceAll("^\\{|\\}$", "").trim();
        if (body.isEmpty()) {
            return m;
        }
        for (String pair : body.split(",")) {
            String[] kv = pair.split(":", 2);
            String key = kv[0].trim().replaceAll("^\"|\"$", "");
            String v = kv[1].trim();
            m.put(key, v.startsWith("\"") ? v.substring(1, v.length() - 1) : (Object) Long.parseLong(v));
        }
        return m;
    }

    static String toJson(Map<?, ?> m) {
        StringBuilder b = new StringBuilder("{");
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (b.length() > 1) {
                b.append(',');
            }
            Object v = e.getValue();
            b.append('"').append(e.getKey()).append("\":");
            b.append(v instanceof Number ? v.toString() : "\"" + v + "\"");
        }
        return b.append('}').toString();
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
        UserHandler user = args.length > 2 && args[2].equals("handler") ? new UserHandler(System.getenv("_HANDLER")) : null;
        String base = "http://" + api + "/2018-06-01/runtime/invocation/";
        for (int i = 0; i < events; i++) {
            HttpURLConnection next = (HttpURLConnection) new URL(base + "next").openConnection();
            String event = read(next.getInputStream());
            String id = next.getHeaderField("Lambda-Runtime-Aws-Request-Id");
            long started = System.nanoTime();
            byte[] userResult = user != null ? user.call(event) : null;
            long result = user != null ? 0
                    : event.contains("special") ? onlyInSpecialInvocation(event, workMs) : handleRequest(event, workMs);
            System.out.println("handler " + id + " start " + started + " end " + System.nanoTime());
            long t0 = System.nanoTime();
            int size = field(event, "size");
            int status;
            if (event.contains("\"error\":1")) {
                status = post(base + id + "/error",
                        ("{\"errorMessage\":\"bad order " + id + "\",\"errorType\":\"IllegalStateException\"}")
                                .getBytes(StandardCharsets.UTF_8), "Unhandled");
            } else {
                byte[] body = userResult != null ? userResult : size >= 0 ? payload(id, size)
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
