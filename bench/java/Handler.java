import java.lang.management.ManagementFactory;
import java.util.concurrent.CountDownLatch;

/** A Lambda-like process for bench/lambda_like.sh: BUSY handler threads do fixed units of
 *  work (a hash over a buffer, ~20 frames deep) for SECONDS, beside IDLE parked threads.
 *  Prints "ops N" (units done) and "busy_cpu_ms M" (the busy threads' CPU, ThreadMXBean).
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
        Thread[] ts = new Thread[busy];
        for (int i = 0; i < busy; i++) {
            final int k = i;
            ts[i] = new Thread(() -> {
                byte[] buf = new byte[4096];
                for (int j = 0; j < buf.length; j++) buf[j] = (byte) j;
                while (System.nanoTime() < end) {
                    sink += unit(buf, 20);
                    ops[k]++;
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
    }
}
