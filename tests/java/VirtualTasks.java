import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** TASKS tasks on virtual threads (JDK 21+; found by reflection so this compiles on 17),
 *  each spinning in vhot() for a while and sleeping once, so virtual threads mount and
 *  unmount on the carriers while they are sampled. Prints "tasks N". Usage: VirtualTasks [TASKS] */
public class VirtualTasks {
    static volatile long sink;

    static long vhot(long n) {
        long x = 0;
        for (long i = 0; i < n; i++) x += (i * 17) ^ (x >>> 5);
        return x;
    }

    public static void main(String[] args) throws Exception {
        int tasks = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        ExecutorService ex = (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        for (int i = 0; i < tasks; i++) {
            ex.submit(() -> {
                sink += vhot(200_000);
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                sink += vhot(200_000);
            });
        }
        ex.shutdown();
        ex.awaitTermination(120, TimeUnit.SECONDS);
        System.out.println("tasks " + tasks);
    }
}
