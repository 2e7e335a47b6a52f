package probe;

import com.amazonaws.services.lambda.crac.Context;
import com.amazonaws.services.lambda.crac.Core;
import com.amazonaws.services.lambda.crac.Resource;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The function of the RIE tests, run by AWS's Runtime Interface Client. The event is raw
 * bytes (a stream handler, so the RIC does not re-serialise them) whose first line says what
 * to do:
 * <ul>
 *   <li>{@code mark N} (N = 1..8): ~150 ms of work in {@code markN}, a method only that
 *       event runs, so each invocation's snapshot can be told apart; answers {@code marked N};
 *   <li>{@code echo}: answers the whole event, byte for byte (the 6 MB payload case);
 *   <li>{@code fail}: throws, so the RIC posts .../invocation/{id}/error;
 *   <li>{@code sleep MS}: sleeps (the timeout case);
 *   <li>{@code meet K} before any of these ({@code meet 3 mark 1}): first waits until K
 *       invocations are in the handler at once (a barrier of K, at most 60 s, then it
 *       throws), so that concurrent invocations surely overlap (Lambda Managed Instances).
 * </ul>
 * With PROBE_INIT_FAIL=1 the class's initialiser throws, so the RIC posts /runtime/init/error.
 * With PROBE_RESTORE_FAIL=1 it registers a SnapStart (CRaC) resource whose afterRestore
 * throws, so the RIC posts /runtime/restore/error after GET /runtime/restore/next.
 */
public class Probe implements RequestStreamHandler {
    static volatile long sink;

    /** One barrier per party count, reused round after round (a CyclicBarrier resets itself). */
    static final Map<Integer, CyclicBarrier> BARRIERS = new ConcurrentHashMap<>();

    /** Kept reachable: CRaC contexts hold their resources weakly. */
    static final Resource RESTORE_HOOK = new Resource() {
        @Override
        public void beforeCheckpoint(Context<? extends Resource> context) {}

        @Override
        public void afterRestore(Context<? extends Resource> context) {
            throw new IllegalStateException("restore failed on purpose");
        }
    };

    static {
        initWork(); // the init window's own method
        if ("1".equals(System.getenv("PROBE_INIT_FAIL"))) {
            throw new IllegalStateException("init failed on purpose");
        }
        if ("1".equals(System.getenv("PROBE_RESTORE_FAIL"))) {
            Core.getGlobalContext().register(RESTORE_HOOK);
        }
    }

    @Override
    public void handleRequest(InputStream in, OutputStream out, com.amazonaws.services.lambda.runtime.Context context) throws IOException {
        byte[] event = in.readAllBytes();
        int nl = indexOf(event, (byte) '\n');
        String[] cmd = new String(event, 0, nl < 0 ? event.length : nl, StandardCharsets.UTF_8).trim().split(" ");
        if (cmd[0].equals("meet")) {
            meet(Integer.parseInt(cmd[1]));
            cmd = Arrays.copyOfRange(cmd, 2, cmd.length);
        }
        switch (cmd[0]) {
            case "mark" -> {
                int n = Integer.parseInt(cmd[1]);
                mark(n);
                out.write(("marked " + n).getBytes(StandardCharsets.UTF_8));
            }
            case "echo" -> out.write(event);
            case "fail" -> throw new IllegalStateException("handler failed on purpose");
            case "sleep" -> {
                try {
                    Thread.sleep(Long.parseLong(cmd[1]));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                out.write("slept".getBytes(StandardCharsets.UTF_8));
            }
            default -> throw new IllegalArgumentException("unknown command " + cmd[0]);
        }
    }

    /** Waits until k invocations are here at once; a broken or timed-out barrier fails the invocation. */
    static void meet(int k) {
        try {
            BARRIERS.computeIfAbsent(k, CyclicBarrier::new).await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted at the barrier of " + k, e);
        } catch (BrokenBarrierException | TimeoutException e) {
            throw new IllegalStateException("the barrier of " + k + " was not met", e);
        }
    }

    static void mark(int n) {
        switch (n) {
            case 1 -> mark1();
            case 2 -> mark2();
            case 3 -> mark3();
            case 4 -> mark4();
            case 5 -> mark5();
            case 6 -> mark6();
            case 7 -> mark7();
            case 8 -> mark8();
            default -> throw new IllegalArgumentException("mark 1..8, not " + n);
        }
    }

    static void mark1() { spin(150); }
    static void mark2() { spin(150); }
    static void mark3() { spin(150); }
    static void mark4() { spin(150); }
    static void mark5() { spin(150); }
    static void mark6() { spin(150); }
    static void mark7() { spin(150); }
    static void mark8() { spin(150); }

    static void initWork() {
        spin(100);
    }

    /** Busy work for about ms milliseconds, so the sampler sees the caller on CPU. */
    static void spin(long ms) {
        long end = System.nanoTime() + ms * 1_000_000;
        long x = sink;
        while (System.nanoTime() < end) {
            for (int i = 0; i < 1000; i++) {
                x = x * 6364136223846793005L + 1442695040888963407L;
            }
        }
        sink = x;
    }

    private static int indexOf(byte[] b, byte c) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == c) {
                return i;
            }
        }
        return -1;
    }
}
