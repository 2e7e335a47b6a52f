import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

/**
 * A Java runtime as Lambda Managed Instances run one: THREADS threads in one JVM, each looping
 * GET .../next, handle, POST .../response, ROUNDS times. An event {"marker":K} runs markerK
 * (a method no other event runs) for WORK_MS. All handlers of a round meet at a barrier
 * before working, so THREADS invocations are open at once whatever the machine's load.
 * With FIRST_EXTRA_MS, the first thread's first invocation works that much longer, so it stays
 * open while the others run their next round (one busy period spanning every round).
 * Usage: ManagedLambdaRuntime THREADS ROUNDS WORK_MS [FIRST_EXTRA_MS]. Prints "handled ID marker K thread NAME" and
 * "posted ID status S" per invocation.
 */
public class ManagedLambdaRuntime {
    static volatile long sink;

    static long spin(String event, long ms) {
        long end = System.nanoTime() + ms * 1_000_000L;
        long x = event.length();
        while (System.nanoTime() < end) {
            x = x * 31 + (x >>> 7);
        }
        return x;
    }

    static long marker0(String event, long ms) {
        return spin(event, ms);
    }

    static long marker1(String event, long ms) {
        return spin(event, ms);
    }

    static long marker2(String event, long ms) {
        return spin(event, ms);
    }

    static long marker3(String event, long ms) {
        return spin(event, ms);
    }

    static long marker4(String event, long ms) {
        return spin(event, ms);
    }

    static long marker5(String event, long ms) {
        return spin(event, ms);
    }

    static long runMarker(int k, String event, long ms) {
        switch (k) {
            case 0: return marker0(event, ms);
            case 1: return marker1(event, ms);
            case 2: return marker2(event, ms);
            case 3: return marker3(event, ms);
            case 4: return marker4(event, ms);
            case 5: return marker5(event, ms);
            default: throw new IllegalArgumentException("marker " + k);
        }
    }

    static byte[] readAll(InputStream in) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        for (int n; (n = in.read(buf)) > 0; ) {
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    static int marker(String event) {
        int at = event.indexOf("\"marker\":");
        return at < 0 ? -1 : Character.digit(event.charAt(at + 9), 10);
    }

    static void loop(String base, int rounds, long workMs, long firstExtraMs, CyclicBarrier barrier) throws Exception {
        for (int r = 0; r < rounds; r++) {
            HttpURLConnection next = (HttpURLConnection) new URL(base + "next").openConnection();
            String id = next.getHeaderField("Lambda-Runtime-Aws-Request-Id");
            String event = new String(readAll(next.getInputStream()), StandardCharsets.UTF_8);
            int k = marker(event);
            barrier.await(60, TimeUnit.SECONDS);
            sink += runMarker(k, event, workMs + (r == 0 ? firstExtraMs : 0));
            System.out.println("handled " + id + " marker " + k + " thread " + Thread.currentThread().getName());
            HttpURLConnection post = (HttpURLConnection) new URL(base + id + "/response").openConnection();
            post.setRequestMethod("POST");
            post.setDoOutput(true);
            try (OutputStream out = post.getOutputStream()) {
                out.write(("{\"id\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8));
            }
            int status = post.getResponseCode();
            readAll(post.getInputStream());
            System.out.println("posted " + id + " status " + status);
        }
    }

    public static void main(String[] args) throws Exception {
        int threads = Integer.parseInt(args[0]);
        int rounds = Integer.parseInt(args[1]);
        long workMs = Long.parseLong(args[2]);
        long firstExtraMs = args.length > 3 ? Long.parseLong(args[3]) : 0;
        String base = "http://" + System.getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime/invocation/";
        CyclicBarrier barrier = new CyclicBarrier(threads);
        Thread[] loops = new Thread[threads];
        Throwable[] failed = new Throwable[1];
        for (int i = 0; i < threads; i++) {
            long extra = i == 0 ? firstExtraMs : 0;
            loops[i] = new Thread(() -> {
                try {
                    loop(base, rounds, workMs, extra, barrier);
                } catch (Throwable t) {
                    synchronized (failed) {
                        failed[0] = t;
                    }
                }
            }, "lambda-loop-" + i);
            loops[i].start();
        }
        for (Thread t : loops) {
            t.join();
        }
        if (failed[0] != null) {
            failed[0].printStackTrace();
            System.exit(1);
        }
    }
}
