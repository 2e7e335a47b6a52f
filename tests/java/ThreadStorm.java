/** Thread churn at thousands per second: batches of 64 threads that do almost nothing,
 *  started and joined until the time is up. Prints "started N". */
public class ThreadStorm {
    static volatile long sink;

    public static void main(String[] args) throws Exception {
        long runMs = args.length > 0 ? Long.parseLong(args[0]) : 2000;
        long end = System.nanoTime() + runMs * 1_000_000L;
        int started = 0;
        Thread[] batch = new Thread[64];
        while (System.nanoTime() < end) {
            for (int i = 0; i < batch.length; i++) {
                final int k = started++;
                batch[i] = new Thread(() -> sink += k * 31, "storm-" + k);
                batch[i].start();
            }
            for (Thread t : batch) {
                t.join();
            }
        }
        System.out.println("started " + started);
    }
}
