import java.lang.management.ManagementFactory;
import java.util.concurrent.CountDownLatch;

/** A Lambda-like process for bench/lambda_like.sh: BUSY handler threads do fixed units of
 *  work (a hash over a buffer, ~20 frames deep) for SECONDS, beside IDLE parked threads.
 *  Prints "ops N" (units done), "busy_cpu_ms M" (the busy threads' CPU, ThreadMXBean) and
 *  "p99_us P": the 99th percentile of one unit's wall time, which is where a profiler's
 *  pauses (safepoints, handshakes, signal handlers) show when the mean hides them.
 *  Usage: Handler BUSY IDLE SECONDS */
public class Handler {
    static volatile long sink;

    static long unit(byte[] buf, int depth) {
        if (depth > 0) return unit(buf, depth - 1) + depth;
        long h = 1125899906842597L;
        for (int r = 0; r < 8; r++)
            for (byte b : buf) h = 31 * h + b;
        return h;
    }

    public static void main(String[] args) throws Exception {
        int busy = Integer.parseInt(args[0]);
        int idle = Integer.parseInt(args[1]);
        long end = System.nanoTime() + (long) (Double.parseDouble(args[2]) * 1e9);
        CountDownLatch never = new CountDownLatch(1);
        for (int i = 0; i < idle; i++) {
            Thread t = new Thread(() -> {
                try { never.await(); } catch (InterruptedException e) { Thread.currentThread().interrupt(); }
            }, "idle-" + i);
            t.setDaemon(true);
            t.start();
        }
        long[] ops = new long[busy];
        long[] cpu = new long[busy];
        // One histogram of µs per thread, capped at 200 ms: a unit takes ~30 µs, so any pause
        // worth seeing lands in range, and nothing is allocated while the clock runs.
        int[][] hist = new int[busy][200_001];
        Thread[] ts = new Thread[busy];
        for (int i = 0; i < busy; i++) {
            final int k = i;
            ts[i] = new Thread(() -> {
                byte[] buf = new byte[4096];
                for (int j = 0; j < buf.length; j++) buf[j] = (byte) j;
                int[] h = hist[k];
                long t0 = System.nanoTime();
                while (t0 < end) {
                    sink += unit(buf, 20);
                    ops[k]++;
                    long t1 = System.nanoTime();
                    h[(int) Math.min((t1 - t0) / 1000, h.length - 1)]++;
                    t0 = t1;
                }
                cpu[k] = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
            }, "busy-" + i);
            ts[i].start();
        }
        long total = 0, busyCpu = 0;
        for (int i = 0; i < busy; i++) {
            ts[i].join();
            total += ops[i];
            busyCpu += cpu[i];
        }
        System.out.println("ops " + total);
        System.out.println("busy_cpu_ms " + busyCpu / 1_000_000L);
        System.out.println("p99_us " + percentile(hist, total, 0.99));
    }

    /** The smallest µs bucket below which at least q of all units fall. */
    static int percentile(int[][] hist, long total, double q) {
        long need = (long) Math.ceil(total * q), seen = 0;
        for (int us = 0; us < hist[0].length; us++) {
            for (int[] h : hist) seen += h[us];
            if (seen >= need) return us;
        }
        return hist[0].length - 1;
    }
}
