import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.CountDownLatch;

/** N threads ("busy-0".."busy-N-1") burn CPU in spin() for a given time, then park; main
 *  then reads each one's CPU time from ThreadMXBean and prints "cpu NAME NANOS" and
 *  "alive NAME NANOS" (since the thread started), and exits with them still parked (daemons), so
 *  the profile's CPU total of each must equal what the JVM counted.
 *  Usage: BusyThreads [THREADS] [RUN_MS] */
public class BusyThreads {
    static volatile long sink;

    static long spin(long n) {
        long x = 0;
        for (long i = 0; i < n; i++) {
            x += (i * 31) ^ (x >>> 3);
        }
        return x;
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        long runMs = args.length > 1 ? Long.parseLong(args[1]) : 2000;
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        CountDownLatch done = new CountDownLatch(n);
        CountDownLatch never = new CountDownLatch(1);
        Thread[] ts = new Thread[n];
        long[] born = new long[n];
        for (int i = 0; i < n; i++) {
            final int k = i;
            ts[i] = new Thread(() -> {
                born[k] = System.nanoTime();
                long end = born[k] + runMs * 1_000_000L;
                while (System.nanoTime() < end) {
                    sink += spin(100_000);
                }
                done.countDown();
                try {
                    never.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "busy-" + i);
            ts[i].setDaemon(true);
        }
        for (Thread t : ts) t.start();
        done.await();
        for (int i = 0; i < n; i++) {
            System.out.println("cpu " + ts[i].getName() + " " + mx.getThreadCpuTime(ts[i].getId()));
            System.out.println("alive " + ts[i].getName() + " " + (System.nanoTime() - born[i]));
        }
        System.out.flush();
    }
}
