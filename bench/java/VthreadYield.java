import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** Mount/unmount cost of virtual threads (JDK 21+): THREADS virtual threads each call
 *  Thread.yield() YIELDS times (every yield unmounts the virtual thread and mounts it
 *  again, on this or another carrier), with a little work in between. Prints "yields N",
 *  "wall_ns N" and "cpu_ns N" (the process's CPU time for the timed part, from the
 *  OperatingSystemMXBean). Usage: VthreadYield [THREADS] [YIELDS] */
public class VthreadYield {
    static volatile long sink;

    public static void main(String[] args) throws Exception {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int yields = args.length > 1 ? Integer.parseInt(args[1]) : 5000;
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        AtomicLong done = new AtomicLong();
        for (int round = 0; round < 2; round++) { // the first round warms up
            done.set(0);
            long c0 = os.getProcessCpuTime(), t0 = System.nanoTime();
            ExecutorService ex = (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
            for (int i = 0; i < threads; i++) {
                ex.submit(() -> {
                    long x = 0;
                    for (int k = 0; k < yields; k++) {
                        for (int j = 0; j < 200; j++) x += (j * 31) ^ (x >>> 3);
                        Thread.yield();
                    }
                    sink += x;
                    done.addAndGet(yields);
                });
            }
            ex.shutdown();
            ex.awaitTermination(300, TimeUnit.SECONDS);
            long t1 = System.nanoTime(), c1 = os.getProcessCpuTime();
            if (round == 1) {
                System.out.println("yields " + done.get());
                System.out.println("wall_ns " + (t1 - t0));
                System.out.println("cpu_ns " + (c1 - c0));
            }
        }
    }
}
