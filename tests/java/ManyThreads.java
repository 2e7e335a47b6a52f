import java.util.concurrent.CountDownLatch;

/** Starts N threads (default 2000) that stay alive for the run: one in fifty spins, the rest
 *  sleep in short naps, so each sampling round sees N live threads. */
public class ManyThreads {
    static volatile long sink;
    static volatile boolean stop;

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        long runMs = args.length > 1 ? Long.parseLong(args[1]) : 3000;
        CountDownLatch started = new CountDownLatch(n);
        CountDownLatch go = new CountDownLatch(1);
        Thread[] threads = new Thread[n];
        for (int i = 0; i < n; i++) {
            final boolean spin = i % 50 == 0;
            threads[i] = new Thread(() -> {
                started.countDown();
                try {
                    go.await(); // spinning before every thread exists would starve main
                } catch (InterruptedException e) {
                    return;
                }
                long x = 0;
                while (!stop) {
                    if (spin) {
                        for (int k = 0; k < 1000; k++) {
                            x += k ^ (x << 1);
                        }
                        sink = x;
                    } else {
                        try {
                            Thread.sleep(5);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }
            }, "many-" + i);
            threads[i].setDaemon(true);
            threads[i].start();
        }
        started.await();
        go.countDown();
        System.out.println("live " + n);
        Thread.sleep(runMs);
        stop = true;
        for (Thread t : threads) {
            t.join();
        }
        System.out.println("done");
    }
}
